// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/common/stable_hash.h"

#include "gtest/gtest.h"

namespace nbo::common {
namespace {

TEST(StableHashTest, MatchesPublishedFnv1aValues) {
  // Pinned values: changing them would move customers between traffic-split
  // arms on upgrade, so a change here must be deliberate.
  // FNV-1a 64 of "\x1f" and of "salt\x1fC0000001", computed independently.
  EXPECT_EQ(StableHash("", ""), 0xaf63d24c8601db8eull);
  EXPECT_EQ(StableHash("salt", "C0000001"), 0x9359f58515bb3036ull);
}

TEST(StableHashTest, SeparatesSaltFromKey) {
  EXPECT_NE(StableHash("ab", "c"), StableHash("a", "bc"));
  EXPECT_NE(StableHash("s1", "C1"), StableHash("s2", "C1"));
}

}  // namespace
}  // namespace nbo::common
