// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/calibration_metrics.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/eval/split.h"
#include "lib/testing/status_matchers.h"

namespace nbo::eval {
namespace {

using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;

std::vector<PropensityOutcome> Pairs(const std::vector<double>& p,
                                     const std::vector<int>& y) {
  std::vector<PropensityOutcome> out;
  for (size_t i = 0; i < p.size(); ++i) out.push_back({p[i], y[i] != 0});
  return out;
}

// Six pairs in three equal-mass bins of two:
//   0.1 0.1 | 0.2 0.2 | 0.8 0.9      taken: 0 0 | 0 1 | 1 1
// Brier = (.01 + .01 + .04 + .64 + .04 + .01) / 6 = .125;
// ECE = 2/6 (|.1 - 0| + |.2 - .5| + |.85 - 1|) = .55 / 3.
TEST(CalibrationMetricsTest, ComputesBrierEceAndBinsOnAKnownCase) {
  CalibrationMetricsOptions options;
  options.num_bins = 3;
  // Out of order on purpose: bins are by propensity, not input order.
  ASSERT_OK_AND_ASSIGN(
      CalibrationMetrics m,
      MeasureCalibration(
          Pairs({0.9, 0.2, 0.1, 0.8, 0.2, 0.1}, {1, 1, 0, 1, 0, 0}), options));
  EXPECT_EQ(m.pairs, 6);
  EXPECT_EQ(m.positives, 3);
  EXPECT_NEAR(m.brier, 0.125, 1e-12);
  EXPECT_NEAR(m.ece, 0.55 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(m.max_predicted, 0.9);
  ASSERT_EQ(m.bins.size(), 3u);
  EXPECT_EQ(m.bins[0].count, 2);
  EXPECT_NEAR(m.bins[0].predicted, 0.1, 1e-12);
  EXPECT_DOUBLE_EQ(m.bins[0].observed, 0);
  EXPECT_NEAR(m.bins[1].predicted, 0.2, 1e-12);
  EXPECT_DOUBLE_EQ(m.bins[1].observed, 0.5);
  EXPECT_NEAR(m.bins[2].predicted, 0.85, 1e-12);
  EXPECT_DOUBLE_EQ(m.bins[2].observed, 1);
  EXPECT_DOUBLE_EQ(m.bins[2].min_predicted, 0.8);
  EXPECT_DOUBLE_EQ(m.bins[2].max_predicted, 0.9);
}

// 0.1 0.3 | 0.3 0.3 | 0.5 0.7: the first boundary would split the 0.3s, so
// it moves past them, and the second bin, left empty, is dropped.
TEST(CalibrationMetricsTest, TiesNeverStraddleABinBoundary) {
  CalibrationMetricsOptions options;
  options.num_bins = 3;
  ASSERT_OK_AND_ASSIGN(
      CalibrationMetrics m,
      MeasureCalibration(
          Pairs({0.3, 0.1, 0.7, 0.3, 0.5, 0.3}, {0, 0, 1, 1, 0, 0}), options));
  ASSERT_EQ(m.bins.size(), 2u);
  EXPECT_EQ(m.bins[0].count, 4);
  EXPECT_DOUBLE_EQ(m.bins[0].max_predicted, 0.3);
  EXPECT_NEAR(m.bins[0].predicted, 1.0 / 4, 1e-12);
  EXPECT_DOUBLE_EQ(m.bins[0].observed, 0.25);
  EXPECT_EQ(m.bins[1].count, 2);
  EXPECT_DOUBLE_EQ(m.bins[1].observed, 0.5);
  EXPECT_NEAR(m.ece, 4.0 / 6 * 0 + 2.0 / 6 * std::abs(0.6 - 0.5), 1e-12);

  // All equal: one bin, whatever num_bins says.
  options.num_bins = 10;
  ASSERT_OK_AND_ASSIGN(
      CalibrationMetrics same,
      MeasureCalibration(Pairs({0.4, 0.4, 0.4}, {0, 1, 0}), options));
  EXPECT_EQ(same.bins.size(), 1u);
}

// Predicting the base rate r for every pair is perfectly calibrated: ECE 0
// and Brier r(1 - r).
TEST(CalibrationMetricsTest, TheBaseRateIsCalibratedWithBrierROneMinusR) {
  std::vector<PropensityOutcome> pairs(10, {0.2, false});
  pairs[3].positive = pairs[7].positive = true;
  ASSERT_OK_AND_ASSIGN(CalibrationMetrics m, MeasureCalibration(pairs, {}));
  EXPECT_NEAR(m.ece, 0, 1e-12);
  EXPECT_NEAR(m.brier, 0.16, 1e-12);
}

// Over-confidence is what the metrics are for: 1 - 2e-11 must survive.
TEST(CalibrationMetricsTest, KeepsPropensitiesJustBelowOne) {
  ASSERT_OK_AND_ASSIGN(
      CalibrationMetrics m,
      MeasureCalibration(Pairs({0.99999999998, 0.1}, {0, 0}), {}));
  EXPECT_LT(m.max_predicted, 1.0);
  EXPECT_GT(m.max_predicted, 0.9999999999);
  EXPECT_GT(m.ece, 0.5);
}

TEST(CalibrationMetricsTest, RejectsBadInputWithInvalidArgument) {
  EXPECT_THAT(
      MeasureCalibration({}, {}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no pairs")));
  EXPECT_THAT(MeasureCalibration(Pairs({1.5}, {1}), {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1.5")));
  EXPECT_THAT(MeasureCalibration(
                  Pairs({std::numeric_limits<double>::quiet_NaN()}, {1}), {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  CalibrationMetricsOptions options;
  options.num_bins = 0;
  EXPECT_THAT(
      MeasureCalibration(Pairs({0.5}, {1}), options),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("num_bins")));
}

// Three users, four items; user 2 has no positive but is in the
// population, user 1 is not:
//   user  excluded  test   population
//   0     {0}       {1}    1
//   1     {}        {}     0
//   2     {2, 3}    {}     1
Split SmallNboSplit() {
  Split split;
  split.num_users = 3;
  split.num_items = 4;
  split.train = {{0, 0, 5, 1}, {0, 1, 1, 1}, {2, 2, 5, 1}};
  split.test = {{1}, {}, {}};
  split.excluded = {{0}, {}, {2, 3}};
  split.population = {1, 0, 1};
  return split;
}

// Propensity 0.1 * (item + 1) + 0.01 * user.
void Linear(int32_t user, absl::Span<double> p) {
  for (size_t i = 0; i < p.size(); ++i) p[i] = 0.1 * (i + 1) + 0.01 * user;
}

TEST(CalibrationMetricsTest, CollectsEveryCandidateOfThePopulation) {
  ASSERT_OK_AND_ASSIGN(std::vector<PropensityOutcome> pairs,
                       CollectPropensities(SmallNboSplit(), Linear, {}));
  // User 0: items 1, 2, 3 (item 1 taken); user 2: items 0, 1.
  ASSERT_EQ(pairs.size(), 5u);
  EXPECT_DOUBLE_EQ(pairs[0].propensity, 0.2);
  EXPECT_TRUE(pairs[0].positive);
  EXPECT_FALSE(pairs[1].positive);
  EXPECT_FALSE(pairs[2].positive);
  EXPECT_DOUBLE_EQ(pairs[3].propensity, 0.12);
  EXPECT_DOUBLE_EQ(pairs[4].propensity, 0.22);
  EXPECT_FALSE(pairs[4].positive);

  // Fewer allowed: a subset, in the same order.
  CalibrationMetricsOptions options;
  options.max_pairs = 2;
  ASSERT_OK_AND_ASSIGN(std::vector<PropensityOutcome> some,
                       CollectPropensities(SmallNboSplit(), Linear, options));
  ASSERT_LT(some.size(), pairs.size());
  size_t next = 0;
  for (const PropensityOutcome& s : some) {
    while (next < pairs.size() && pairs[next].propensity != s.propensity) {
      ++next;
    }
    ASSERT_LT(next, pairs.size()) << "not a pair of the full list, in order";
    ++next;
  }
}

TEST(CalibrationMetricsTest, CollectRefusesPropensitiesOutsideZeroOne) {
  auto too_big = [](int32_t, absl::Span<double> p) {
    for (double& v : p) v = 2;
  };
  EXPECT_THAT(
      CollectPropensities(SmallNboSplit(), too_big, {}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("user 0")));
  CalibrationMetricsOptions options;
  options.max_pairs = 0;
  EXPECT_THAT(CollectPropensities(SmallNboSplit(), Linear, options),
              StatusIs(absl::StatusCode::kInvalidArgument));
  Split bad = SmallNboSplit();
  bad.population.pop_back();
  EXPECT_THAT(CollectPropensities(bad, Linear, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace nbo::eval
