// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/training/evaluate_phase.h"

#include <algorithm>
#include <vector>

#include "lib/common/status_macros.h"
#include "lib/eval/platt_scaling.h"

namespace nbo::training {
namespace {

// What `scoring` ranks `user` by: the user's scores, or the popularity list.
void PublishedScores(const PublishedScoring& scoring, int32_t user,
                     absl::Span<float> scores) {
  if (scoring.personalized(user)) {
    scoring.personal(user, scores);
    return;
  }
  std::copy_n(scoring.popularity.begin(),
              std::min(scoring.popularity.size(), scores.size()),
              scores.begin());
}

}  // namespace

Contender AsContender(const PublishedScoring& scoring) {
  Contender contender;
  contender.score = [&scoring](int32_t user, absl::Span<float> scores) {
    PublishedScores(scoring, user, scores);
  };
  contender.propensity = [&scoring](int32_t user,
                                    absl::Span<double> propensities) {
    std::vector<float> scores(propensities.size(), 0.0f);
    PublishedScores(scoring, user, absl::MakeSpan(scores));
    for (size_t i = 0; i < scores.size(); ++i) {
      propensities[i] = eval::PublishedPropensity(
          scoring.calibration_a, scoring.calibration_b, scores[i]);
    }
  };
  return contender;
}

Contender PopularityContender(const eval::PopularityScorer& popularity) {
  return {popularity.AsScoreFn(), popularity.AsPropensityFn()};
}

absl::StatusOr<Evaluation> EvaluateContenders(
    const eval::Split& split, const Contender& model,
    const Contender& popularity, const Contender* serving,
    const eval::EvaluationOptions& options) {
  Evaluation evaluation;
  NBO_ASSIGN_OR_RETURN(evaluation.model,
                       eval::EvaluateWithCalibration(
                           split, model.score, model.propensity, options));
  NBO_ASSIGN_OR_RETURN(
      evaluation.popularity,
      eval::EvaluateWithCalibration(split, popularity.score,
                                    popularity.propensity, options));
  if (serving != nullptr) {
    NBO_ASSIGN_OR_RETURN(evaluation.serving, eval::EvaluateWithCalibration(
                                                 split, serving->score,
                                                 serving->propensity, options));
  }
  return evaluation;
}

}  // namespace nbo::training
