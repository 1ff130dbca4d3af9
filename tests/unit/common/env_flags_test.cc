// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/common/env_flags.h"

#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

ABSL_FLAG(std::string, test_data_dir, "./default", "for the test");
ABSL_FLAG(int, test_port, 7, "for the test");

namespace nbo::common {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;

TEST(EnvFlagsTest, MapsFlagNameToUpperCaseVariable) {
  EXPECT_EQ(EnvVarForFlag("data_dir"), "NBO_DATA_DIR");
}

TEST(EnvFlagsTest, EnvironmentSetsFlagNotGivenOnCommandLine) {
  ::setenv("NBO_TEST_DATA_DIR", "/from/env", 1);
  char arg0[] = "prog";
  char* argv[] = {arg0};
  ASSERT_THAT(ApplyEnvironmentToFlags(1, argv), IsOk());
  EXPECT_EQ(absl::GetFlag(FLAGS_test_data_dir), "/from/env");
  ::unsetenv("NBO_TEST_DATA_DIR");
}

TEST(EnvFlagsTest, CommandLineWinsOverEnvironment) {
  absl::SetFlag(&FLAGS_test_port, 9);
  ::setenv("NBO_TEST_PORT", "11", 1);
  char arg0[] = "prog";
  char arg1[] = "--test_port=9";
  char* argv[] = {arg0, arg1};
  ASSERT_THAT(ApplyEnvironmentToFlags(2, argv), IsOk());
  EXPECT_EQ(absl::GetFlag(FLAGS_test_port), 9);
  ::unsetenv("NBO_TEST_PORT");
}

TEST(EnvFlagsTest, UnparsableValueIsInvalidArgumentNamingTheVariable) {
  ::setenv("NBO_TEST_PORT", "eleven", 1);
  char arg0[] = "prog";
  char* argv[] = {arg0};
  EXPECT_THAT(ApplyEnvironmentToFlags(1, argv),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("NBO_TEST_PORT")));
  ::unsetenv("NBO_TEST_PORT");
}

}  // namespace
}  // namespace nbo::common
