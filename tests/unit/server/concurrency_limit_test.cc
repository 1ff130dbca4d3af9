// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/nbo_server/concurrency_limit.h"

#include "gtest/gtest.h"

namespace nbo::server {
namespace {

TEST(ConcurrencyLimitTest, RefusesOneBeyondTheLimitUntilAPermitIsReleased) {
  ConcurrencyLimit limit(2);
  auto first = limit.TryAcquire();
  auto second = limit.TryAcquire();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(limit.in_use(), 2);
  EXPECT_EQ(limit.TryAcquire(), nullptr);
  EXPECT_EQ(limit.in_use(), 2);
  first.reset();
  EXPECT_EQ(limit.in_use(), 1);
  auto third = limit.TryAcquire();
  EXPECT_NE(third, nullptr);
  EXPECT_EQ(limit.TryAcquire(), nullptr);
}

}  // namespace
}  // namespace nbo::server
