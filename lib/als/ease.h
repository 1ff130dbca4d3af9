// Copyright (c) 2026 The nbo Authors. MIT License.
//
// EASE, the item-item model kind of lib/als (which holds nbo's
// collaborative-filtering models: ALS in als.h, EASE here): Steck (2019),
// "Embarrassingly Shallow Autoencoders for Sparse Data". In closed form,
//
//   G = X^T X + lambda I,   P = G^-1,   B = I - P diag(1 / diag(P)),
//
// so B[i][j] = -P[i][j] / P[j][j] off the diagonal and diag(B) = 0: the
// weights that best rebuild each item's column from the other items'. A
// customer's score for item i is sum_j x_uj B[j][i].
//
// It serves through the same mechanism as ALS (one vector per customer, one
// per product, score = dot product): the "rank" is the number of products,
// a customer's vector is their weighted interaction row x_u (dense) and
// product i's vector is column i of B.
//
//   EaseOptions options;
//   options.lambda = 100;
//   absl::StatusOr<EaseModel> model = TrainEase(matrix, options);
//
// X is built from an InteractionMatrix (net signed event weights r_uj, as
// TrainImplicit reads them) by EaseWeight(): the one place the weighting is
// decided, used by training and by the server's fold-in alike.
//
// Cost: O(sum_u nnz_u^2) for X^T X and O(items^3) for the inverse (in
// double), so catalogs are bounded by kEaseMaxItems: at 4096 products B is
// 128 MiB of doubles and the inverse about 2 * 10^11 flops.

#ifndef NBO_LIB_ALS_EASE_H_
#define NBO_LIB_ALS_EASE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/als/als.h"
#include "lib/als/interaction_matrix.h"

namespace nbo::als {

// Largest catalog TrainEase accepts (and the server's largest EASE rank).
inline constexpr int64_t kEaseMaxItems = 4096;

// The entry x_uj of EASE's X for a cell whose net signed event weight is
// `net_weight` (the sum of the customer's event weights for the product,
// declines negative, as InteractionMatrix::Create and the server's
// AggregateItemWeights sum them): max(net_weight, 0). Interest keeps its
// strength (an opened product weighs more than a viewed one); a cell whose
// declines outweigh its interest says "not this", which an item-item
// regression cannot use as input, so it counts as no interaction.
// REQUIRES: net_weight is finite.
inline float EaseWeight(float net_weight) {
  return net_weight > 0 ? net_weight : 0.0f;
}

// Writes the customer's EASE vector into `out` (dense, one entry per
// catalog product): EaseWeight(values[k]) at items[k], 0 elsewhere. The
// vector TrainEase publishes for a training customer and the one the server
// folds in from ingested events, so the two cannot drift.
// REQUIRES: items.size() == values.size(); every item in [0, out.size());
// items distinct.
void EaseUserVector(absl::Span<const int32_t> items,
                    absl::Span<const float> values, absl::Span<float> out);

// What TrainEase reports while it inverts (only when a catalog is large
// enough for that to take a while: see EaseOptions::progress).
struct EaseProgress {
  // "gramian" or "inverse".
  std::string stage;
  // Share of the stage done, in (0, 1].
  double fraction = 0;
  // Wall time since TrainEase started.
  double seconds = 0;
};

struct EaseOptions {
  // lambda, the L2 penalty on B (added to X^T X's diagonal). Must be finite
  // and > 0: it is what makes G invertible. Its scale is that of X^T X's
  // diagonal (the summed squared weights of a product's customers), so
  // larger data sets tolerate larger values; Steck's data sets used
  // hundreds. The trainer's tuning grid chooses it per data set.
  // Default: 100
  float lambda = 100;

  // Threads for X^T X and the inverse. Results do not depend on it. Must be
  // > 0.
  // Default: 1
  int threads = 1;

  // Polled on the calling thread between blocks of work; when it returns
  // true training stops with CANCELLED.
  // Default: none
  std::function<bool()> should_cancel;

  // Called on the calling thread after each block of the inverse, for
  // catalogs of at least kEaseProgressMinItems products (smaller ones
  // finish in well under a second).
  // Default: none
  std::function<void(const EaseProgress&)> progress;
};

// Catalogs from this size up report progress.
inline constexpr int64_t kEaseProgressMinItems = 512;

// A trained EASE model, shaped as ALS's so that the same publish and
// serving code takes it: a plain value; const use from any number of
// threads is safe.
struct EaseModel {
  // num_users x num_items: row u is EaseUserVector of the user's row.
  // Memory grows as users x items floats.
  FactorMatrix user_factors;
  // num_items x num_items: row j is column j of B (row j's entry j is 0).
  FactorMatrix item_factors;
};

// Trains EASE on `matrix` (values are net signed event weights, weighted by
// EaseWeight). Deterministic: the same matrix and lambda give bit-identical
// factors whatever options.threads is.
//
// INVALID_ARGUMENT when lambda is not finite or not > 0, threads < 1, the
// matrix has no items, more than kEaseMaxItems items, or no nonzeros;
// CANCELLED when options.should_cancel fires.
absl::StatusOr<EaseModel> TrainEase(const InteractionMatrix& matrix,
                                    const EaseOptions& options);

}  // namespace nbo::als

#endif  // NBO_LIB_ALS_EASE_H_
