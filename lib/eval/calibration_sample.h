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
// is in test[u]. Under the NBO split that is every candidate the
// server may offer, products a customer has viewed or applied for included
// (the likeliest to score high, and mostly not taken), of every customer
// active before the window's end, taker or not: the curve is fitted on the
// scores it will be applied to. Under the basket splits, every non-train
// item of the users with a test item. Only users u with scored_users[u]
// != 0 when scored_users is not empty (the users the curve will be applied
// to). About max_samples pairs are kept, chosen by a hash of the pair
// (PairSampler); none when max_samples is 0. REQUIRES: the split is well
// formed (as Evaluate() checks); scored_users empty or of size num_users.
std::vector<CalibrationSample> HoldoutCalibrationSamples(
    const Split& split, const ScoreFn& score_fn, size_t max_samples,
    const std::vector<char>& scored_users = {});

}  // namespace nbo::eval

#endif  // NBO_LIB_EVAL_CALIBRATION_SAMPLE_H_
