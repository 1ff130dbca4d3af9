// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/isotonic_regression.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace nbo::eval {

absl::StatusOr<IsotonicRegression> IsotonicRegression::Fit(
    absl::Span<const CalibrationSample> samples) {
  if (samples.empty()) {
    return absl::InvalidArgumentError("isotonic: no samples");
  }
  size_t positives = 0;
  for (const CalibrationSample& s : samples) {
    if (!std::isfinite(s.score)) {
      return absl::InvalidArgumentError("isotonic: non-finite score");
    }
    if (s.positive) ++positives;
  }
  if (positives == 0 || positives == samples.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("isotonic: need both classes, got ", positives,
                     " positives of ", samples.size(), " samples"));
  }
  std::vector<std::pair<double, double>> points;  // (score, label)
  points.reserve(samples.size());
  for (const CalibrationSample& s : samples) {
    points.emplace_back(s.score, s.positive ? 1.0 : 0.0);
  }
  std::sort(points.begin(), points.end());

  // Equal scores must get one value, so they start pooled.
  std::vector<Block> blocks;
  for (const auto& [score, label] : points) {
    if (!blocks.empty() && blocks.back().max_score == score) {
      Block& last = blocks.back();
      last.value = (last.value * last.weight + label) / (last.weight + 1);
      last.weight += 1;
    } else {
      blocks.push_back({score, score, label, 1});
    }
    // Pool adjacent violators: merge backwards while order is broken.
    while (blocks.size() >= 2 &&
           blocks[blocks.size() - 2].value > blocks.back().value) {
      Block last = blocks.back();
      blocks.pop_back();
      Block& prev = blocks.back();
      prev.value = (prev.value * prev.weight + last.value * last.weight) /
                   (prev.weight + last.weight);
      prev.weight += last.weight;
      prev.max_score = last.max_score;
    }
  }
  return IsotonicRegression(std::move(blocks));
}

double IsotonicRegression::Predict(double score) const {
  // First block whose min_score > score; the one before it holds `score`.
  auto it = std::upper_bound(
      blocks_.begin(), blocks_.end(), score,
      [](double s, const Block& b) { return s < b.min_score; });
  if (it == blocks_.begin()) return blocks_.front().value;
  return std::prev(it)->value;
}

}  // namespace nbo::eval
