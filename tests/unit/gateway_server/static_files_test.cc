// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/gateway/static_files.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/temp_dir.h"

namespace nbo::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string HeaderOf(const services::HttpResponse& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

services::HttpRequest Get(const std::string& target,
                          services::HttpHeaders headers = {}) {
  services::HttpRequest request;
  request.method = "GET";
  request.target = target;
  request.headers = std::move(headers);
  return request;
}

class StaticFilesTest : public ::testing::Test {
 protected:
  StaticFilesTest() {
    std::filesystem::create_directories(dir_.Sub("site/assets"));
    Write("site/index.html", "<html>dashboard</html>");
    Write("site/assets/app.js", "console.log(1)");
    Write("site/.env", "SECRET=1");
    Write("outside.txt", "not served");
    std::filesystem::create_symlink(dir_.Sub("outside.txt"),
                                    dir_.Sub("site/link.txt"));
  }
  void Write(const std::string& path, const std::string& text) {
    std::ofstream(dir_.Sub(path)) << text;
  }
  nbo::testing::TempDir dir_;
};

TEST_F(StaticFilesTest, ServesFilesWithTypesSecurityHeadersAndEtag) {
  StaticFiles files(dir_.Sub("site"));
  std::optional<services::HttpResponse> index = files.Serve(Get("/"));
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->body, "<html>dashboard</html>");
  EXPECT_THAT(HeaderOf(*index, "Content-Type"), StartsWith("text/html"));
  EXPECT_EQ(HeaderOf(*index, "X-Content-Type-Options"), "nosniff");
  EXPECT_THAT(HeaderOf(*index, "Content-Security-Policy"),
              HasSubstr("default-src 'self'"));
  std::optional<services::HttpResponse> js =
      files.Serve(Get("/assets/app.js?v=2"));
  ASSERT_TRUE(js.has_value());
  EXPECT_THAT(HeaderOf(*js, "Content-Type"), StartsWith("text/javascript"));
  const std::string etag = HeaderOf(*js, "ETag");
  ASSERT_FALSE(etag.empty());
  std::optional<services::HttpResponse> again =
      files.Serve(Get("/assets/app.js", {{"If-None-Match", etag}}));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status, 304);
  EXPECT_EQ(again->body, "");
}

TEST_F(StaticFilesTest, NothingOutsideTheDirectoryHiddenOrListed) {
  StaticFiles files(dir_.Sub("site"));
  for (const char* target :
       {"/../outside.txt", "/assets/../../outside.txt", "/%2e%2e/outside.txt",
        "/.env", "/link.txt", "/missing.js", "/assets/", "relative"}) {
    EXPECT_FALSE(files.Serve(Get(target)).has_value()) << target;
  }
}

TEST(StaticFilesBuiltInTest, WithoutADirectoryServesAPagePointingAtTheApi) {
  StaticFiles files("");
  std::optional<services::HttpResponse> page = files.Serve(Get("/"));
  ASSERT_TRUE(page.has_value());
  EXPECT_THAT(page->body, HasSubstr("/openapi.json"));
  EXPECT_FALSE(files.Serve(Get("/app.js")).has_value());
}

}  // namespace
}  // namespace nbo::gateway
