// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_EVAL_CALIBRATION_SAMPLE_H_
#define NBO_LIB_EVAL_CALIBRATION_SAMPLE_H_

namespace nbo::eval {

// One holdout observation for propensity calibration: a model's raw score
// for a (customer, product) pair and whether the customer went on to take
// the product.
struct CalibrationSample {
  double score = 0;
  bool positive = false;
};

}  // namespace nbo::eval

#endif  // NBO_LIB_EVAL_CALIBRATION_SAMPLE_H_
