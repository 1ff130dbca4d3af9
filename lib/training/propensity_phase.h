// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The second-stage phase of a training run (issue 13 section 3): the
// propensity a version publishes comes from a logistic model over the model
// score, the customer's profile, holdings and recency
// (model::PropensityModel), fitted on the validation split's outcomes, so
// that the test split judges it on outcomes it never saw. NBO protocol only:
// its candidates and positives are what the model predicts.
//
//   NBO_ASSIGN_OR_RETURN(
//       SecondStage stage,
//       FitSecondStage(data, validation, validation_model, matrix.by_user(),
//                      {}));
//   NBO_ASSIGN_OR_RETURN(eval::PropensityFeatures at_test, ...);
//   Contender contender =
//       SecondStageContender(stage.model, at_test, model, by_user);

#ifndef NBO_LIB_TRAINING_PROPENSITY_PHASE_H_
#define NBO_LIB_TRAINING_PROPENSITY_PHASE_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "lib/als/interaction_matrix.h"
#include "lib/data/bank_data.h"
#include "lib/eval/propensity_features.h"
#include "lib/eval/propensity_fit.h"
#include "lib/eval/split.h"
#include "lib/model/propensity_model.h"
#include "lib/training/evaluate_phase.h"
#include "lib/training/train_phase.h"

namespace nbo::training {

struct SecondStageOptions {
  eval::PropensityFeatureOptions features;
  eval::FitOptions fit;
  // Pairs the fit sees at most: above it, whole customers are sampled by a
  // hash of their index (every pair of a sampled customer is kept).
  // Default: 2,000,000 (a few seconds of Newton steps on 2 cores).
  size_t max_examples = 2000000;
};

struct SecondStage {
  model::PropensityModel model;
  // Pairs fitted on, and how many of them were taken.
  size_t examples = 0;
  size_t positives = 0;
};

// Fits the second stage on `validation` (an NBO split): every candidate pair
// of its population (eval::PropensityExamplesFromSplit), scored by `model`
// (trained on validation.train; customers without a preference in `by_user`
// have no score, as on the server), with features of `data` before the
// validation cutoff. FAILED_PRECONDITION when `validation` is not an NBO
// split or its outcomes are all of one class; the errors of the fit.
absl::StatusOr<SecondStage> FitSecondStage(const data::BankData& data,
                                           const eval::Split& validation,
                                           const TrainedModel& model,
                                           const als::CsrMatrix& by_user,
                                           const SecondStageOptions& options);

// `stage` as the evaluation's contender: a candidate's score and propensity
// are both the second stage's output, as Recommend ranks (before business
// value) and answers them; `features` must be at the cutoff of the split it
// is evaluated on, `model` and `by_user` what that split trains. REQUIRES:
// every argument outlives the result.
Contender SecondStageContender(const model::PropensityModel& stage,
                               const eval::PropensityFeatures& features,
                               const TrainedModel& model,
                               const als::CsrMatrix& by_user);

}  // namespace nbo::training

#endif  // NBO_LIB_TRAINING_PROPENSITY_PHASE_H_
