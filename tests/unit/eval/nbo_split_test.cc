// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/nbo_split.h"

#include <cstdint>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/eval/split.h"
#include "lib/testing/status_matchers.h"

namespace nbo::eval {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kDay = 86400;
// Far from the epoch, so that no day is the "missing" timestamp 0.
constexpr int64_t kStart = 1700000000;
int64_t Day(int d) { return kStart + d * kDay; }

// Five products (0 savings, 1 card, 2 mortgage, 3 fund, 4 loan), cutoff on
// day 100, a 90-day window (days 100..189):
//   user 0: opens 0 (day 10), views 1 (50); opens 1 (120), opens 0 again
//           (130), opens 2 (200, after the window)
//   user 1: opens 3 (20), closes 3 (60), applies for 4 (99); opens 3 again
//           (150)
//   user 2: views 2 (30); at day 40 a close of 0 with nothing open, then an
//           open of 0; nothing after the cutoff
//   user 3: views 1 on day 250 only (after the window)
//   user 4: opens 4 on day 110 (no history: a cold start)
struct Timeline {
  std::vector<Interaction> interactions;
  std::vector<HoldingChange> holdings;
};

Timeline MakeTimeline() {
  Timeline t;
  auto take = [&t](int32_t user, int32_t item, int day, double weight) {
    t.interactions.push_back({user, item, weight, Day(day)});
    if (weight >= 5) t.holdings.push_back({user, item, Day(day), true});
  };
  take(0, 0, 10, 5);
  take(0, 1, 50, 1);
  take(0, 1, 120, 5);
  take(0, 0, 130, 5);
  take(0, 2, 200, 5);
  take(1, 3, 20, 5);
  t.holdings.push_back({1, 3, Day(60), false});
  take(1, 4, 99, 2);
  take(1, 3, 150, 5);
  take(2, 2, 30, 1);
  t.holdings.push_back({2, 0, Day(40), false});
  take(2, 0, 40, 5);
  take(3, 1, 250, 1);
  take(4, 4, 110, 5);
  return t;
}

SplitOptions CutoffOnDay100() {
  SplitOptions options;
  options.kind = SplitKind::kNbo;
  options.cutoff_unix_seconds = Day(100);
  options.num_items = 5;
  return options;
}

TEST(NboSplitTest, ParsesItsName) {
  ASSERT_THAT(ParseSplitKind("nbo"), IsOk());
  EXPECT_EQ(*ParseSplitKind("nbo"), SplitKind::kNbo);
}

TEST(NboSplitTest, CandidatesAreEverythingButTheHoldingsAtTheCutoff) {
  const Timeline t = MakeTimeline();
  ASSERT_OK_AND_ASSIGN(
      Split split, SplitForNbo(t.interactions, t.holdings, CutoffOnDay100()));
  EXPECT_EQ(split.num_users, 5);
  EXPECT_EQ(split.num_items, 5);
  ASSERT_EQ(split.excluded.size(), 5u);
  // Held: user 0's savings; user 1 closed the fund before the cutoff;
  // user 2's stray close is ignored, the open at the same instant counts.
  EXPECT_THAT(split.excluded[0], ElementsAre(0));
  EXPECT_THAT(split.excluded[1], IsEmpty());
  EXPECT_THAT(split.excluded[2], ElementsAre(0));
  EXPECT_THAT(split.excluded[3], IsEmpty());
  EXPECT_THAT(split.excluded[4], IsEmpty());
  // The viewed card and the applied-for loan stay candidates.
  const std::vector<std::vector<int32_t>> excluded = ExcludedItems(split);
  EXPECT_THAT(excluded[0], ElementsAre(0));
  EXPECT_THAT(excluded[1], IsEmpty());
}

TEST(NboSplitTest, PositivesAreOpensInTheWindowOfProductsNotHeld) {
  const Timeline t = MakeTimeline();
  ASSERT_OK_AND_ASSIGN(
      Split split, SplitForNbo(t.interactions, t.holdings, CutoffOnDay100()));
  EXPECT_EQ(split.cutoff_unix_seconds, Day(100));
  EXPECT_EQ(split.window_end_unix_seconds, Day(190));
  ASSERT_EQ(split.test.size(), 5u);
  // User 0: the viewed card is a positive; the second savings account is
  // not (held), nor the mortgage on day 200 (after the window).
  EXPECT_THAT(split.test[0], ElementsAre(1));
  // User 1: the fund, closed before the cutoff and opened again.
  EXPECT_THAT(split.test[1], ElementsAre(3));
  // User 2 takes nothing; user 3 arrives after the window.
  EXPECT_THAT(split.test[2], IsEmpty());
  EXPECT_THAT(split.test[3], IsEmpty());
  // User 4, a cold start, is still asked.
  EXPECT_THAT(split.test[4], ElementsAre(4));
}

TEST(NboSplitTest, TrainHoldsInteractionsBeforeTheCutoffOnly) {
  const Timeline t = MakeTimeline();
  ASSERT_OK_AND_ASSIGN(
      Split split, SplitForNbo(t.interactions, t.holdings, CutoffOnDay100()));
  std::vector<std::vector<int32_t>> by_user(split.num_users);
  for (const Interaction& x : split.train) {
    EXPECT_LT(x.unix_seconds, Day(100));
    by_user[x.user].push_back(x.item);
  }
  EXPECT_THAT(by_user[0], ElementsAre(0, 1));
  EXPECT_THAT(by_user[1], ElementsAre(3, 4));
  EXPECT_THAT(by_user[2], ElementsAre(2, 0));
  EXPECT_THAT(by_user[3], IsEmpty());
  EXPECT_THAT(by_user[4], IsEmpty());
}

// Customers without a positive are not ranked but their candidates still
// count for calibration; a customer first seen after the window does not.
TEST(NboSplitTest, PopulationIsEveryoneSeenBeforeTheWindowEnds) {
  const Timeline t = MakeTimeline();
  ASSERT_OK_AND_ASSIGN(
      Split split, SplitForNbo(t.interactions, t.holdings, CutoffOnDay100()));
  EXPECT_THAT(split.population, ElementsAre(1, 1, 1, 0, 1));
  EXPECT_THAT(CalibrationUsers(split), ElementsAre(1, 1, 1, 0, 1));
}

TEST(NboSplitTest, DefaultCutoffMakesTheWindowTheLastDaysOfTheData) {
  const Timeline t = MakeTimeline();
  SplitOptions options = CutoffOnDay100();
  options.cutoff_unix_seconds = 0;
  options.window_seconds = 30 * kDay;
  ASSERT_OK_AND_ASSIGN(Split split,
                       SplitForNbo(t.interactions, t.holdings, options));
  // The last event is on day 250: the window is (day 220, day 250].
  EXPECT_EQ(split.window_end_unix_seconds, Day(250) + 1);
  EXPECT_EQ(split.cutoff_unix_seconds, Day(250) + 1 - 30 * kDay);
  // Nobody opens anything then; user 0's mortgage (day 200) is now held.
  for (const std::vector<int32_t>& items : split.test) {
    EXPECT_THAT(items, IsEmpty());
  }
  EXPECT_THAT(split.excluded[0], ElementsAre(0, 1, 2));
  EXPECT_THAT(split.population, ElementsAre(1, 1, 1, 1, 1));
}

TEST(NboSplitTest, RejectsBadInputWithExactCodes) {
  const Timeline t = MakeTimeline();
  SplitOptions options = CutoffOnDay100();
  EXPECT_THAT(SplitForNbo({}, t.holdings, options),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options.window_seconds = 0;
  EXPECT_THAT(
      SplitForNbo(t.interactions, t.holdings, options),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("window")));
  options = CutoffOnDay100();
  std::vector<HoldingChange> bad = t.holdings;
  bad.push_back({-1, 0, Day(5), true});
  EXPECT_THAT(SplitForNbo(t.interactions, bad, options),
              StatusIs(absl::StatusCode::kInvalidArgument));
  bad.back() = {0, 5, Day(5), true};  // only 5 items
  EXPECT_THAT(
      SplitForNbo(t.interactions, bad, options),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("out of range")));
  bad.back() = {0, 1, 0, true};
  EXPECT_THAT(
      SplitForNbo(t.interactions, bad, options),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("timestamp")));
  options.cutoff_unix_seconds = Day(5);
  EXPECT_THAT(SplitForNbo(t.interactions, t.holdings, options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("no interaction before the cutoff")));
}

TEST(NboSplitTest, MakeSplitAsksForTheHoldings) {
  const Timeline t = MakeTimeline();
  EXPECT_THAT(
      MakeSplit(t.interactions, CutoffOnDay100()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("SplitForNbo")));
}

}  // namespace
}  // namespace nbo::eval
