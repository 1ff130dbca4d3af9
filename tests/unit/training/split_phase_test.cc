// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/training/split_phase.h"

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/data/bank_data.h"
#include "lib/eval/split.h"
#include "lib/testing/status_matchers.h"

namespace nbo::training {
namespace {

using ::nbo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int64_t kDay = 86400;
constexpr int64_t kStart = 1700000000;

// Two customers, three products; every event kind once:
//   customer 0: views 1 (day 1), opens 0 (2), declines 2 (3), closes 0 (4),
//               applies for 2 (5), opens 2 (200)
//   customer 1: purchases 1 (150), accepts 0 (160)
// What one customer did with one product on one day.
struct Row {
  int32_t customer;
  int32_t product;
  data::Event event;
  int day;
};

// Customers C0 and C1 and three products, with `rows` in order.
data::BankData TwoCustomersDoing(std::initializer_list<Row> rows) {
  data::BankData data;
  data.customer_ids = {"C0", "C1"};
  data.products.resize(3);
  const data::EventWeights w;
  for (const Row& r : rows) {
    data.interactions.push_back(
        {kStart + r.day * kDay, r.customer, r.product, w.Of(r.event), r.event});
  }
  return data;
}

data::BankData TwoCustomers() {
  return TwoCustomersDoing({{0, 1, data::Event::kView, 1},
                            {0, 0, data::Event::kOpen, 2},
                            {0, 2, data::Event::kDecline, 3},
                            {0, 0, data::Event::kClose, 4},
                            {0, 2, data::Event::kApply, 5},
                            {0, 2, data::Event::kOpen, 200},
                            {1, 1, data::Event::kPurchase, 150},
                            {1, 0, data::Event::kAccept, 160}});
}

TEST(SplitPhaseTest, SortsTransactionsIntoEventsAnswersAndHoldings) {
  const SplitInputs inputs = SplitInputsFromBankData(TwoCustomers());
  std::vector<int32_t> event_items;
  for (const eval::Interaction& x : inputs.events)
    event_items.push_back(x.item);
  // The close trains nothing; the answers are kept apart.
  EXPECT_THAT(event_items, ElementsAre(1, 0, 2, 2, 1));
  ASSERT_EQ(inputs.feedback.size(), 2u);
  EXPECT_LT(inputs.feedback[0].weight, 0);  // the decline
  EXPECT_GT(inputs.feedback[1].weight, 0);  // the accept
  // Opens, purchases and closes, in file order.
  ASSERT_EQ(inputs.holdings.size(), 4u);
  EXPECT_TRUE(inputs.holdings[0].opens);
  EXPECT_FALSE(inputs.holdings[1].opens);
  EXPECT_EQ(inputs.holdings[3].user, 1);
  EXPECT_EQ(inputs.min_time, kStart + kDay);
  EXPECT_EQ(inputs.max_time, kStart + 200 * kDay);
}

TEST(SplitPhaseTest, NboSplitUsesTheHoldings) {
  const SplitInputs inputs = SplitInputsFromBankData(TwoCustomers());
  eval::SplitOptions options;
  options.kind = eval::SplitKind::kNbo;
  options.num_users = 2;
  options.num_items = 3;
  options.cutoff_unix_seconds = kStart + 100 * kDay;
  ASSERT_OK_AND_ASSIGN(eval::Split split, SplitForEvaluation(inputs, options));
  // Customer 0 closed product 0 before the cutoff: nothing is held, and
  // the applied-for product 2 is not taken within 90 days (day 200).
  EXPECT_THAT(split.excluded[0], IsEmpty());
  EXPECT_THAT(split.test[0], IsEmpty());
  EXPECT_THAT(split.test[1], ElementsAre(1));
}

TEST(SplitPhaseTest, OtherSplitsIgnoreTheHoldings) {
  const SplitInputs inputs = SplitInputsFromBankData(TwoCustomers());
  eval::SplitOptions options;
  options.kind = eval::SplitKind::kTime;
  options.cutoff_unix_seconds = kStart + 100 * kDay;
  ASSERT_OK_AND_ASSIGN(eval::Split split, SplitForEvaluation(inputs, options));
  EXPECT_TRUE(split.excluded.empty());
  EXPECT_THAT(SplitForEvaluation(SplitInputs{}, options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SplitPhaseTest, AnswersFromTheHoldoutNeverTrainTheEvaluatedModel) {
  const SplitInputs inputs = SplitInputsFromBankData(TwoCustomers());
  eval::Split split;
  split.cutoff_unix_seconds = kStart + 100 * kDay;
  split.test = {{}, {0}};
  // By time: the accept on day 160 is after the cutoff.
  std::vector<eval::Interaction> kept =
      FeedbackBeforeHoldout(inputs.feedback, split, eval::SplitKind::kNbo);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].user, 0);
  // By pair: customer 1's product 0 is held out.
  kept =
      FeedbackBeforeHoldout(inputs.feedback, split, eval::SplitKind::kRandom);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].user, 0);
  split.test = {{}, {}};
  EXPECT_EQ(
      FeedbackBeforeHoldout(inputs.feedback, split, eval::SplitKind::kRandom)
          .size(),
      2u);
}

// Customer 0 views product 1 (day 1), opens it (day 50) and opens product
// 2 (day 150); customer 1 views product 0 (day 2) and opens it (day 60).
SplitInputs Timeline() {
  return SplitInputsFromBankData(
      TwoCustomersDoing({{0, 1, data::Event::kView, 1},
                         {1, 0, data::Event::kView, 2},
                         {0, 1, data::Event::kOpen, 50},
                         {1, 0, data::Event::kOpen, 60},
                         {0, 2, data::Event::kOpen, 150}}));
}

TEST(SplitPhaseTest, NboValidationSplitAsksTheSameQuestionOneWindowEarlier) {
  const SplitInputs inputs = Timeline();
  eval::SplitOptions options;
  options.kind = eval::SplitKind::kNbo;
  options.num_users = 2;
  options.num_items = 3;
  options.window_seconds = 90 * kDay;
  options.cutoff_unix_seconds = kStart + 120 * kDay;
  ASSERT_OK_AND_ASSIGN(eval::Split test, SplitForEvaluation(inputs, options));
  EXPECT_THAT(test.test[0], ElementsAre(2));
  EXPECT_THAT(test.excluded[0], ElementsAre(1));
  ASSERT_OK_AND_ASSIGN(eval::Split validation,
                       ValidationSplit(inputs, test, options));
  // Cutoff day 30, window [30, 120): the opens of days 50 and 60 are the
  // positives, nothing is held yet, and only the two views train.
  EXPECT_EQ(validation.cutoff_unix_seconds, kStart + 30 * kDay);
  EXPECT_EQ(validation.window_end_unix_seconds, kStart + 120 * kDay);
  EXPECT_THAT(validation.test[0], ElementsAre(1));
  EXPECT_THAT(validation.test[1], ElementsAre(0));
  EXPECT_THAT(validation.excluded[0], IsEmpty());
  EXPECT_EQ(validation.train.size(), 2u);
  for (const eval::Interaction& x : validation.train) {
    EXPECT_LT(x.unix_seconds, validation.cutoff_unix_seconds);
  }
}

TEST(SplitPhaseTest, NboValidationSplitNeedsTwoWindowsOfData) {
  const SplitInputs inputs = Timeline();
  eval::SplitOptions options;
  options.kind = eval::SplitKind::kNbo;
  options.num_users = 2;
  options.num_items = 3;
  options.window_seconds = 100 * kDay;
  options.cutoff_unix_seconds = kStart + 100 * kDay;
  ASSERT_OK_AND_ASSIGN(eval::Split test, SplitForEvaluation(inputs, options));
  // The validation cutoff would be day 0: no event before it.
  EXPECT_THAT(ValidationSplit(inputs, test, options),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(SplitPhaseTest, TimeValidationSplitHoldsOutTheEndOfTheTrainPart) {
  const SplitInputs inputs = Timeline();
  eval::SplitOptions options;
  options.kind = eval::SplitKind::kTime;
  options.num_users = 2;
  options.num_items = 3;
  options.cutoff_unix_seconds = kStart + 100 * kDay;
  ASSERT_OK_AND_ASSIGN(eval::Split test, SplitForEvaluation(inputs, options));
  ASSERT_EQ(test.train.size(), 4u);
  ASSERT_OK_AND_ASSIGN(eval::Split validation,
                       ValidationSplit(inputs, test, options));
  // A quantile of the four train events, never the test's cutoff.
  EXPECT_GT(validation.cutoff_unix_seconds, 0);
  EXPECT_LT(validation.cutoff_unix_seconds, test.cutoff_unix_seconds);
  EXPECT_LT(validation.train.size(), test.train.size());
}

}  // namespace
}  // namespace nbo::training
