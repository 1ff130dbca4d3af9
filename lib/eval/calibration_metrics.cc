// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/calibration_metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/eval/pair_sampler.h"

namespace nbo::eval {
namespace {

// Which pairs the metrics keep when there are more than max_pairs: others
// than the Platt fit's (calibration_sample.cc), so that the curve is
// measured on pairs it was not fitted to.
constexpr uint64_t kMetricsSeed = 0x6D657472696373;  // "metrics"

bool IsProbability(double p) { return p >= 0 && p <= 1; }  // false for NaN

// The bin of pairs [begin, end), sorted by propensity.
ReliabilityBin MakeBin(const std::vector<PropensityOutcome>& pairs,
                       size_t begin, size_t end) {
  ReliabilityBin bin;
  bin.count = static_cast<int64_t>(end - begin);
  bin.min_predicted = pairs[begin].propensity;
  bin.max_predicted = pairs[end - 1].propensity;
  double taken = 0;
  for (size_t i = begin; i < end; ++i) {
    bin.predicted += pairs[i].propensity;
    taken += pairs[i].positive ? 1 : 0;
  }
  bin.predicted /= static_cast<double>(bin.count);
  bin.observed = taken / static_cast<double>(bin.count);
  return bin;
}

}  // namespace

absl::StatusOr<CalibrationMetrics> MeasureCalibration(
    std::vector<PropensityOutcome> pairs,
    const CalibrationMetricsOptions& options) {
  if (options.num_bins < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "calibration metrics: num_bins must be >= 1, got ", options.num_bins));
  }
  if (pairs.empty()) {
    return absl::InvalidArgumentError("calibration metrics: no pairs");
  }
  CalibrationMetrics metrics;
  metrics.pairs = static_cast<int64_t>(pairs.size());
  for (const PropensityOutcome& pair : pairs) {
    if (!IsProbability(pair.propensity)) {
      return absl::InvalidArgumentError(
          absl::StrCat("calibration metrics: propensity ", pair.propensity,
                       " is not in [0, 1]"));
    }
    const double error = pair.propensity - (pair.positive ? 1.0 : 0.0);
    metrics.brier += error * error;
    metrics.positives += pair.positive ? 1 : 0;
  }
  metrics.brier /= static_cast<double>(metrics.pairs);

  std::sort(pairs.begin(), pairs.end(),
            [](const PropensityOutcome& a, const PropensityOutcome& b) {
              return a.propensity < b.propensity;
            });
  metrics.max_predicted = pairs.back().propensity;
  const size_t n = pairs.size();
  const size_t bins = static_cast<size_t>(options.num_bins);
  size_t begin = 0;
  for (size_t b = 0; b < bins && begin < n; ++b) {
    size_t end = std::max(begin, ((b + 1) * n + bins - 1) / bins);
    if (end == begin) continue;
    while (end < n && pairs[end].propensity == pairs[end - 1].propensity) {
      ++end;
    }
    metrics.bins.push_back(MakeBin(pairs, begin, end));
    begin = end;
  }
  for (const ReliabilityBin& bin : metrics.bins) {
    metrics.ece += static_cast<double>(bin.count) /
                   static_cast<double>(metrics.pairs) *
                   std::abs(bin.predicted - bin.observed);
  }
  return metrics;
}

absl::StatusOr<std::vector<PropensityOutcome>> CollectPropensities(
    const Split& split, const PropensityFn& propensity_fn,
    const CalibrationMetricsOptions& options) {
  if (options.max_pairs < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("calibration metrics: max_pairs must be >= 1, got ",
                     options.max_pairs));
  }
  const size_t num_users = static_cast<size_t>(split.num_users);
  if (split.test.size() != num_users ||
      (!split.excluded.empty() && split.excluded.size() != num_users) ||
      (!split.population.empty() && split.population.size() != num_users)) {
    return absl::InvalidArgumentError(
        "calibration metrics: split lists are not sized num_users");
  }
  const std::vector<std::vector<int32_t>> excluded = ExcludedItems(split);
  const std::vector<char> users = CalibrationUsers(split);
  size_t total = 0;
  for (size_t u = 0; u < num_users; ++u) {
    if (users[u]) total += split.num_items - excluded[u].size();
  }
  const size_t max_pairs = static_cast<size_t>(options.max_pairs);
  const PairSampler sampler(total, max_pairs, kMetricsSeed);

  std::vector<PropensityOutcome> pairs;
  pairs.reserve(std::min(total, max_pairs));
  std::vector<double> propensities(split.num_items);
  for (int32_t u = 0; u < split.num_users; ++u) {
    if (!users[u]) continue;
    std::fill(propensities.begin(), propensities.end(), 0.0);
    propensity_fn(u, absl::MakeSpan(propensities));
    const std::vector<int32_t>& skip = excluded[u];
    const std::vector<int32_t>& taken = split.test[u];
    for (int32_t p = 0; p < split.num_items; ++p) {
      if (std::binary_search(skip.begin(), skip.end(), p)) continue;
      if (!sampler.Keep(u, p)) continue;
      if (!IsProbability(propensities[p])) {
        return absl::InvalidArgumentError(
            absl::StrCat("calibration metrics: propensity ", propensities[p],
                         " for user ", u, ", item ", p, " is not in [0, 1]"));
      }
      pairs.push_back(
          {propensities[p], std::binary_search(taken.begin(), taken.end(), p)});
    }
  }
  return pairs;
}

}  // namespace nbo::eval
