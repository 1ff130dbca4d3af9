// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The calibrate phase's fallback: Platt's curve over the raw model score,
// what a version publishes when it has no second stage (protocols other
// than NBO, or --second_stage=off; see propensity_phase.h).
//
//   const PlattFit fit = FitPlatt(split, matrix.by_user(), model);
//   if (!fit.error.empty()) ... // published uncalibrated (a = b = 0)

#ifndef NBO_LIB_TRAINING_CALIBRATE_PHASE_H_
#define NBO_LIB_TRAINING_CALIBRATE_PHASE_H_

#include <cstddef>
#include <string>

#include "lib/als/interaction_matrix.h"
#include "lib/eval/split.h"
#include "lib/training/train_phase.h"

namespace nbo::training {

// Holdout pairs the curve is fitted on, at most.
inline constexpr size_t kMaxPlattSamples = 2000000;

// p = 1 / (1 + exp(-(a * score + b))); a = b = 0 (no calibration) when the
// fit failed, and `error` says why (e.g. the sample holds one class only).
struct PlattFit {
  double a = 0;
  double b = 0;
  size_t samples = 0;
  std::string error;
};

// Fits the curve on `model`'s scores of `split`'s holdout candidates
// (eval::HoldoutCalibrationSamples, at most kMaxPlattSamples pairs), only
// of customers with a preference in `by_user`: the others are answered by
// popularity, on another scale. Never fails (see PlattFit::error).
PlattFit FitPlatt(const eval::Split& split, const als::CsrMatrix& by_user,
                  const TrainedModel& model);

}  // namespace nbo::training

#endif  // NBO_LIB_TRAINING_CALIBRATE_PHASE_H_
