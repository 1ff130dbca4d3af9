// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The evaluation phase of a training run: the candidate model, the
// popularity baseline and the version now serving (when there is one) are
// ranked and their propensities measured on one split, so that all three
// answer for exactly the same candidates and positives.
//
//   PublishedScoring model_scoring = ...;   // factors, popularity, Platt
//   eval::PopularityScorer popularity = ...;
//   NBO_ASSIGN_OR_RETURN(
//       Evaluation evaluation,
//       EvaluateContenders(split, AsContender(model_scoring),
//                          PopularityContender(popularity), nullptr, {}));

#ifndef NBO_LIB_TRAINING_EVALUATE_PHASE_H_
#define NBO_LIB_TRAINING_EVALUATE_PHASE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/eval/calibration_metrics.h"
#include "lib/eval/evaluator.h"
#include "lib/eval/popularity.h"
#include "lib/eval/split.h"

namespace nbo::training {

// A model as the evaluation sees it: how it ranks a customer's candidates
// and the propensity it would publish for each.
struct Contender {
  eval::ScoreFn score;
  eval::PropensityFn propensity;
};

// How a published version answers, as nbo-server does: customers it has a
// vector for get `personal` scores (STRATEGY_PERSONALIZED), the others the
// version's popularity list (STRATEGY_POPULARITY); every score becomes the
// propensity the server serves, eval::PublishedPropensity(calibration_a,
// calibration_b, score), Platt or the clamped score. So a popularity-served
// customer's propensity is the Platt curve at a popularity share, as on the
// server.
struct PublishedScoring {
  // Whether the version has a vector for `user`.
  std::function<bool(int32_t user)> personalized;
  // Dot products for a personalized user, one per item.
  eval::ScoreFn personal;
  // Per item, the popularity the version's header carries: the share of
  // customers with an event for the product.
  std::vector<float> popularity;
  // The version's calibration; both 0 means none.
  double calibration_a = 0;
  double calibration_b = 0;
};

// `scoring` as a Contender. REQUIRES: `scoring` outlives the result;
// scoring.popularity has one entry per item of the split it is used on;
// scoring's callbacks may be called from several threads at once (as
// eval::Evaluate does with num_threads > 1).
Contender AsContender(const PublishedScoring& scoring);

// The popularity baseline as a Contender: items ranked by train users,
// propensity the item's share of the users (PopularityScorer). REQUIRES:
// `popularity` outlives the result.
Contender PopularityContender(const eval::PopularityScorer& popularity);

// The reports of one evaluation, each with its calibration metrics.
struct Evaluation {
  eval::EvaluationReport model;
  eval::EvaluationReport popularity;
  // Set when a serving contender was given.
  std::optional<eval::EvaluationReport> serving;
};

// eval::EvaluateWithCalibration of each contender on `split` with
// `options`; `serving` may be null. The first error, in the order model,
// popularity, serving.
absl::StatusOr<Evaluation> EvaluateContenders(
    const eval::Split& split, const Contender& model,
    const Contender& popularity, const Contender* serving,
    const eval::EvaluationOptions& options);

}  // namespace nbo::training

#endif  // NBO_LIB_TRAINING_EVALUATE_PHASE_H_
