// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The tune phase of a training run: automatic model selection. Each
// configuration of a small grid (model kinds and their hyperparameters) is
// trained on the validation split's train part and scored on its holdout
// with the gate's metric, as the version would be published (popularity for
// customers without a preference); the best one wins. The grid is tried in
// order within a wall-time budget.
//
//   std::vector<ModelConfig> grid = DefaultGrid(base, num_items);
//   NBO_ASSIGN_OR_RETURN(
//       TuneResult tuning,
//       Tune(validation, matrix, shares, grid, options));
//   const ModelConfig& winner = tuning.trials[tuning.best].config;
//   std::cout << FormatTuningTable(tuning, options.metric);

#ifndef NBO_LIB_TRAINING_TUNE_PHASE_H_
#define NBO_LIB_TRAINING_TUNE_PHASE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/als/ease.h"
#include "lib/als/interaction_matrix.h"
#include "lib/eval/evaluator.h"
#include "lib/eval/split.h"
#include "lib/training/train_phase.h"

namespace nbo::training {

// The grid nbo-trainer tries when tuning is on, in order. `base` gives what
// the grid does not vary (ALS iterations and CG steps); num_items decides
// whether EASE is in it (catalogs of at most kMaxEaseProducts products).
//   1. EASE, lambda in {1, 10, ..., 10^6}: one closed-form solve each,
//      cheap for a bank's catalog; lambda's useful range grows with the
//      number of customers (santander24's best: 10^5 at 100k customers),
//      hence the wide span.
//   2. implicit ALS, factors in {8, 16, 32} x regularization in {1, 10, 100}
//      x alpha in {1, 10}, nbo-trainer's own defaults (8, 10, 1) first, then
//      the rest most promising first: on demo8, santander24 and basket data
//      regularization 100 and alpha 1 won or came close, regularization 1
//      and alpha 10 never did (docs/evaluation.md). So when the budget runs
//      out, what it cuts is the least likely to win.
std::vector<ModelConfig> DefaultGrid(const ModelConfig& base,
                                     int32_t num_items);

// Largest catalog DefaultGrid puts EASE in the grid for: EASE's own limit
// (its item-item matrix is products^2 doubles, its vectors one float per
// product).
inline constexpr int32_t kMaxEaseProducts = als::kEaseMaxItems;

// One configuration's result.
struct TuneTrial {
  ModelConfig config;
  // The metric on the validation split; NaN when training or evaluating
  // failed (see error) or the trial was skipped.
  double metric = 0;
  // Wall time of training and of training plus evaluating.
  double train_seconds = 0;
  double seconds = 0;
  // Why the trial failed or was skipped ("over budget"); empty when it ran.
  std::string error;
  bool skipped = false;
};

struct TuneOptions {
  // The metric to maximize (an eval::EvaluationReport::Metric name).
  // Default: "map@7".
  std::string metric = "map@7";
  // Wall time the grid may take. A trial whose estimated time (the last
  // trial of its kind, scaled linearly by factors for ALS) does not fit in
  // what is left is skipped; the first trial of each kind always runs.
  // Results are deterministic for a seed as long as nothing is skipped.
  // Default: 3 minutes (the 1M-customer santander24 data on 2 cores).
  absl::Duration budget = absl::Minutes(3);
  // K and threads of the evaluation.
  eval::EvaluationOptions evaluation;
  // Threads, seed and cancellation of every training (progress is ignored:
  // trials report through on_trial).
  TrainOptions train;
  // Called after each trial, ran or skipped. Default: none.
  std::function<void(const TuneTrial&)> on_trial;
};

struct TuneResult {
  // One per grid entry, in grid order.
  std::vector<TuneTrial> trials;
  // Index of the best trial: the highest metric, the earliest on ties.
  int best = -1;
  // The metric of ranking by `popularity` on the same split: the bar the
  // grid has to clear. NaN when it could not be scored.
  double popularity_metric = 0;
  // Wall time of the whole grid.
  double seconds = 0;
};

// Trains and scores every config of `grid` in order (see TuneOptions).
// `matrix` is what the models learn from (the validation split's train part
// and the offer answers before it), `popularity` each product's share of
// the validation split's customers (what customers without a preference are
// ranked by). INVALID_ARGUMENT when the grid is empty, the metric unknown,
// or no trial succeeded (with the first failure); CANCELLED when
// options.train.cancelled fires.
absl::StatusOr<TuneResult> Tune(const eval::Split& validation,
                                const als::InteractionMatrix& matrix,
                                const std::vector<float>& popularity,
                                absl::Span<const ModelConfig> grid,
                                const TuneOptions& options);

// The trials as a table: configuration, metric, seconds, the winner marked,
// and the popularity baseline.
std::string FormatTuningTable(const TuneResult& result,
                              absl::string_view metric);

// The trials as a JSON object: {"metric":..,"best":..,"seconds":..,
// "popularity":..,"trials":[{"kind":..,"config":..,"value":..,"seconds":..,
// ...}]}.
std::string TuningToJson(const TuneResult& result, absl::string_view metric);

}  // namespace nbo::training

#endif  // NBO_LIB_TRAINING_TUNE_PHASE_H_
