// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Fits the second stage (model::PropensityModel) on (customer, candidate)
// pairs with 0/1 outcomes: L2-regularized logistic regression by Newton's
// method (IRLS) with Eigen, in two steps:
//   1. one shared weight vector w0 over every pair, penalty l2/2 |w0|^2;
//   2. each product's own w_p over that product's pairs, shrunk towards the
//      shared one: penalty product_l2/2 |w_p - w0|^2.
// So a product with few outcomes stays near what all products share, and a
// product with many learns its own intercept, score slope and profile
// crossings. The intercept is penalized 1000 times less than the rest.
//
// The pairs come from the NBO split (lib/eval/nbo_split.h): the candidates
// of a customer at the cutoff are the products they do not hold; a pair is
// positive when the product was opened in the window after.

#ifndef NBO_LIB_EVAL_PROPENSITY_FIT_H_
#define NBO_LIB_EVAL_PROPENSITY_FIT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/eval/propensity_features.h"
#include "lib/eval/split.h"
#include "lib/model/propensity_model.h"

namespace nbo::eval {

// One (customer, candidate product) pair and what happened.
struct PropensityExample {
  // Index into the bank data's customer_ids.
  int32_t user = 0;
  // Index into the bank data's products.
  int32_t item = 0;
  // The model's raw score (dot product) of the pair, when the customer has a
  // vector (has_score); ignored otherwise.
  float score = 0;
  bool has_score = false;
  // The customer opened or purchased the product in the window.
  bool positive = false;
};

struct FitOptions {
  // L2 penalty of the shared weights (step 1). Must be > 0.
  // Default: 1.
  double l2 = 1;
  // L2 penalty of each product's distance from the shared weights (step
  // 2). Must be > 0.
  // Default: 20.
  double product_l2 = 20;
  // Equal-mass bins of the model score over the scored examples (the edges
  // are its distinct quantiles), in [1, model::kMaxPropensityBins].
  // Default: 8.
  int32_t score_bins = 8;
  // Newton steps per fit at most; a fit stops earlier once no weight moves
  // by more than `tolerance`. Must be >= 1.
  // Default: 30.
  int32_t max_iterations = 30;
  // Default: 1e-6.
  double tolerance = 1e-6;
};

// The examples of an NBO split (eval::SplitForNbo): for every customer u
// with split.population[u], one pair per item not in split.excluded[u] (the
// products u does not hold at the cutoff), positive when the item is in
// split.test[u]. `score(u, i)` is the model's raw score of the pair, or
// nullopt when u has no vector. Customers in order, items ascending.
// FAILED_PRECONDITION when `split` is not an NBO split (no population or
// excluded lists).
absl::StatusOr<std::vector<PropensityExample>> PropensityExamplesFromSplit(
    const Split& split,
    const std::function<std::optional<float>(int32_t user, int32_t item)>&
        score);

// The fitted model over features.schema()'s products (every product of the
// bank data, in order), score edges from `examples`.
// INVALID_ARGUMENT for no examples, an example whose user or item is out of
// range or whose score is not finite, or options out of range.
// FAILED_PRECONDITION when the examples have no positive or no negative
// (nothing to learn a probability from).
absl::StatusOr<model::PropensityModel> FitPropensity(
    const PropensityFeatures& features,
    absl::Span<const PropensityExample> examples, const FitOptions& options);

// The propensity `model` gives `example` with `features`: what the server
// would answer for the pair at the cutoff.
// REQUIRES: model was fitted on features' schema; example in range.
double PredictPropensity(const model::PropensityModel& model,
                         const PropensityFeatures& features,
                         const PropensityExample& example);

}  // namespace nbo::eval

#endif  // NBO_LIB_EVAL_PROPENSITY_FIT_H_
