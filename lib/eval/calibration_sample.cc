// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/calibration_sample.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "lib/eval/pair_sampler.h"

namespace nbo::eval {
namespace {

// Which pairs the fit samples when there are more than max_samples: others
// than the calibration metrics' (calibration_metrics.cc).
constexpr uint64_t kFitSeed = 0x706C617474;  // "platt"

}  // namespace

std::vector<CalibrationSample> HoldoutCalibrationSamples(
    const Split& split, const ScoreFn& score_fn, size_t max_samples,
    const std::vector<char>& scored_users) {
  if (max_samples == 0) return {};
  // The candidate pairs, as the calibration metrics count them.
  const std::vector<std::vector<int32_t>> excluded = ExcludedItems(split);
  std::vector<char> users = CalibrationUsers(split);
  for (size_t u = 0; u < users.size(); ++u) {
    if (!scored_users.empty() && !scored_users[u]) users[u] = 0;
  }
  size_t pairs = 0;
  for (int32_t u = 0; u < split.num_users; ++u) {
    if (users[u]) pairs += split.num_items - excluded[u].size();
  }
  const PairSampler sampler(pairs, max_samples, kFitSeed);
  std::vector<CalibrationSample> samples;
  std::vector<float> scores(split.num_items);
  for (int32_t u = 0; u < split.num_users; ++u) {
    if (!users[u]) continue;
    std::fill(scores.begin(), scores.end(), 0.0f);
    score_fn(u, absl::MakeSpan(scores));
    for (int32_t p = 0; p < split.num_items; ++p) {
      if (std::binary_search(excluded[u].begin(), excluded[u].end(), p) ||
          !sampler.Keep(u, p)) {
        continue;
      }
      const bool took =
          std::binary_search(split.test[u].begin(), split.test[u].end(), p);
      samples.push_back({scores[p], took});
    }
  }
  return samples;
}

}  // namespace nbo::eval
