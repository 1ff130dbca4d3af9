// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/evaluator.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/eval/popularity.h"
#include "lib/eval/split.h"
#include "lib/testing/status_matchers.h"

namespace nbo::eval {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Four users, six items, a hand-written score table:
//
//   user  train   test       scores for items 0..5
//   0     {0}     {1,3}      9    0.5  0.9  0.4  0.1  -1
//   1     {2,3}   {0}        0.7  0.7  9    9    0.2  -1
//   2     {1}     {}         (not evaluated)
//   3     {}      {0,1,2,3}  0    1    2    3    4    -1
Split TinySplit() {
  Split split;
  split.num_users = 4;
  split.num_items = 6;
  split.train = {{0, 0, 1, 0}, {1, 2, 1, 0}, {1, 3, 1, 0}, {2, 1, 1, 0}};
  split.test = {{1, 3}, {0}, {}, {0, 1, 2, 3}};
  return split;
}

void TinyScores(int32_t user, absl::Span<float> s) {
  static const float kTable[4][6] = {{9, 0.5f, 0.9f, 0.4f, 0.1f, -1},
                                     {0.7f, 0.7f, 9, 9, 0.2f, -1},
                                     {0, 0, 0, 0, 0, 0},
                                     {0, 1, 2, 3, 4, -1}};
  for (int i = 0; i < 6; ++i) s[i] = kTable[user][i];
}

// With K = 3 (candidates exclude train items; ties by item index):
//   u0: ranking 2 1 3 4 5, top3 = 2 1 3, hits at ranks 2,3.
//       P = 2/3, R = 2/2, AP = (1/2 + 2/3) / min(3,2) = 7/12,
//       NDCG = (1/log2 3 + 1/log2 4) / (1 + 1/log2 3),
//       AUC: positives {1:.5, 3:.4} vs negatives {2:.9, 4:.1, 5:-1}:
//            each positive beats 2 of 3 -> 4/6.
//   u1: ranking 0 1 4 5 (0 and 1 tie at .7, 0 first), top3 = 0 1 4.
//       P = 1/3, R = 1, AP = 1 / min(3,1) = 1, NDCG = 1,
//       AUC: 0 vs {1: tie 1/2, 4: 1, 5: 1} -> 2.5/3 = 5/6.
//   u3: ranking 4 3 2 1 0 5, top3 = 4 3 2, hits at ranks 2,3.
//       P = 2/3, R = 2/4, AP = (1/2 + 2/3) / min(3,4) = 7/18,
//       NDCG = (1/log2 3 + 1/log2 4) / (1 + 1/log2 3 + 1/log2 4),
//       AUC: every positive loses to 4 and beats 5 -> 4/8.
//   Averages over 3 users: P = 5/9, R = 5/6, MAP = (21+36+14)/36/3 = 71/108,
//   AUC = (4/6 + 5/6 + 3/6) / 3 = 2/3.
//   Coverage: {2,1,3} u {0,1,4} u {4,3,2} = 5 of 6 items (5 never shown).
TEST(EvaluatorTest, ComputesEveryMetricOnHandExample) {
  EvaluationOptions options;
  options.k = 3;
  ASSERT_OK_AND_ASSIGN(EvaluationReport r,
                       Evaluate(TinySplit(), TinyScores, options));
  EXPECT_EQ(r.k, 3);
  EXPECT_EQ(r.num_users_evaluated, 3);
  EXPECT_EQ(r.num_users_auc, 3);
  EXPECT_EQ(r.num_items, 6);
  EXPECT_DOUBLE_EQ(r.precision_at_k, 5.0 / 9);
  EXPECT_DOUBLE_EQ(r.recall_at_k, 5.0 / 6);
  EXPECT_DOUBLE_EQ(r.map_at_k, 71.0 / 108);
  const double l3 = 1 / std::log2(3.0);
  const double ndcg0 = (l3 + 0.5) / (1 + l3);
  const double ndcg3 = (l3 + 0.5) / (1 + l3 + 0.5);
  EXPECT_NEAR(r.ndcg_at_k, (ndcg0 + 1 + ndcg3) / 3, 1e-12);
  EXPECT_NEAR(r.auc, 2.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(r.coverage_at_k, 5.0 / 6);
}

// With the default K = 7 every candidate is in the top K:
//   u0: 5 candidates, hits at ranks 2,3: P = 2/7, R = 1, AP = 7/12.
//   u1: 4 candidates, hit at rank 1: P = 1/7, R = 1, AP = 1.
//   u3: 6 candidates, hits at ranks 2..5: P = 4/7, R = 1,
//       AP = (1/2 + 2/3 + 3/4 + 4/5) / min(7,4) = (163/60) / 4 = 163/240.
//   P = (2+1+4)/7/3 = 1/3; MAP = (7/12 + 1 + 163/240)/3 = (140+240+163)/240/3
//   = 543/720; coverage = 6/6.
TEST(EvaluatorTest, DefaultKIsSevenAsInSantander) {
  EXPECT_EQ(EvaluationOptions().k, 7);
  ASSERT_OK_AND_ASSIGN(EvaluationReport r,
                       Evaluate(TinySplit(), TinyScores, {}));
  EXPECT_DOUBLE_EQ(r.precision_at_k, 1.0 / 3);
  EXPECT_DOUBLE_EQ(r.recall_at_k, 1.0);
  EXPECT_DOUBLE_EQ(r.map_at_k, 543.0 / 720);
  EXPECT_DOUBLE_EQ(r.coverage_at_k, 1.0);
}

TEST(EvaluatorTest, LooksUpMetricsByName) {
  EvaluationOptions options;
  options.k = 3;
  ASSERT_OK_AND_ASSIGN(EvaluationReport r,
                       Evaluate(TinySplit(), TinyScores, options));
  EXPECT_DOUBLE_EQ(*r.Metric("map@k"), r.map_at_k);
  EXPECT_DOUBLE_EQ(*r.Metric("MAP@3"), r.map_at_k);
  EXPECT_DOUBLE_EQ(*r.Metric("ndcg@k"), r.ndcg_at_k);
  EXPECT_DOUBLE_EQ(*r.Metric("auc"), r.auc);
  EXPECT_THAT(r.Metric("map@5"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("map@3")));
  EXPECT_THAT(r.Metric("rmse"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MetricNames(7), ElementsAre("precision@7", "recall@7", "map@7",
                                          "ndcg@7", "auc", "coverage@7"));
}

TEST(EvaluatorTest, RejectsBadOptionsAndData) {
  EvaluationOptions zero_k;
  zero_k.k = 0;
  EXPECT_THAT(Evaluate(TinySplit(), TinyScores, zero_k),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("K")));
  EvaluationOptions negative_k;
  negative_k.k = -3;
  EXPECT_THAT(Evaluate(TinySplit(), TinyScores, negative_k),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EvaluationOptions no_threads;
  no_threads.num_threads = 0;
  EXPECT_THAT(Evaluate(TinySplit(), TinyScores, no_threads),
              StatusIs(absl::StatusCode::kInvalidArgument));

  EXPECT_THAT(Evaluate(Split(), TinyScores, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  Split no_test = TinySplit();
  for (auto& items : no_test.test) items.clear();
  EXPECT_THAT(Evaluate(no_test, TinyScores, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("no user has a test item")));
  Split overlap = TinySplit();
  overlap.test[0].push_back(0);  // Also a train item of user 0.
  EXPECT_THAT(Evaluate(overlap, TinyScores, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  Split out_of_range = TinySplit();
  out_of_range.test[1] = {6};
  EXPECT_THAT(Evaluate(out_of_range, TinyScores, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));

  auto nan_scores = [](int32_t user, absl::Span<float> s) {
    TinyScores(user, s);
    if (user == 3) s[2] = std::numeric_limits<float>::quiet_NaN();
  };
  EXPECT_THAT(
      Evaluate(TinySplit(), nan_scores, {}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("user 3")));
}

// Popularity over TinySplit's train: item 0: 1 user, 1: 1, 2: 1, 3: 1,
// 4: 0, 5: 0. Repeats by one user count once.
TEST(EvaluatorTest, PopularityCountsDistinctTrainUsers) {
  Split split = TinySplit();
  split.train.push_back({0, 0, 5, 0});  // User 0 again: no extra count.
  ASSERT_OK_AND_ASSIGN(PopularityScorer pop, PopularityScorer::Create(split));
  EXPECT_THAT(pop.counts(), ElementsAre(1, 1, 1, 1, 0, 0));
  std::vector<float> scores(6, -1);
  pop.Score(0, absl::MakeSpan(scores));
  EXPECT_THAT(scores, ElementsAre(1, 1, 1, 1, 0, 0));
  EXPECT_THAT(PopularityScorer::Create(Split()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Popularity scores 1 1 1 1 0 0, K = 1, ties by item index:
//   u0 (train 0): top1 = item 1, a test item -> hit. P = 1, AP = 1/min(1,2).
//   u1 (train 2,3): top1 = item 0 -> hit.
//   u3 (no train): top1 = item 0 -> hit.
// All three hit: precision@1 = map@1 = 1; recall = (1/2 + 1 + 1/4) / 3.
TEST(EvaluatorTest, EvaluatesPopularityBaseline) {
  ASSERT_OK_AND_ASSIGN(PopularityScorer pop,
                       PopularityScorer::Create(TinySplit()));
  EvaluationOptions options;
  options.k = 1;
  ASSERT_OK_AND_ASSIGN(EvaluationReport r,
                       Evaluate(TinySplit(), pop.AsScoreFn(), options));
  EXPECT_DOUBLE_EQ(r.precision_at_k, 1.0);
  EXPECT_DOUBLE_EQ(r.map_at_k, 1.0);
  EXPECT_DOUBLE_EQ(r.recall_at_k, (0.5 + 1 + 0.25) / 3);
  EXPECT_DOUBLE_EQ(r.coverage_at_k, 2.0 / 6);  // Items 0 and 1.
}

TEST(EvaluatorTest, ThreadCountDoesNotChangeTheReport) {
  std::vector<Interaction> xs;
  for (int32_t u = 0; u < 301; ++u) {
    for (int32_t j = 0; j < 2 + u % 6; ++j) {
      xs.push_back({u, (u * 13 + j * 5) % 40, 1.0, 0});
    }
  }
  SplitOptions split_options;
  split_options.test_fraction = 0.4;
  ASSERT_OK_AND_ASSIGN(Split split, SplitRandom(xs, split_options));
  // A fixed pseudo-random score per (user, item).
  auto scores = [](int32_t user, absl::Span<float> s) {
    for (size_t i = 0; i < s.size(); ++i) {
      uint32_t h = static_cast<uint32_t>(user) * 2654435761u ^
                   static_cast<uint32_t>(i) * 40503u;
      s[i] = static_cast<float>((h >> 8) % 1000) / 1000.0f;
    }
  };
  EvaluationOptions one;
  EvaluationOptions two;
  two.num_threads = 2;
  EvaluationOptions many;
  many.num_threads = 7;
  ASSERT_OK_AND_ASSIGN(EvaluationReport a, Evaluate(split, scores, one));
  ASSERT_OK_AND_ASSIGN(EvaluationReport b, Evaluate(split, scores, two));
  ASSERT_OK_AND_ASSIGN(EvaluationReport c, Evaluate(split, scores, many));
  for (const EvaluationReport* r : {&b, &c}) {
    EXPECT_EQ(r->num_users_evaluated, a.num_users_evaluated);
    EXPECT_EQ(r->precision_at_k, a.precision_at_k);
    EXPECT_EQ(r->recall_at_k, a.recall_at_k);
    EXPECT_EQ(r->map_at_k, a.map_at_k);
    EXPECT_EQ(r->ndcg_at_k, a.ndcg_at_k);
    EXPECT_EQ(r->auc, a.auc);
    EXPECT_EQ(r->coverage_at_k, a.coverage_at_k);
  }
  EXPECT_GT(a.num_users_evaluated, 200);
}

// An NBO split (lib/eval/nbo_split.h) of two users and five items:
//   user  train items  excluded (held)  test   population
//   0     {0, 1}       {0}              {1}    1   (viewed item 1, took it)
//   1     {2}          {2}              {}     1   (took nothing)
Split ViewedThenTakenSplit() {
  Split split;
  split.num_users = 2;
  split.num_items = 5;
  split.train = {{0, 0, 5, 1}, {0, 1, 1, 1}, {1, 2, 5, 1}};
  split.test = {{1}, {}};
  split.excluded = {{0}, {2}};
  split.population = {1, 1};
  split.cutoff_unix_seconds = 10;
  split.window_end_unix_seconds = 20;
  return split;
}

// User 0's candidates are 1..4 (the held item 0 is out, whatever its
// score; the viewed item 1 is in). Scores 0.5 0.9 0.5 0.1 rank them
// 2 1 3 4 (1 and 3 tie, 1 first): the positive is second, so AP = 1/2,
// P@3 = 1/3, and against the negatives {2: loses, 3: tie, 4: wins} the
// AUC is (0 + 1/2 + 1) / 3 = 1/2.
TEST(EvaluatorTest, NboSplitRanksViewedProductsAndSkipsHoldings) {
  auto score = [](int32_t, absl::Span<float> s) {
    const float table[5] = {std::numeric_limits<float>::quiet_NaN(), 0.5f, 0.9f,
                            0.5f, 0.1f};
    for (int i = 0; i < 5; ++i) s[i] = table[i];
  };
  EvaluationOptions options;
  options.k = 3;
  ASSERT_OK_AND_ASSIGN(EvaluationReport r,
                       Evaluate(ViewedThenTakenSplit(), score, options));
  EXPECT_EQ(r.num_users_evaluated, 1);
  EXPECT_DOUBLE_EQ(r.map_at_k, 0.5);
  EXPECT_DOUBLE_EQ(r.precision_at_k, 1.0 / 3);
  EXPECT_DOUBLE_EQ(r.recall_at_k, 1);
  EXPECT_DOUBLE_EQ(r.auc, 0.5);
  EXPECT_EQ(r.num_users_auc, 1);
  // Top 3 of user 0: items 2, 1, 3.
  EXPECT_DOUBLE_EQ(r.coverage_at_k, 3.0 / 5);
}

TEST(EvaluatorTest, NboSplitRejectsATestItemTheUserHolds) {
  Split split = ViewedThenTakenSplit();
  split.test[1] = {2};
  auto zero = [](int32_t, absl::Span<float>) {};
  EXPECT_THAT(Evaluate(split, zero, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("in excluded and test")));
  split = ViewedThenTakenSplit();
  split.excluded.pop_back();
  EXPECT_THAT(Evaluate(split, zero, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("excluded has 1 users")));
}

// The baseline and a model go through the same split: the same users are
// ranked and the same (customer, candidate) pairs are scored for
// calibration, positives included; only the propensities differ.
TEST(EvaluatorTest, PopularityAndAModelAreJudgedOnTheSameCandidates) {
  const Split split = ViewedThenTakenSplit();
  ASSERT_OK_AND_ASSIGN(PopularityScorer popularity,
                       PopularityScorer::Create(split));
  auto model_score = [](int32_t, absl::Span<float> s) {
    for (size_t i = 0; i < s.size(); ++i) s[i] = i == 1 ? 1.0f : 0.0f;
  };
  auto model_propensity = [](int32_t, absl::Span<double> p) {
    for (size_t i = 0; i < p.size(); ++i) p[i] = i == 1 ? 0.9 : 0.1;
  };
  EvaluationOptions options;
  options.k = 3;
  ASSERT_OK_AND_ASSIGN(
      EvaluationReport model,
      EvaluateWithCalibration(split, model_score, model_propensity, options));
  ASSERT_OK_AND_ASSIGN(
      EvaluationReport baseline,
      EvaluateWithCalibration(split, popularity.AsScoreFn(),
                              popularity.AsPropensityFn(), options));
  EXPECT_EQ(model.num_users_evaluated, baseline.num_users_evaluated);
  EXPECT_EQ(model.num_users_auc, baseline.num_users_auc);
  ASSERT_TRUE(model.calibration.has_value());
  ASSERT_TRUE(baseline.calibration.has_value());
  // User 0: items 1..4; user 1: items 0, 1, 3, 4. One positive.
  EXPECT_EQ(model.calibration->pairs, 8);
  EXPECT_EQ(baseline.calibration->pairs, 8);
  EXPECT_EQ(model.calibration->positives, 1);
  EXPECT_EQ(baseline.calibration->positives, 1);
  EXPECT_DOUBLE_EQ(model.map_at_k, 1);
  // The model says 0.9 for item 1 twice (taken once) and 0.1 for the
  // six others (never taken): Brier = (0.01 + 0.81 + 6 * 0.01) / 8.
  EXPECT_NEAR(model.calibration->brier, 0.88 / 8, 1e-12);
  // Popularity's propensity is each item's share of the users: items 0, 1
  // and 2 are held by one of two users, items 3 and 4 by none.
  EXPECT_DOUBLE_EQ(baseline.calibration->max_predicted, 0.5);
}

}  // namespace
}  // namespace nbo::eval
