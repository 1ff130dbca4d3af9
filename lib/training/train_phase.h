// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The train phase of a training run: one model of a given kind and
// hyperparameters, trained on one interaction matrix. Every kind serves the
// same way, as one vector per customer and one per product scored by dot
// product, so what comes out is always a pair of factor matrices.
//
//   NBO_ASSIGN_OR_RETURN(als::InteractionMatrix matrix,
//                        BuildInteractionMatrix(users, items, events, {}));
//   ModelConfig config;                       // implicit ALS, 8 factors
//   NBO_ASSIGN_OR_RETURN(TrainedModel model,
//                        TrainModel(matrix, config, TrainOptions{}));
//   ScoreWithFactors(model, user, scores);

#ifndef NBO_LIB_TRAINING_TRAIN_PHASE_H_
#define NBO_LIB_TRAINING_TRAIN_PHASE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/als/als.h"
#include "lib/als/interaction_matrix.h"
#include "lib/eval/split.h"

namespace nbo::training {

// The kinds of model a run can train.
enum class ModelKind {
  // Implicit-feedback ALS (lib/als/als.h): `factors` floats per vector.
  kImplicitAls,
  // EASE, a closed-form item-item model (lib/als/ease.h): the customer
  // vector is the weighted interaction row, the product vector the
  // product's column of the item-item weights; one float per product.
  kEase,
};

// "implicit_als" or "ease": the names flags, labels and reports use.
const char* ModelKindName(ModelKind kind);

// The kind `name` names (ModelKindName's spellings).
// INVALID_ARGUMENT, listing the names, for any other.
absl::StatusOr<ModelKind> ParseModelKind(absl::string_view name);

// A model kind and its hyperparameters. Fields of the other kind are
// ignored.
struct ModelConfig {
  ModelKind kind = ModelKind::kImplicitAls;
  // Implicit ALS (see als::AlsOptions). Defaults: nbo-trainer's.
  int factors = 8;
  int iterations = 15;
  double regularization = 10;
  double alpha = 1;
  int cg_steps = 3;
  // EASE: the L2 penalty on the item-item weights (lib/als/ease.h).
  // Default: 100.
  double ease_lambda = 100;

  // The kind and the hyperparameters that matter for it, e.g.
  // "implicit_als factors=8 regularization=10 alpha=1" or
  // "ease lambda=100": how the tuning table and reports name a config.
  std::string Describe() const;
  // The vector length the kind gives: factors for ALS, the number of
  // products for EASE.
  int Rank(int32_t num_items) const;
};

// What any training needs besides the config.
struct TrainOptions {
  // Default: 2.
  int threads = 2;
  // Seeds ALS's initial factors. Default: 42.
  uint64_t seed = 42;
  // Polled between iterations; true stops training with CANCELLED.
  // Default: none.
  std::function<bool()> cancelled;
  // Called after each ALS iteration. Default: none.
  std::function<void(const als::IterationStats&)> progress;
};

// A trained model as it serves: factor matrices whose rows are the
// customers' and the products' vectors.
struct TrainedModel {
  ModelConfig config;
  als::FactorMatrix user_factors;  // num_users x rank.
  als::FactorMatrix item_factors;  // num_items x rank.
  // ALS: one entry per iteration. EASE: empty.
  std::vector<als::IterationStats> history;
  // Wall time of TrainModel.
  double seconds = 0;
};

// The interaction matrix of `events` and offer `answers` (decline weights
// are negative): duplicate cells are summed, so a decline weighs against the
// events of the same customer and product. The errors of
// als::InteractionMatrix::Create (indices out of range...).
absl::StatusOr<als::InteractionMatrix> BuildInteractionMatrix(
    int32_t num_users, int32_t num_items,
    absl::Span<const eval::Interaction> events,
    absl::Span<const eval::Interaction> answers);

// Trains `config` on `matrix`. INVALID_ARGUMENT for hyperparameters out of
// range (the kind's trainer names which; for EASE also a catalog above
// als::kEaseMaxItems); CANCELLED when options.cancelled fires.
absl::StatusOr<TrainedModel> TrainModel(const als::InteractionMatrix& matrix,
                                        const ModelConfig& config,
                                        const TrainOptions& options);

// Whether `row` of `rows` has a cell with positive preference: a customer
// with none (nothing in train, or declines only) has no vector worth scoring
// with, and is left to popularity, as the server leaves customers its model
// lacks.
bool HasPreference(const als::CsrMatrix& rows, int32_t row);

// `user`'s dot product with every product vector of `model`.
// REQUIRES: user is a row of model.user_factors; scores.size() ==
// model.item_factors.rows().
void ScoreWithFactors(const TrainedModel& model, int32_t user,
                      absl::Span<float> scores);

}  // namespace nbo::training

#endif  // NBO_LIB_TRAINING_TRAIN_PHASE_H_
