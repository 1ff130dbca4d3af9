// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/training/train_phase.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lib/als/ease.h"
#include "lib/common/status_macros.h"

namespace nbo::training {
namespace {

absl::StatusOr<TrainedModel> TrainAls(const als::InteractionMatrix& matrix,
                                      const ModelConfig& config,
                                      const TrainOptions& options) {
  als::AlsOptions als_options;
  als_options.factors = config.factors;
  als_options.iterations = config.iterations;
  als_options.regularization = static_cast<float>(config.regularization);
  als_options.alpha = static_cast<float>(config.alpha);
  als_options.cg_steps = config.cg_steps;
  als_options.threads = options.threads;
  als_options.seed = options.seed;
  als_options.should_cancel = options.cancelled;
  als_options.progress = options.progress;
  NBO_ASSIGN_OR_RETURN(als::AlsModel als_model,
                       als::TrainImplicit(matrix, als_options));
  TrainedModel model;
  model.config = config;
  model.user_factors = std::move(als_model.user_factors);
  model.item_factors = std::move(als_model.item_factors);
  model.history = std::move(als_model.history);
  return model;
}

// EASE comes back shaped as ALS: its customer vectors are the weighted rows,
// its product vectors the columns of B.
absl::StatusOr<TrainedModel> TrainEase(const als::InteractionMatrix& matrix,
                                       const ModelConfig& config,
                                       const TrainOptions& options) {
  als::EaseOptions ease_options;
  ease_options.lambda = static_cast<float>(config.ease_lambda);
  ease_options.threads = options.threads;
  ease_options.should_cancel = options.cancelled;
  NBO_ASSIGN_OR_RETURN(als::EaseModel ease,
                       als::TrainEase(matrix, ease_options));
  TrainedModel model;
  model.config = config;
  model.user_factors = std::move(ease.user_factors);
  model.item_factors = std::move(ease.item_factors);
  return model;
}

}  // namespace

const char* ModelKindName(ModelKind kind) {
  switch (kind) {
    case ModelKind::kImplicitAls:
      return "implicit_als";
    case ModelKind::kEase:
      return "ease";
  }
  return "unknown";
}

absl::StatusOr<ModelKind> ParseModelKind(absl::string_view name) {
  for (ModelKind kind : {ModelKind::kImplicitAls, ModelKind::kEase}) {
    if (name == ModelKindName(kind)) return kind;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown model kind \"", name, "\": want implicit_als or ease"));
}

std::string ModelConfig::Describe() const {
  switch (kind) {
    case ModelKind::kImplicitAls:
      return absl::StrCat("implicit_als factors=", factors,
                          " regularization=", regularization, " alpha=", alpha);
    case ModelKind::kEase:
      return absl::StrCat("ease lambda=", ease_lambda);
  }
  return "unknown";
}

int ModelConfig::Rank(int32_t num_items) const {
  return kind == ModelKind::kEase ? num_items : factors;
}

absl::StatusOr<als::InteractionMatrix> BuildInteractionMatrix(
    int32_t num_users, int32_t num_items,
    absl::Span<const eval::Interaction> events,
    absl::Span<const eval::Interaction> answers) {
  std::vector<als::Interaction> cells;
  cells.reserve(events.size() + answers.size());
  for (absl::Span<const eval::Interaction> part : {events, answers}) {
    for (const eval::Interaction& e : part) {
      cells.push_back({e.user, e.item, static_cast<float>(e.weight)});
    }
  }
  return als::InteractionMatrix::Create(num_users, num_items, cells);
}

absl::StatusOr<TrainedModel> TrainModel(const als::InteractionMatrix& matrix,
                                        const ModelConfig& config,
                                        const TrainOptions& options) {
  const absl::Time start = absl::Now();
  absl::StatusOr<TrainedModel> model;
  switch (config.kind) {
    case ModelKind::kImplicitAls:
      model = TrainAls(matrix, config, options);
      break;
    case ModelKind::kEase:
      model = TrainEase(matrix, config, options);
      break;
  }
  if (model.ok()) model->seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return model;
}

bool HasPreference(const als::CsrMatrix& rows, int32_t row) {
  for (float value : rows.RowValues(row)) {
    if (value > 0) return true;
  }
  return false;
}

void ScoreWithFactors(const TrainedModel& model, int32_t user,
                      absl::Span<float> scores) {
  const auto x = model.user_factors.row(user);
  for (int64_t p = 0; p < model.item_factors.rows(); ++p) {
    scores[p] = x.dot(model.item_factors.row(p));
  }
}

}  // namespace nbo::training
