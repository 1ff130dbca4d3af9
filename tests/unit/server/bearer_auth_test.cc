// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/bearer_auth.h"

#include "gtest/gtest.h"

namespace nbo::services {
namespace {

TEST(BearerTokenMatchesTest, AcceptsTheSchemeInAnyCase) {
  for (const char* header :
       {"Bearer s3cret", "bearer s3cret", "BEARER s3cret", "bEaReR s3cret"}) {
    EXPECT_TRUE(BearerTokenMatches(header, "s3cret")) << header;
  }
}

TEST(BearerTokenMatchesTest, AcceptsMoreThanOneSpaceAfterTheScheme) {
  EXPECT_TRUE(BearerTokenMatches("Bearer   s3cret", "s3cret"));
}

TEST(BearerTokenMatchesTest, ComparesTheTokenExactly) {
  EXPECT_FALSE(BearerTokenMatches("Bearer S3CRET", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("Bearer s3cre", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("Bearer s3crett", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("Bearer s3cret ", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("Bearer ", "s3cret"));
}

TEST(BearerTokenMatchesTest, RejectsOtherSchemesAndMissingSeparators) {
  EXPECT_FALSE(BearerTokenMatches("Basic s3cret", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("Bearers3cret", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("Bearer", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("s3cret", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("Bearer\ts3cret", "s3cret"));
}

}  // namespace
}  // namespace nbo::services
