// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/auth/token_registry.h"

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/file_util.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace nbo::auth {
namespace {

using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;

std::string Line(absl::string_view name, absl::string_view roles,
                 absl::string_view token) {
  std::string hex;
  for (uint8_t b : HashToken(token)) {
    absl::StrAppend(&hex, absl::Hex(b, absl::kZeroPad2));
  }
  return absl::StrCat(name, " ", roles, " sha256:", hex, "\n");
}

class TokenRegistryTest : public ::testing::Test {
 protected:
  void Write(const std::string& contents) {
    ASSERT_TRUE(common::WriteFileAtomically(path_, contents).ok());
  }

  std::unique_ptr<TokenRegistry> Create(std::string admin_token = "") {
    TokenRegistry::Options options;
    options.tokens_file = path_;
    options.admin_token = std::move(admin_token);
    options.reload_interval = absl::ZeroDuration();
    options.on_error = [this](const absl::Status& s) { errors_.push_back(s); };
    options.on_reload = [this](size_t) { ++reloads_; };
    auto registry = TokenRegistry::Create(std::move(options));
    EXPECT_TRUE(registry.ok()) << registry.status();
    return registry.ok() ? *std::move(registry) : nullptr;
  }

  nbo::testing::TempDir dir_;
  const std::string path_ = dir_.Sub("tokens");
  std::vector<absl::Status> errors_;
  int reloads_ = 0;
};

TEST_F(TokenRegistryTest, AuthenticatesEachTokenAsItsNameWithImpliedRoles) {
  Write(Line("desk", "act", "t-desk") + Line("etl", "ingest", "t-etl"));
  auto registry = Create();
  ASSERT_NE(registry, nullptr);
  EXPECT_FALSE(registry->open());
  auto desk = registry->Authenticate("t-desk");
  ASSERT_TRUE(desk.has_value());
  EXPECT_EQ(desk->name, "desk");
  EXPECT_EQ(desk->roles.ToString(), "read,act");
  auto etl = registry->Authenticate("t-etl");
  ASSERT_TRUE(etl.has_value());
  EXPECT_EQ(etl->name, "etl");
  EXPECT_EQ(etl->roles.ToString(), "ingest");
  EXPECT_FALSE(registry->Authenticate("t-des").has_value());
  EXPECT_FALSE(registry->Authenticate("t-desk ").has_value());
  EXPECT_FALSE(registry->Authenticate("").has_value());
}

TEST_F(TokenRegistryTest, AdminTokenIsOneMoreLineNamedAdminToken) {
  Write(Line("desk", "act", "t-desk"));
  auto registry = Create("t-admin");
  ASSERT_NE(registry, nullptr);
  EXPECT_EQ(registry->size(), 2u);
  auto admin = registry->Authenticate("t-admin");
  ASSERT_TRUE(admin.has_value());
  EXPECT_EQ(admin->name, "admin_token");
  EXPECT_EQ(admin->roles.ToString(), "read,admin");
  EXPECT_TRUE(registry->Authenticate("t-desk").has_value());
}

TEST(TokenRegistryOpenTest, IsOpenOnlyWithNoFileAndNoAdminToken) {
  auto open = TokenRegistry::Create({});
  ASSERT_TRUE(open.ok());
  EXPECT_TRUE((*open)->open());
  EXPECT_FALSE((*open)->Authenticate("anything").has_value());
  TokenRegistry::Options admin_only;
  admin_only.admin_token = "t";
  auto closed = TokenRegistry::Create(admin_only);
  ASSERT_TRUE(closed.ok());
  EXPECT_FALSE((*closed)->open());
  EXPECT_TRUE((*closed)->Authenticate("t").has_value());
}

TEST_F(TokenRegistryTest, FailsToStartOnABadOrMissingFile) {
  TokenRegistry::Options options;
  options.tokens_file = path_;
  EXPECT_THAT(TokenRegistry::Create(options).status(),
              StatusIs(absl::StatusCode::kNotFound));
  Write("desk act sha256:nothex\n");
  auto bad = TokenRegistry::Create(options);
  EXPECT_THAT(bad.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr(absl::StrCat(path_, ":1: "))));
}

TEST_F(TokenRegistryTest, RejectsAFileLineNamedAdminTokenNextToTheFlag) {
  Write(Line("admin_token", "read", "t"));
  TokenRegistry::Options options;
  options.tokens_file = path_;
  options.admin_token = "other";
  EXPECT_THAT(TokenRegistry::Create(options).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'admin_token' is taken")));
}

TEST_F(TokenRegistryTest, ReloadsWhenTheFileChanges) {
  Write(Line("old", "read", "t-old"));
  auto registry = Create();
  ASSERT_NE(registry, nullptr);
  ASSERT_TRUE(registry->Authenticate("t-old").has_value());
  Write(Line("new", "customer", "t-new"));
  // No explicit reload: with reload_interval 0 each check looks at the file.
  auto added = registry->Authenticate("t-new");
  ASSERT_TRUE(added.has_value());
  EXPECT_EQ(added->roles.ToString(), "customer");
  EXPECT_FALSE(registry->Authenticate("t-old").has_value());
  EXPECT_EQ(reloads_, 1);
  EXPECT_TRUE(errors_.empty());
}

TEST_F(TokenRegistryTest, ABadReloadKeepsTheOldTokensAndSaysWhyOnce) {
  Write(Line("desk", "act", "t-desk"));
  auto registry = Create();
  ASSERT_NE(registry, nullptr);
  Write(Line("desk", "act", "t-desk") + "etl ingest t-etl-in-the-clear\n");
  EXPECT_THAT(registry->ReloadIfChanged(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat(path_, ":2: "))));
  EXPECT_TRUE(registry->Authenticate("t-desk").has_value());
  EXPECT_FALSE(registry->Authenticate("t-etl-in-the-clear").has_value());
  ASSERT_EQ(errors_.size(), 1u) << "one report per bad version";
  EXPECT_THAT(std::string(errors_[0].message()),
              ::testing::Not(HasSubstr("in-the-clear")));
  Write(Line("etl", "ingest", "t-etl"));
  EXPECT_TRUE(registry->ReloadIfChanged().ok());
  EXPECT_TRUE(registry->Authenticate("t-etl").has_value());
  EXPECT_FALSE(registry->Authenticate("t-desk").has_value());
}

TEST_F(TokenRegistryTest, ADeletedFileKeepsTheOldTokens) {
  Write(Line("desk", "act", "t-desk"));
  auto registry = Create();
  ASSERT_NE(registry, nullptr);
  ASSERT_EQ(std::remove(path_.c_str()), 0);
  EXPECT_THAT(registry->ReloadIfChanged(),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(registry->Authenticate("t-desk").has_value());
  EXPECT_EQ(errors_.size(), 1u);
}

TEST_F(TokenRegistryTest, LooksAtTheFileAtMostOncePerInterval) {
  Write(Line("old", "read", "t-old"));
  absl::Time now = absl::FromUnixSeconds(1000);
  TokenRegistry::Options options;
  options.tokens_file = path_;
  options.reload_interval = absl::Seconds(1);
  options.now = [&now] { return now; };
  options.on_reload = [](size_t) {};
  auto registry = TokenRegistry::Create(options);
  ASSERT_TRUE(registry.ok());
  ASSERT_TRUE((*registry)->Authenticate("t-old").has_value());
  Write(Line("new", "read", "t-new"));
  now += absl::Milliseconds(500);
  EXPECT_FALSE((*registry)->Authenticate("t-new").has_value());
  now += absl::Milliseconds(500);
  EXPECT_TRUE((*registry)->Authenticate("t-new").has_value());
}

}  // namespace
}  // namespace nbo::auth
