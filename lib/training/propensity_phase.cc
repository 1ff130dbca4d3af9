// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/training/propensity_phase.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "lib/common/status_macros.h"
#include "lib/data/split_mix.h"

namespace nbo::training {
namespace {

// Keeps every pair of about one customer in `stride`, by a hash of the
// customer's index: the sample does not follow file order.
std::vector<eval::PropensityExample> SampleCustomers(
    std::vector<eval::PropensityExample> examples, size_t max_examples) {
  if (examples.size() <= max_examples) return examples;
  const uint64_t stride = (examples.size() + max_examples - 1) / max_examples;
  std::vector<eval::PropensityExample> kept;
  kept.reserve(max_examples + max_examples / 8);
  for (const eval::PropensityExample& e : examples) {
    uint64_t state = static_cast<uint64_t>(e.user);
    if (data::NextRandom(&state) % stride == 0) kept.push_back(e);
  }
  return kept;
}

// The pair as the fit and the server see it: a score when the customer has
// a vector.
eval::PropensityExample Pair(const TrainedModel& model,
                             const als::CsrMatrix& by_user, int32_t user,
                             int32_t item) {
  eval::PropensityExample e;
  e.user = user;
  e.item = item;
  e.has_score = HasPreference(by_user, user);
  if (e.has_score) {
    e.score = model.user_factors.row(user).dot(model.item_factors.row(item));
  }
  return e;
}

}  // namespace

absl::StatusOr<SecondStage> FitSecondStage(const data::BankData& data,
                                           const eval::Split& validation,
                                           const TrainedModel& model,
                                           const als::CsrMatrix& by_user,
                                           const SecondStageOptions& options) {
  std::vector<char> scored(validation.num_users);
  for (int32_t u = 0; u < validation.num_users; ++u) {
    scored[u] = HasPreference(by_user, u);
  }
  NBO_ASSIGN_OR_RETURN(
      std::vector<eval::PropensityExample> all,
      eval::PropensityExamplesFromSplit(
          validation, [&](int32_t user, int32_t item) -> std::optional<float> {
            if (!scored[user]) return std::nullopt;
            return model.user_factors.row(user).dot(
                model.item_factors.row(item));
          }));
  const std::vector<eval::PropensityExample> examples =
      SampleCustomers(std::move(all), options.max_examples);
  NBO_ASSIGN_OR_RETURN(
      const eval::PropensityFeatures features,
      eval::PropensityFeatures::Create(data, validation.cutoff_unix_seconds,
                                       options.features));
  NBO_ASSIGN_OR_RETURN(model::PropensityModel fitted,
                       eval::FitPropensity(features, examples, options.fit));
  size_t positives = 0;
  for (const eval::PropensityExample& e : examples) positives += e.positive;
  return SecondStage{std::move(fitted), examples.size(), positives};
}

Contender SecondStageContender(const model::PropensityModel& stage,
                               const eval::PropensityFeatures& features,
                               const TrainedModel& model,
                               const als::CsrMatrix& by_user) {
  auto predict = [&stage, &features, &model, &by_user](int32_t user,
                                                       int32_t item) {
    return eval::PredictPropensity(stage, features,
                                   Pair(model, by_user, user, item));
  };
  Contender contender;
  contender.score = [predict](int32_t user, absl::Span<float> scores) {
    for (size_t i = 0; i < scores.size(); ++i) {
      scores[i] = static_cast<float>(predict(user, static_cast<int32_t>(i)));
    }
  };
  contender.propensity = [predict](int32_t user,
                                   absl::Span<double> propensities) {
    for (size_t i = 0; i < propensities.size(); ++i) {
      propensities[i] = predict(user, static_cast<int32_t>(i));
    }
  };
  return contender;
}

}  // namespace nbo::training
