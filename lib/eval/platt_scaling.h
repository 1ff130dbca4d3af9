// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_EVAL_PLATT_SCALING_H_
#define NBO_LIB_EVAL_PLATT_SCALING_H_

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/eval/calibration_sample.h"

namespace nbo::eval {

struct PlattOptions {
  // L2 penalty (ridge/2) * (a^2 + b^2) subtracted from the summed
  // log-likelihood. Keeps the fit finite when the holdout is perfectly
  // separable; small enough not to bias a fit on realistic data. Must be
  // >= 0.
  // Default: 1e-6.
  double ridge = 1e-6;

  // Newton iterations before giving up with the current estimate.
  // Default: 100.
  int max_iterations = 100;

  // Stop once the Newton step changes both parameters by less than this.
  // Default: 1e-10.
  double tolerance = 1e-10;
};

// Platt scaling: maps a raw model score s to the propensity
// p = 1 / (1 + exp(-(a*s + b))), with a and b fitted by Newton's method
// (IRLS) on the penalized log-likelihood of holdout (score, label) pairs.
// The fitted pair is what ModelVersionParams::calibration_a/_b carry.
//
// A value type; immutable after Fit(), safe to share between threads.
class PlattScaling {
 public:
  // INVALID_ARGUMENT when `samples` is empty, holds only one class, holds a
  // non-finite score, or the options are out of range.
  static absl::StatusOr<PlattScaling> Fit(
      absl::Span<const CalibrationSample> samples,
      const PlattOptions& options = {});

  // A calibration with known parameters.
  static PlattScaling FromParameters(double a, double b) {
    return PlattScaling(a, b);
  }

  // The calibrated propensity of `score`, in [0, 1].
  double Predict(double score) const;

  double a() const { return a_; }
  double b() const { return b_; }
  // Newton iterations Fit() took.
  int iterations() const { return iterations_; }

 private:
  PlattScaling(double a, double b) : a_(a), b_(b) {}

  double a_ = 0;
  double b_ = 0;
  int iterations_ = 0;
};

// The propensity a version published with calibration (a, b) serves for a
// raw score: the Platt curve, or the score clamped to [0, 1] when a and b
// are both 0 (no calibration). model::ModelVersion::Propensity computes the
// same on the server; lib/model cannot depend on lib/eval, so the formula
// lives in both places and the trainer's evaluation uses this one.
double PublishedPropensity(double a, double b, double score);

}  // namespace nbo::eval

#endif  // NBO_LIB_EVAL_PLATT_SCALING_H_
