// Copyright (c) 2026 The nbo Authors. MIT License.

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/eval/calibration_sample.h"
#include "lib/eval/isotonic_regression.h"
#include "lib/eval/platt_scaling.h"
#include "lib/testing/status_matchers.h"

namespace nbo::eval {
namespace {

using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;

// Uniform in [0, 1) from the fully specified mt19937_64 bits, so the data
// are the same on every standard library.
double Uniform(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

TEST(PlattScalingTest, RecoversKnownLogisticModel) {
  // 20000 scores uniform in [-3, 3], labels drawn from
  // p = 1 / (1 + exp(-(2 s - 0.5))). The maximum-likelihood standard errors
  // are about 0.03 for both a and b at this size (this seed gives
  // a = 2.012, b = -0.512), so the tolerance of 0.1 is over 3 standard
  // errors: it fails on a wrong fit, not on sampling noise.
  const double a = 2.0;
  const double b = -0.5;
  std::mt19937_64 rng(2026);
  std::vector<CalibrationSample> samples;
  for (int i = 0; i < 20000; ++i) {
    const double s = -3 + 6 * Uniform(rng);
    const double p = 1 / (1 + std::exp(-(a * s + b)));
    samples.push_back({s, Uniform(rng) < p});
  }
  ASSERT_OK_AND_ASSIGN(PlattScaling fit, PlattScaling::Fit(samples));
  EXPECT_NEAR(fit.a(), a, 0.1);
  EXPECT_NEAR(fit.b(), b, 0.1);
  EXPECT_LT(fit.iterations(), 30);
  EXPECT_NEAR(fit.Predict(0.25), 0.5, 0.03);  // a*0.25 + b = 0.
}

TEST(PlattScalingTest, PredictIsTheLogisticOfTheAffineScore) {
  PlattScaling p = PlattScaling::FromParameters(2, -1);
  EXPECT_DOUBLE_EQ(p.Predict(0.5), 0.5);
  EXPECT_NEAR(p.Predict(1.0), 1 / (1 + std::exp(-1.0)), 1e-15);
  EXPECT_NEAR(p.Predict(-1000), 0.0, 1e-300);  // No overflow.
  EXPECT_DOUBLE_EQ(p.Predict(1000), 1.0);
}

TEST(PlattScalingTest, RidgeKeepsSeparableDataFinite) {
  // Every positive outscores every negative: the unpenalized optimum is at
  // a = +inf. The ridge stops it at a finite, steep, correctly signed fit.
  std::vector<CalibrationSample> samples = {
      {-2, false}, {-1, false}, {1, true}, {2, true}};
  PlattOptions options;
  options.ridge = 1e-2;
  ASSERT_OK_AND_ASSIGN(PlattScaling fit, PlattScaling::Fit(samples, options));
  EXPECT_TRUE(std::isfinite(fit.a()));
  EXPECT_GT(fit.a(), 1);
  EXPECT_GT(fit.Predict(1), 0.9);
  EXPECT_LT(fit.Predict(-1), 0.1);
}

TEST(PlattScalingTest, RejectsEmptyOrSingleClassInput) {
  EXPECT_THAT(PlattScaling::Fit({}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<CalibrationSample> negatives = {{0.1, false}, {0.7, false}};
  EXPECT_THAT(
      PlattScaling::Fit(negatives),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("both classes")));
  std::vector<CalibrationSample> positives = {{0.1, true}};
  EXPECT_THAT(PlattScaling::Fit(positives),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<CalibrationSample> nan = {{NAN, true}, {0, false}};
  EXPECT_THAT(PlattScaling::Fit(nan),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(IsotonicRegressionTest, PoolsAdjacentViolatorsOnHandExample) {
  // Labels by score 1..6: 0 1 0 0 1 1.
  //   1:[0]  2:[1]  3: 1 > 0 -> pool {2,3} = 1/2
  //   4: 1/2 > 0 -> pool {2,3,4} = 1/3 (0 <= 1/3 ok)  5:[1]  6:[1]
  // Blocks: [1,1] 0, [2,4] 1/3, [5,5] 1, [6,6] 1.
  std::vector<CalibrationSample> samples = {{4, false}, {1, false}, {3, false},
                                            {6, true},  {2, true},  {5, true}};
  ASSERT_OK_AND_ASSIGN(IsotonicRegression iso,
                       IsotonicRegression::Fit(samples));
  ASSERT_EQ(iso.blocks().size(), 4u);
  EXPECT_EQ(iso.blocks()[1].min_score, 2);
  EXPECT_EQ(iso.blocks()[1].max_score, 4);
  EXPECT_DOUBLE_EQ(iso.blocks()[1].value, 1.0 / 3);
  EXPECT_EQ(iso.blocks()[1].weight, 3);
  EXPECT_DOUBLE_EQ(iso.Predict(0), 0);  // Below the data: first block.
  EXPECT_DOUBLE_EQ(iso.Predict(1), 0);
  EXPECT_DOUBLE_EQ(iso.Predict(1.5), 0);
  EXPECT_DOUBLE_EQ(iso.Predict(3), 1.0 / 3);
  EXPECT_DOUBLE_EQ(iso.Predict(4.9), 1.0 / 3);
  EXPECT_DOUBLE_EQ(iso.Predict(5), 1);
  EXPECT_DOUBLE_EQ(iso.Predict(100), 1);  // Above the data: last block.
}

TEST(IsotonicRegressionTest, PoolsTiedScores) {
  // Score 1 twice (labels 1, 0) -> 1/2; score 2 once (0) violates -> pool
  // all three = 1/3.
  std::vector<CalibrationSample> samples = {{1, true}, {1, false}, {2, false}};
  ASSERT_OK_AND_ASSIGN(IsotonicRegression iso,
                       IsotonicRegression::Fit(samples));
  ASSERT_EQ(iso.blocks().size(), 1u);
  EXPECT_DOUBLE_EQ(iso.Predict(1), 1.0 / 3);
  EXPECT_DOUBLE_EQ(iso.Predict(2), 1.0 / 3);
}

TEST(IsotonicRegressionTest, OutputIsMonotoneOnNoisyData) {
  std::mt19937_64 rng(7);
  std::vector<CalibrationSample> samples;
  for (int i = 0; i < 2000; ++i) {
    const double s = Uniform(rng);
    samples.push_back({s, Uniform(rng) < s * s});
  }
  ASSERT_OK_AND_ASSIGN(IsotonicRegression iso,
                       IsotonicRegression::Fit(samples));
  double previous = -1;
  for (double s = -0.1; s <= 1.1; s += 0.001) {
    const double p = iso.Predict(s);
    EXPECT_GE(p, previous) << "at " << s;
    EXPECT_GE(p, 0);
    EXPECT_LE(p, 1);
    previous = p;
  }
  for (size_t i = 1; i < iso.blocks().size(); ++i) {
    EXPECT_LE(iso.blocks()[i - 1].value, iso.blocks()[i].value);
  }
}

TEST(IsotonicRegressionTest, RejectsEmptyOrSingleClassInput) {
  EXPECT_THAT(IsotonicRegression::Fit({}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<CalibrationSample> positives = {{0.1, true}, {0.4, true}};
  EXPECT_THAT(
      IsotonicRegression::Fit(positives),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("both classes")));
}

// Under the NBO split the Platt fit's sample is every candidate pair the
// server may offer: user 0 viewed item 1 before the cutoff and took it
// after, and that pair is in it; item 0 (held at the cutoff) is not. User 1
// took nothing but was active, so its candidates are in it too, as
// negatives.
TEST(HoldoutCalibrationSamplesTest, UnderTheNboSplitSamplesEveryCandidate) {
  Split split;
  split.num_users = 2;
  split.num_items = 4;
  split.train = {{0, 0, 5, 1}, {0, 1, 1, 1}, {1, 2, 5, 1}};
  split.test = {{1}, {}};
  split.excluded = {{0}, {2}};
  split.population = {1, 1};
  auto score = [](int32_t user, absl::Span<float> s) {
    for (size_t i = 0; i < s.size(); ++i) s[i] = 10.0f * user + i;
  };
  std::vector<CalibrationSample> samples =
      HoldoutCalibrationSamples(split, score, 100);
  std::vector<std::pair<double, bool>> pairs;
  for (const CalibrationSample& s : samples) {
    pairs.emplace_back(s.score, s.positive);
  }
  EXPECT_THAT(pairs,
              ::testing::ElementsAre(std::pair<double, bool>{1, true},
                                     std::pair<double, bool>{2, false},
                                     std::pair<double, bool>{3, false},
                                     std::pair<double, bool>{10, false},
                                     std::pair<double, bool>{11, false},
                                     std::pair<double, bool>{13, false}));
  // Only the users the curve will be applied to.
  std::vector<CalibrationSample> scored =
      HoldoutCalibrationSamples(split, score, 100, {1, 0});
  ASSERT_EQ(scored.size(), 3u);
  EXPECT_EQ(scored[2].score, 3);
  EXPECT_TRUE(HoldoutCalibrationSamples(split, score, 0).empty());
}

// A sample of a quarter of the pairs, when every user has the same four
// candidates, still holds every item about equally: taking every 4th pair
// in order would hold only item 0.
TEST(HoldoutCalibrationSamplesTest, SamplesEveryItemPositionAlike) {
  Split split;
  split.num_users = 10000;
  split.num_items = 4;
  split.test.assign(split.num_users, {});
  split.excluded.assign(split.num_users, {});
  split.population.assign(split.num_users, 1);
  auto score = [](int32_t, absl::Span<float> s) {
    for (size_t i = 0; i < s.size(); ++i) s[i] = i;
  };
  std::vector<CalibrationSample> samples =
      HoldoutCalibrationSamples(split, score, 10000);
  std::vector<int> per_item(4);
  for (const CalibrationSample& s : samples) ++per_item[s.score];
  EXPECT_NEAR(static_cast<double>(samples.size()), 10000, 500);
  for (int count : per_item) EXPECT_NEAR(count, 2500, 250);
}

// Under a basket split the sample is the non-train items of the users with
// a test item.
TEST(HoldoutCalibrationSamplesTest, UnderBasketSplitsLeavesOutTrainItems) {
  Split split;
  split.num_users = 2;
  split.num_items = 3;
  split.train = {{0, 0, 5, 1}, {1, 2, 5, 1}};
  split.test = {{2}, {}};
  auto score = [](int32_t, absl::Span<float> s) {
    for (size_t i = 0; i < s.size(); ++i) s[i] = i;
  };
  std::vector<CalibrationSample> samples =
      HoldoutCalibrationSamples(split, score, 100);
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].score, 1);
  EXPECT_FALSE(samples[0].positive);
  EXPECT_EQ(samples[1].score, 2);
  EXPECT_TRUE(samples[1].positive);
}

TEST(PublishedPropensityTest, IsPlattOrTheClampedScoreWithoutCalibration) {
  EXPECT_DOUBLE_EQ(PublishedPropensity(0, 0, 1.7), 1.0);
  EXPECT_DOUBLE_EQ(PublishedPropensity(0, 0, -0.2), 0.0);
  EXPECT_DOUBLE_EQ(PublishedPropensity(0, 0, 0.3), 0.3);
  EXPECT_DOUBLE_EQ(PublishedPropensity(2, -1, 0.5), 0.5);
  EXPECT_NEAR(PublishedPropensity(25, 0, 1), 1 - 1.4e-11, 1e-12);
}

}  // namespace
}  // namespace nbo::eval
