// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/common/file_util.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace nbo::common {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

TEST(FileUtilTest, WritesAndReplacesWithoutLeavingTheTemporary) {
  nbo::testing::TempDir dir;
  const std::string path = dir.Sub("ports.json");
  ASSERT_THAT(WriteFileAtomically(path, "{\"grpc\":1}\n"), IsOk());
  EXPECT_EQ(Read(path), "{\"grpc\":1}\n");
  ASSERT_THAT(WriteFileAtomically(path, "{\"grpc\":2}\n"), IsOk());
  EXPECT_EQ(Read(path), "{\"grpc\":2}\n");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(FileUtilTest, MissingDirectoryIsInternalNamingThePath) {
  nbo::testing::TempDir dir;
  const std::string path = dir.Sub("no/such/dir/ports.json");
  EXPECT_THAT(WriteFileAtomically(path, "x"),
              StatusIs(absl::StatusCode::kInternal,
                       ::testing::HasSubstr("no/such/dir/ports.json")));
}

TEST(FileUtilTest, FreeBytesAgreesWithTheFilesystem) {
  nbo::testing::TempDir dir;
  absl::StatusOr<uint64_t> free = FreeBytes(dir.path());
  ASSERT_THAT(free, IsOk());
  const std::filesystem::space_info space = std::filesystem::space(dir.path());
  // Other processes write meanwhile: equal within 64 MiB.
  const uint64_t expected = space.available;
  EXPECT_LT(*free > expected ? *free - expected : expected - *free,
            uint64_t{64} << 20);
}

TEST(FileUtilTest, FreeBytesOfAMissingPathIsInternalNamingIt) {
  nbo::testing::TempDir dir;
  EXPECT_THAT(
      FreeBytes(dir.Sub("missing")),
      StatusIs(absl::StatusCode::kInternal, ::testing::HasSubstr("missing")));
}

}  // namespace
}  // namespace nbo::common
