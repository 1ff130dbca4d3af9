// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/calibration_sample.h"

#include <algorithm>
#include <cstddef>
#include <vector>

namespace nbo::eval {

std::vector<CalibrationSample> HoldoutCalibrationSamples(
    const Split& split, const ScoreFn& score_fn, size_t max_samples) {
  // The candidate pairs, as the calibration metrics count them.
  const std::vector<std::vector<int32_t>> excluded = ExcludedItems(split);
  const std::vector<char> users = CalibrationUsers(split);
  size_t pairs = 0;
  for (int32_t u = 0; u < split.num_users; ++u) {
    if (users[u]) pairs += split.num_items - excluded[u].size();
  }
  const size_t stride =
      std::max<size_t>(1, (pairs + max_samples - 1) / max_samples);
  std::vector<CalibrationSample> samples;
  std::vector<float> scores(split.num_items);
  size_t index = 0;
  for (int32_t u = 0; u < split.num_users; ++u) {
    if (!users[u]) continue;
    std::fill(scores.begin(), scores.end(), 0.0f);
    score_fn(u, absl::MakeSpan(scores));
    for (int32_t p = 0; p < split.num_items; ++p) {
      if (std::binary_search(excluded[u].begin(), excluded[u].end(), p) ||
          index++ % stride != 0) {
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
