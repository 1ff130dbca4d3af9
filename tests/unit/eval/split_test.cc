// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/split.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace nbo::eval {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Three users, four items; sorted timestamps are
//   100 150 200 300 350 360 380 400   (n = 8).
// u0 takes i0 twice (100, 300), i1 at 200 and i2 at 400; u1 takes i1 twice
// (150, 360) and i3 at 350; u2 only takes i2 at 380.
std::vector<Interaction> Timestamped() {
  return {{0, 0, 1.0, 100}, {0, 1, 1.0, 200}, {0, 0, 2.0, 300},
          {0, 2, 1.0, 400}, {1, 1, 1.0, 150}, {1, 3, 1.0, 350},
          {1, 1, 1.0, 360}, {2, 2, 1.0, 380}};
}

std::vector<int64_t> Times(const std::vector<Interaction>& xs) {
  std::vector<int64_t> out;
  for (const Interaction& x : xs) out.push_back(x.unix_seconds);
  return out;
}

TEST(SplitTest, ParsesSplitNames) {
  EXPECT_THAT(ParseSplitKind("time"), IsOk());
  EXPECT_EQ(*ParseSplitKind("random"), SplitKind::kRandom);
  EXPECT_EQ(*ParseSplitKind("leave_k_out"), SplitKind::kLeaveKOut);
  EXPECT_THAT(ParseSplitKind("kfold"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("kfold")));
}

TEST(SplitTest, TimeSplitWithGivenCutoffHoldsOutNewItemsOnly) {
  SplitOptions options;
  options.cutoff_unix_seconds = 300;
  ASSERT_OK_AND_ASSIGN(Split split, SplitByTime(Timestamped(), options));
  EXPECT_EQ(split.num_users, 3);
  EXPECT_EQ(split.num_items, 4);
  EXPECT_EQ(split.cutoff_unix_seconds, 300);
  // Train: the events before 300.
  EXPECT_THAT(Times(split.train), ElementsAre(100, 200, 150));
  // u0 retakes i0 at 300 (had it) and first takes i2 at 400.
  EXPECT_THAT(split.test[0], ElementsAre(2));
  // u1 first takes i3 at 350; i1 at 360 is a repeat.
  EXPECT_THAT(split.test[1], ElementsAre(3));
  // u2 has no history: a cold-start test user.
  EXPECT_THAT(split.test[2], ElementsAre(2));
}

TEST(SplitTest, TimeSplitPicksQuantileCutoff) {
  // Default q = 0.8: index floor(0.8 * 8) = 6 -> t = 380.
  ASSERT_OK_AND_ASSIGN(Split split, SplitByTime(Timestamped(), {}));
  EXPECT_EQ(split.cutoff_unix_seconds, 380);
  EXPECT_THAT(Times(split.train), ElementsAre(100, 200, 300, 150, 350, 360));
  EXPECT_THAT(split.test[0], ElementsAre(2));
  EXPECT_THAT(split.test[1], IsEmpty());
  EXPECT_THAT(split.test[2], ElementsAre(2));

  // q = 0.5: index floor(0.5 * 8) = 4 -> t = 350.
  SplitOptions options;
  options.time_quantile = 0.5;
  ASSERT_OK_AND_ASSIGN(split, SplitByTime(Timestamped(), options));
  EXPECT_EQ(split.cutoff_unix_seconds, 350);
  EXPECT_THAT(Times(split.train), ElementsAre(100, 200, 300, 150));
  EXPECT_THAT(split.test[0], ElementsAre(2));
  EXPECT_THAT(split.test[1], ElementsAre(3));
  EXPECT_THAT(split.test[2], ElementsAre(2));
}

TEST(SplitTest, TimeSplitKeepsCatalogSizeFromOptions) {
  SplitOptions options;
  options.num_items = 10;
  options.num_users = 5;
  ASSERT_OK_AND_ASSIGN(Split split, SplitByTime(Timestamped(), options));
  EXPECT_EQ(split.num_items, 10);
  EXPECT_EQ(split.num_users, 5);
  EXPECT_EQ(split.test.size(), 5u);
}

TEST(SplitTest, TimeSplitNeedsTimestamps) {
  std::vector<Interaction> xs = Timestamped();
  xs[3].unix_seconds = 0;
  EXPECT_THAT(SplitByTime(xs, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("1 of 8 interactions")));
}

TEST(SplitTest, RejectsBadInput) {
  EXPECT_THAT(SplitByTime({}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SplitRandom({}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SplitLeaveKOut({}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<Interaction> negative = {{0, -1, 1.0, 5}};
  EXPECT_THAT(SplitRandom(negative, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  SplitOptions small;
  small.num_items = 2;  // Item 3 appears.
  EXPECT_THAT(SplitByTime(Timestamped(), small),
              StatusIs(absl::StatusCode::kInvalidArgument));
  SplitOptions bad_q;
  bad_q.time_quantile = 1.0;
  EXPECT_THAT(SplitByTime(Timestamped(), bad_q),
              StatusIs(absl::StatusCode::kInvalidArgument));
  SplitOptions bad_k;
  bad_k.leave_k = 0;
  EXPECT_THAT(SplitLeaveKOut(Timestamped(), bad_k),
              StatusIs(absl::StatusCode::kInvalidArgument));
  SplitOptions bad_fraction;
  bad_fraction.test_fraction = 0;
  EXPECT_THAT(SplitRandom(Timestamped(), bad_fraction),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SplitTest, LeaveOneOutHoldsOutLastItemByFirstTake) {
  // First takes: u0 i0@100 i1@200 i2@400 -> i2; u1 i1@150 i3@350 -> i3;
  // u2 has one item (<= k) and stays whole.
  ASSERT_OK_AND_ASSIGN(Split split, SplitLeaveKOut(Timestamped(), {}));
  EXPECT_THAT(split.test[0], ElementsAre(2));
  EXPECT_THAT(split.test[1], ElementsAre(3));
  EXPECT_THAT(split.test[2], IsEmpty());
  EXPECT_THAT(Times(split.train), ElementsAre(100, 200, 300, 150, 360, 380));
}

TEST(SplitTest, LeaveTwoOutKeepsSmallUsersWhole) {
  SplitOptions options;
  options.leave_k = 2;
  ASSERT_OK_AND_ASSIGN(Split split, SplitLeaveKOut(Timestamped(), options));
  EXPECT_THAT(split.test[0], ElementsAre(1, 2));
  EXPECT_THAT(split.test[1], IsEmpty());  // 2 items <= k.
  EXPECT_THAT(split.test[2], IsEmpty());
  EXPECT_THAT(Times(split.train), ElementsAre(100, 300, 150, 350, 360, 380));
}

// 50 users with 1..10 items each, no timestamps.
std::vector<Interaction> Untimed() {
  std::vector<Interaction> xs;
  for (int32_t u = 0; u < 50; ++u) {
    for (int32_t i = 0; i <= u % 10; ++i) {
      xs.push_back({u, (u * 7 + i * 3) % 20, 1.0, 0});
    }
  }
  return xs;
}

TEST(SplitTest, LeaveKOutWithoutTimestampsDrawsKAtRandom) {
  SplitOptions options;
  options.leave_k = 2;
  ASSERT_OK_AND_ASSIGN(Split a, SplitLeaveKOut(Untimed(), options));
  ASSERT_OK_AND_ASSIGN(Split b, SplitLeaveKOut(Untimed(), options));
  for (int32_t u = 0; u < 50; ++u) {
    const size_t items = static_cast<size_t>(u % 10 + 1);
    EXPECT_EQ(a.test[u].size(), items > 2 ? 2u : 0u) << "user " << u;
    EXPECT_EQ(a.test[u], b.test[u]);
  }
}

TEST(SplitTest, RandomSplitHoldsOutAFractionOfEachUsersItems) {
  SplitOptions options;
  options.test_fraction = 0.5;
  std::vector<Interaction> xs = Untimed();
  ASSERT_OK_AND_ASSIGN(Split split, SplitRandom(xs, options));
  size_t train_plus_test = split.train.size();
  for (int32_t u = 0; u < 50; ++u) {
    const int n = u % 10 + 1;
    // round(0.5 * n), but never all n: n=1 -> 0, n=2 -> 1, n=3 -> 2 ...
    const int expected = n == 1 ? 0 : std::min(n - 1, (n + 1) / 2);
    EXPECT_EQ(split.test[u].size(), static_cast<size_t>(expected))
        << "user " << u;
    train_plus_test += split.test[u].size();
  }
  // Items are distinct per user here, so nothing is lost or duplicated.
  EXPECT_EQ(train_plus_test, xs.size());
  for (const Interaction& x : split.train) {
    EXPECT_FALSE(std::binary_search(split.test[x.user].begin(),
                                    split.test[x.user].end(), x.item));
  }
}

TEST(SplitTest, RandomSplitIsDeterministicForASeed) {
  SplitOptions options;
  options.seed = 7;
  ASSERT_OK_AND_ASSIGN(Split a, SplitRandom(Untimed(), options));
  ASSERT_OK_AND_ASSIGN(Split b, SplitRandom(Untimed(), options));
  EXPECT_EQ(a.test, b.test);
  ASSERT_EQ(a.train.size(), b.train.size());
  for (size_t i = 0; i < a.train.size(); ++i) {
    EXPECT_EQ(a.train[i].user, b.train[i].user);
    EXPECT_EQ(a.train[i].item, b.train[i].item);
  }
  options.seed = 8;
  ASSERT_OK_AND_ASSIGN(Split c, SplitRandom(Untimed(), options));
  EXPECT_NE(a.test, c.test);
}

TEST(SplitTest, MakeSplitDispatchesOnKind) {
  SplitOptions options;
  options.kind = SplitKind::kLeaveKOut;
  ASSERT_OK_AND_ASSIGN(Split split, MakeSplit(Timestamped(), options));
  EXPECT_THAT(split.test[0], ElementsAre(2));
  options.kind = SplitKind::kTime;
  EXPECT_THAT(MakeSplit(Untimed(), options),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace nbo::eval
