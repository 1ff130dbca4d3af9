// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_EVAL_ISOTONIC_REGRESSION_H_
#define NBO_LIB_EVAL_ISOTONIC_REGRESSION_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/eval/calibration_sample.h"

namespace nbo::eval {

// Isotonic calibration: the non-decreasing step function of the score that
// best fits the 0/1 labels in least squares, found by pool-adjacent-
// violators. The alternative to PlattScaling when the score-to-propensity
// curve is not logistic; it needs more holdout data and is flat outside the
// scores it saw.
//
// A value type; immutable after Fit(), safe to share between threads.
class IsotonicRegression {
 public:
  // One constant piece: scores in [min_score, max_score] of the fit data
  // map to `value`.
  struct Block {
    double min_score;
    double max_score;
    double value;
    double weight;  // Samples pooled into the block.
  };

  // INVALID_ARGUMENT when `samples` is empty, holds only one class, or
  // holds a non-finite score.
  static absl::StatusOr<IsotonicRegression> Fit(
      absl::Span<const CalibrationSample> samples);

  // The value of the last block whose min_score <= score (the first block's
  // below the data, the last one's above it). Non-decreasing in `score`.
  double Predict(double score) const;

  // The fitted blocks, by increasing score and non-decreasing value.
  const std::vector<Block>& blocks() const { return blocks_; }

 private:
  explicit IsotonicRegression(std::vector<Block> blocks)
      : blocks_(std::move(blocks)) {}

  std::vector<Block> blocks_;
};

}  // namespace nbo::eval

#endif  // NBO_LIB_EVAL_ISOTONIC_REGRESSION_H_
