// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_EVAL_CALIBRATION_SAMPLE_H_
#define NBO_LIB_EVAL_CALIBRATION_SAMPLE_H_

#include <cstddef>
#include <vector>

#include "lib/eval/evaluator.h"
#include "lib/eval/split.h"

namespace nbo::eval {

// One holdout observation for propensity calibration: a model's raw score
// for a (customer, product) pair and whether the customer went on to take
// the product.
struct CalibrationSample {
  double score = 0;
  bool positive = false;
};

// The pairs nbo-trainer fits its Platt scaling on: for every user with a
// test item, each item the user has no train interaction with, scored by
// `score_fn` and labelled by whether it is in test[u]; at most max_samples
// of them, taken evenly (every s-th pair in user and item order). Products
// a user has only viewed are train items and so never in the sample, under
// every split: the fit never sees the scores the server gives them (issue
// 13 section 3 replaces this stage). REQUIRES: max_samples >= 1, the split
// is well formed (as Evaluate() checks).
std::vector<CalibrationSample> HoldoutCalibrationSamples(
    const Split& split, const ScoreFn& score_fn, size_t max_samples);

}  // namespace nbo::eval

#endif  // NBO_LIB_EVAL_CALIBRATION_SAMPLE_H_
