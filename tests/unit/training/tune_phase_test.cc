// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/training/tune_phase.h"

#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/eval/split.h"
#include "lib/testing/status_matchers.h"
#include "lib/training/calibrate_phase.h"
#include "lib/training/train_phase.h"

namespace nbo::training {
namespace {

using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;

// Two taste groups and a crowd: customers 0-39 take products 0 and 1
// together, 40-79 products 2 and 3, 80-199 only product 4 (the most
// popular product, which neither group wants). Of each group, the first
// half has both products in train; the second half has the first product
// in train and the second held out. A model that learns the pairs ranks
// the held-out product first; popularity ranks product 4 first.
eval::Split TasteGroups() {
  eval::Split split;
  split.num_users = 200;
  split.num_items = 5;
  split.test.resize(200);
  auto add = [&](int32_t u, int32_t i) {
    split.train.push_back({u, i, 1.0f, 0});
  };
  for (int32_t group = 0; group < 2; ++group) {
    const int32_t first = 2 * group;
    for (int32_t k = 0; k < 40; ++k) {
      const int32_t u = 40 * group + k;
      add(u, first);
      if (k < 20) {
        add(u, first + 1);
      } else {
        split.test[u] = {first + 1};
      }
    }
  }
  for (int32_t u = 80; u < 200; ++u) add(u, 4);
  return split;
}

std::vector<float> Shares(const eval::Split& split) {
  std::vector<float> shares(split.num_items, 0);
  for (const eval::Interaction& x : split.train) shares[x.item] += 1;
  for (float& s : shares) s /= split.num_users;
  return shares;
}

ModelConfig Als(double regularization) {
  ModelConfig config;
  config.factors = 4;
  config.regularization = regularization;
  return config;
}

TuneOptions Options() {
  TuneOptions options;
  options.budget = absl::InfiniteDuration();
  options.train.threads = 1;
  return options;
}

TEST(TunePhaseTest, PicksTheSettingThatLearnsTheStructure) {
  const eval::Split split = TasteGroups();
  ASSERT_OK_AND_ASSIGN(als::InteractionMatrix matrix,
                       BuildInteractionMatrix(split.num_users, split.num_items,
                                              split.train, {}));
  // Regularization 1e6 shrinks every factor to about 0: all scores tie and
  // product order decides, which puts the held-out product second at best.
  const std::vector<ModelConfig> grid = {Als(1e6), Als(1), Als(1e6)};
  ASSERT_OK_AND_ASSIGN(TuneResult result,
                       Tune(split, matrix, Shares(split), grid, Options()));
  ASSERT_EQ(result.trials.size(), 3u);
  EXPECT_EQ(result.best, 1);
  EXPECT_NEAR(result.trials[1].metric, 1.0, 1e-9);
  EXPECT_LT(result.trials[0].metric, 0.6);
  // Popularity puts product 4 first: the held-out product is second or
  // third.
  EXPECT_LT(result.popularity_metric, 0.6);
  const std::string table = FormatTuningTable(result, "map@7");
  EXPECT_THAT(table, HasSubstr("implicit_als factors=4 regularization=1 "
                               "alpha=1"));
  EXPECT_THAT(table, HasSubstr("<- chosen"));
  EXPECT_THAT(TuningToJson(result, "map@7"), HasSubstr("\"best\":1"));
}

TEST(TunePhaseTest, TiesGoToTheEarliestConfiguration) {
  const eval::Split split = TasteGroups();
  ASSERT_OK_AND_ASSIGN(als::InteractionMatrix matrix,
                       BuildInteractionMatrix(split.num_users, split.num_items,
                                              split.train, {}));
  ASSERT_OK_AND_ASSIGN(TuneResult result, Tune(split, matrix, Shares(split),
                                               {Als(1), Als(1)}, Options()));
  EXPECT_EQ(result.trials[0].metric, result.trials[1].metric);
  EXPECT_EQ(result.best, 0);
}

TEST(TunePhaseTest, SkipsWhatDoesNotFitTheBudgetButRunsTheFirstOfEachKind) {
  const eval::Split split = TasteGroups();
  ASSERT_OK_AND_ASSIGN(als::InteractionMatrix matrix,
                       BuildInteractionMatrix(split.num_users, split.num_items,
                                              split.train, {}));
  TuneOptions options = Options();
  options.budget = absl::ZeroDuration();
  std::vector<std::string> seen;
  options.on_trial = [&seen](const TuneTrial& trial) {
    seen.push_back(trial.skipped ? "skipped" : "ran");
  };
  ASSERT_OK_AND_ASSIGN(TuneResult result, Tune(split, matrix, Shares(split),
                                               {Als(1), Als(10)}, options));
  EXPECT_EQ(seen, (std::vector<std::string>{"ran", "skipped"}));
  EXPECT_TRUE(result.trials[1].skipped);
  EXPECT_EQ(result.trials[1].error, "over budget");
  EXPECT_TRUE(std::isnan(result.trials[1].metric));
  EXPECT_EQ(result.best, 0);
}

TEST(TunePhaseTest, RejectsAnEmptyGridAnUnknownMetricAndStopsWhenCancelled) {
  const eval::Split split = TasteGroups();
  ASSERT_OK_AND_ASSIGN(als::InteractionMatrix matrix,
                       BuildInteractionMatrix(split.num_users, split.num_items,
                                              split.train, {}));
  EXPECT_THAT(Tune(split, matrix, Shares(split), {}, Options()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  TuneOptions options = Options();
  options.metric = "accuracy";
  EXPECT_THAT(Tune(split, matrix, Shares(split), {Als(1)}, options),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options = Options();
  options.train.cancelled = [] { return true; };
  EXPECT_THAT(Tune(split, matrix, Shares(split), {Als(1)}, options),
              StatusIs(absl::StatusCode::kCancelled));
}

TEST(TunePhaseTest, FailsWhenNoConfigurationTrains) {
  const eval::Split split = TasteGroups();
  ASSERT_OK_AND_ASSIGN(als::InteractionMatrix matrix,
                       BuildInteractionMatrix(split.num_users, split.num_items,
                                              split.train, {}));
  ModelConfig bad = Als(1);
  bad.factors = 0;
  EXPECT_THAT(Tune(split, matrix, Shares(split), {bad}, Options()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("no configuration")));
}

TEST(TunePhaseTest, DefaultGridTriesEaseOnlyForCatalogsItCanHold) {
  ModelConfig base;
  base.iterations = 7;
  const std::vector<ModelConfig> grid = DefaultGrid(base, 24);
  ASSERT_EQ(grid.size(), 25u);
  EXPECT_EQ(grid[0].kind, ModelKind::kEase);
  // ALS starts from nbo-trainer's own defaults and keeps the iterations.
  EXPECT_EQ(grid[7].Describe(),
            "implicit_als factors=8 regularization=10 "
            "alpha=1");
  std::set<std::string> distinct;
  for (const ModelConfig& config : grid) {
    EXPECT_EQ(config.iterations, 7);
    distinct.insert(config.Describe());
  }
  // Every combination once.
  EXPECT_EQ(distinct.size(), grid.size());
  const std::vector<ModelConfig> large =
      DefaultGrid(base, kMaxEaseProducts + 1);
  ASSERT_EQ(large.size(), 18u);
  for (const ModelConfig& config : large) {
    EXPECT_EQ(config.kind, ModelKind::kImplicitAls);
  }
}

// The Platt fallback on a model that learnt the taste groups: held-out
// products score high and are taken, so the curve rises with the score;
// with no held-out product at all there is nothing to fit, and it says so.
TEST(CalibratePhaseTest, FitsPlattOnTheHoldoutOrSaysWhyNot) {
  eval::Split split = TasteGroups();
  ASSERT_OK_AND_ASSIGN(als::InteractionMatrix matrix,
                       BuildInteractionMatrix(split.num_users, split.num_items,
                                              split.train, {}));
  ASSERT_OK_AND_ASSIGN(TrainedModel model,
                       TrainModel(matrix, Als(1), TrainOptions{}));
  const PlattFit fit = FitPlatt(split, matrix.by_user(), model);
  EXPECT_TRUE(fit.error.empty()) << fit.error;
  EXPECT_GT(fit.a, 0);
  EXPECT_GT(fit.samples, 0u);
  for (auto& items : split.test) items.clear();
  const PlattFit none = FitPlatt(split, matrix.by_user(), model);
  EXPECT_FALSE(none.error.empty());
  EXPECT_EQ(none.a, 0);
  EXPECT_EQ(none.b, 0);
}

TEST(TrainPhaseTest, ModelKindsByName) {
  ASSERT_OK_AND_ASSIGN(ModelKind kind, ParseModelKind("ease"));
  EXPECT_EQ(kind, ModelKind::kEase);
  EXPECT_STREQ(ModelKindName(ModelKind::kImplicitAls), "implicit_als");
  EXPECT_THAT(ParseModelKind("als"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("implicit_als or ease")));
  ModelConfig config;
  EXPECT_EQ(config.Rank(24), 8);
  config.kind = ModelKind::kEase;
  EXPECT_EQ(config.Rank(24), 24);
}

}  // namespace
}  // namespace nbo::training
