// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/bearer_auth.h"

#include "gtest/gtest.h"

namespace nbo::services {
namespace {

TEST(BearerTokenTest, AcceptsTheSchemeInAnyCase) {
  for (const char* header :
       {"Bearer s3cret", "bearer s3cret", "BEARER s3cret", "bEaReR s3cret"}) {
    EXPECT_EQ(BearerToken(header), "s3cret") << header;
  }
}

TEST(BearerTokenTest, AcceptsMoreThanOneSpaceAfterTheScheme) {
  EXPECT_EQ(BearerToken("Bearer   s3cret"), "s3cret");
}

TEST(BearerTokenTest, KeepsTheTokenExactly) {
  EXPECT_EQ(BearerToken("Bearer S3CRET"), "S3CRET");
  EXPECT_EQ(BearerToken("Bearer s3cret "), "s3cret ");
}

TEST(BearerTokenTest, RejectsOtherSchemesMissingSeparatorsAndEmptyTokens) {
  for (const char* header :
       {"Basic s3cret", "Bearers3cret", "Bearer", "Bearer ", "Bearer   ",
        "s3cret", "", "Bearer\ts3cret"}) {
    EXPECT_FALSE(BearerToken(header).has_value()) << header;
  }
}

}  // namespace
}  // namespace nbo::services
