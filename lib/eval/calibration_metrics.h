// Copyright (c) 2026 The nbo Authors. MIT License.
//
// How far a model's propensities are from being probabilities, on held-out
// outcomes: the Brier score, the expected calibration error over equal-mass
// bins, and the reliability table (predicted against observed, per bin).
//
//   NBO_ASSIGN_OR_RETURN(std::vector<PropensityOutcome> pairs,
//                        CollectPropensities(split, propensity_fn, {}));
//   NBO_ASSIGN_OR_RETURN(CalibrationMetrics metrics,
//                        MeasureCalibration(pairs, {}));

#ifndef NBO_LIB_EVAL_CALIBRATION_METRICS_H_
#define NBO_LIB_EVAL_CALIBRATION_METRICS_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/eval/split.h"

namespace nbo::eval {

// Writes, for `user`, the propensity the model would publish for every
// catalog item into `propensities` (size num_items): a probability in
// [0, 1]. Entries of items never ranked for the user are ignored. Called
// once per counted user, from one thread. Doubles, not floats: a float
// rounds 1 - 2e-11 to 1, and such over-confidence is what these metrics
// are for.
using PropensityFn =
    std::function<void(int32_t user, absl::Span<double> propensities)>;

// One (customer, candidate) pair: the published propensity and whether the
// customer took the product in the holdout.
struct PropensityOutcome {
  double propensity = 0;
  bool positive = false;
};

// One bin of the reliability table.
struct ReliabilityBin {
  int64_t count = 0;
  // Mean propensity of the bin's pairs.
  double predicted = 0;
  // Fraction of the bin's pairs that were taken.
  double observed = 0;
  // Smallest and largest propensity in the bin.
  double min_predicted = 0;
  double max_predicted = 0;
};

struct CalibrationMetrics {
  int64_t pairs = 0;
  int64_t positives = 0;
  // Mean of (propensity - outcome)^2 over the pairs; 0 is perfect, and
  // predicting the base rate r for every pair scores r(1 - r).
  double brier = 0;
  // Expected calibration error: sum over bins of
  // count/pairs * |predicted - observed|.
  double ece = 0;
  // The largest propensity of any pair: 1 - 2e-11 says the model claims a
  // certainty no holdout can support.
  double max_predicted = 0;
  // Ascending by propensity; at most num_bins, fewer when ties merge bins.
  std::vector<ReliabilityBin> bins;
};

struct CalibrationMetricsOptions {
  // Equal-mass bins of the reliability table and the ECE: with n pairs
  // sorted by propensity, bin b ends at index ceil((b + 1) * n / num_bins),
  // moved on past every pair with the same propensity as its last, so that
  // equal propensities always share a bin (a bin that ties leave empty is
  // dropped). Must be >= 1.
  // Default: 10.
  int32_t num_bins = 10;

  // CollectPropensities: pairs kept at most, taken evenly (every s-th pair
  // in user and item order, s the smallest stride that fits).
  // Default: 2,000,000 (32 MB).
  int64_t max_pairs = 2000000;
};

// The metrics of `pairs`. INVALID_ARGUMENT when `pairs` is empty, a
// propensity is NaN or outside [0, 1], or num_bins < 1.
absl::StatusOr<CalibrationMetrics> MeasureCalibration(
    std::vector<PropensityOutcome> pairs,
    const CalibrationMetricsOptions& options);

// Every (user, candidate) pair of `split` the calibration metrics count:
// the users of CalibrationUsers(split), each item not in
// ExcludedItems(split)[u], labelled positive when it is in test[u]; at most
// options.max_pairs of them (see there). INVALID_ARGUMENT when max_pairs < 1,
// the split's test or excluded lists are not sized num_users, or
// `propensity_fn` writes NaN or a value outside [0, 1].
absl::StatusOr<std::vector<PropensityOutcome>> CollectPropensities(
    const Split& split, const PropensityFn& propensity_fn,
    const CalibrationMetricsOptions& options);

}  // namespace nbo::eval

#endif  // NBO_LIB_EVAL_CALIBRATION_METRICS_H_
