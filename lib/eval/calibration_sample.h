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

// The pairs nbo-trainer fits its Platt scaling on: the pairs the
// calibration metrics count (CalibrationUsers() x the items not in
// ExcludedItems()), scored by `score_fn` and labelled by whether the item
// is in test[u]; at most max_samples of them, taken evenly (every s-th pair
// in user and item order). Under the NBO split that is every candidate the
// server may offer, products a customer has viewed or applied for included
// (the likeliest to score high, and mostly not taken), of every customer
// active before the window's end, taker or not: the curve is fitted on the
// scores it will be applied to. Under the basket splits, every non-train
// item of the users with a test item. REQUIRES: max_samples >= 1, the split
// is well formed (as Evaluate() checks).
std::vector<CalibrationSample> HoldoutCalibrationSamples(
    const Split& split, const ScoreFn& score_fn, size_t max_samples);

}  // namespace nbo::eval

#endif  // NBO_LIB_EVAL_CALIBRATION_SAMPLE_H_
