// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/training/evaluate_phase.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/eval/popularity.h"
#include "lib/eval/split.h"
#include "lib/testing/status_matchers.h"

namespace nbo::training {
namespace {

using ::nbo::testing::StatusIs;

// Customer 0 has a vector and scores 0.2 0.9 0.4; customer 1 has none.
PublishedScoring Version(double a, double b) {
  PublishedScoring scoring;
  scoring.personalized = [](int32_t user) { return user == 0; };
  scoring.personal = [](int32_t, absl::Span<float> s) {
    s[0] = 0.2f;
    s[1] = 0.9f;
    s[2] = 0.4f;
  };
  scoring.popularity = {0.5f, 0.25f, 0.125f};
  scoring.calibration_a = a;
  scoring.calibration_b = b;
  return scoring;
}

TEST(EvaluatePhaseTest, ServesPopularityToCustomersWithoutAVector) {
  const PublishedScoring scoring = Version(0, 0);
  const Contender contender = AsContender(scoring);
  std::vector<float> scores(3);
  contender.score(1, absl::MakeSpan(scores));
  EXPECT_THAT(scores, ::testing::ElementsAre(0.5f, 0.25f, 0.125f));
  contender.score(0, absl::MakeSpan(scores));
  EXPECT_THAT(scores, ::testing::ElementsAre(0.2f, 0.9f, 0.4f));
  // No calibration: the score itself, clamped, as the server does.
  std::vector<double> p(3);
  contender.propensity(1, absl::MakeSpan(p));
  EXPECT_DOUBLE_EQ(p[0], 0.5);
}

TEST(EvaluatePhaseTest, PropensityIsThePlattCurveTheServerApplies) {
  const PublishedScoring scoring = Version(30, -5);
  const Contender contender = AsContender(scoring);
  std::vector<double> p(3);
  contender.propensity(0, absl::MakeSpan(p));
  EXPECT_NEAR(p[1], 1 / (1 + std::exp(-(30.0 * double{0.9f} - 5.0))), 1e-12);
  // An over-confident curve reaches 1 - 3e-10: not rounded away.
  EXPECT_LT(p[1], 1.0);
  EXPECT_GT(p[1], 1 - 1e-9);
  // The popularity-served customer goes through the same curve.
  contender.propensity(1, absl::MakeSpan(p));
  EXPECT_NEAR(p[0], 1 / (1 + std::exp(-(30.0 * 0.5 - 5.0))), 1e-12);
}

// Two customers, three items: customer 0 holds item 0 and takes item 1;
// customer 1 holds nothing and takes nothing.
eval::Split TinyNboSplit() {
  eval::Split split;
  split.num_users = 2;
  split.num_items = 3;
  split.train = {{0, 0, 5, 1}, {1, 2, 1, 1}};
  split.test = {{1}, {}};
  split.excluded = {{0}, {}};
  split.population = {1, 1};
  return split;
}

TEST(EvaluatePhaseTest, EveryContenderAnswersForTheSameCandidatesAndPositives) {
  const eval::Split split = TinyNboSplit();
  ASSERT_OK_AND_ASSIGN(eval::PopularityScorer popularity,
                       eval::PopularityScorer::Create(split));
  const PublishedScoring model = Version(4, -2);
  const PublishedScoring serving = Version(0, 0);
  const Contender serving_contender = AsContender(serving);
  ASSERT_OK_AND_ASSIGN(Evaluation evaluation,
                       EvaluateContenders(split, AsContender(model),
                                          PopularityContender(popularity),
                                          &serving_contender, {}));
  ASSERT_TRUE(evaluation.serving.has_value());
  for (const eval::EvaluationReport* r :
       {&evaluation.model, &evaluation.popularity, &*evaluation.serving}) {
    EXPECT_EQ(r->num_users_evaluated, 1);
    ASSERT_TRUE(r->calibration.has_value());
    // Customer 0: items 1 and 2; customer 1: items 0, 1 and 2.
    EXPECT_EQ(r->calibration->pairs, 5);
    EXPECT_EQ(r->calibration->positives, 1);
  }
  // The model and serving rank item 1 first for customer 0.
  EXPECT_DOUBLE_EQ(evaluation.model.map_at_k, 1);
  EXPECT_DOUBLE_EQ(evaluation.serving->map_at_k, 1);
  // Popularity: items 0 and 2 have one user each, item 1 none: item 2
  // first, so the positive is second.
  EXPECT_DOUBLE_EQ(evaluation.popularity.map_at_k, 0.5);
  // Different propensities, different Brier scores.
  EXPECT_NE(evaluation.model.calibration->brier,
            evaluation.serving->calibration->brier);

  ASSERT_OK_AND_ASSIGN(
      Evaluation without,
      EvaluateContenders(split, AsContender(model),
                         PopularityContender(popularity), nullptr, {}));
  EXPECT_FALSE(without.serving.has_value());
}

TEST(EvaluatePhaseTest, ReportsTheFirstContendersError) {
  eval::Split split = TinyNboSplit();
  split.test = {{}, {}};
  ASSERT_OK_AND_ASSIGN(eval::PopularityScorer popularity,
                       eval::PopularityScorer::Create(split));
  const PublishedScoring model = Version(0, 0);
  EXPECT_THAT(EvaluateContenders(split, AsContender(model),
                                 PopularityContender(popularity), nullptr, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace nbo::training
