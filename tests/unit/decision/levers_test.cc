// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/decision/levers.h"

#include <cmath>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace nbo::decision {
namespace {

using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;

TEST(LeversTest, UnsetLeverIsOne) {
  ASSERT_OK_AND_ASSIGN(auto levers, Levers::Create({{"P1", 2.5}}));
  EXPECT_EQ(levers->Get("P1"), 2.5);
  EXPECT_EQ(levers->Get("P2"), 1.0);
  EXPECT_EQ(Levers::Neutral()->Get("P1"), 1.0);
}

TEST(LeversTest, ZeroLeverIsAllowed) {
  ASSERT_OK_AND_ASSIGN(auto levers, Levers::Create({{"P1", 0.0}}));
  EXPECT_EQ(levers->Get("P1"), 0.0);
}

TEST(LeversTest, RejectsNegativeNanInfiniteAndEmptyId) {
  EXPECT_THAT(Levers::Create({{"P1", -0.5}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("P1")));
  EXPECT_THAT(Levers::Create({{"P1", std::nan("")}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Levers::Create({{"P1", std::numeric_limits<double>::infinity()}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Levers::Create({{"", 1.0}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(LeversHolderTest, SetReplacesSnapshotWholeAndOldReadersKeepTheirs) {
  LeversHolder holder;
  std::shared_ptr<const Levers> before = holder.Get();
  ASSERT_NE(before, nullptr);
  EXPECT_EQ(before->Get("P1"), 1.0);
  ASSERT_OK_AND_ASSIGN(auto next, Levers::Create({{"P1", 3.0}, {"P2", 0.5}}));
  holder.Set(next);
  EXPECT_EQ(holder.Get()->Get("P1"), 3.0);
  EXPECT_EQ(holder.Get()->Get("P2"), 0.5);
  EXPECT_EQ(before->Get("P1"), 1.0);
}

}  // namespace
}  // namespace nbo::decision
