// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Offline ranking metrics over a holdout Split. The model is seen only
// through a scoring callback, so this library does not depend on how the
// model was trained (lib/als, imported Spark factors, the popularity
// baseline):
//
//   EvaluationOptions options;  // K = 7
//   NBO_ASSIGN_OR_RETURN(EvaluationReport report,
//                        Evaluate(split, score_fn, options));

#ifndef NBO_LIB_EVAL_EVALUATOR_H_
#define NBO_LIB_EVAL_EVALUATOR_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/eval/calibration_metrics.h"
#include "lib/eval/split.h"

namespace nbo::eval {

// Writes one score per catalog item for `user` into `scores` (size
// num_items, zero-filled on entry; higher means more likely to be taken).
// Scores of the items never ranked for the user (ExcludedItems) are ignored;
// NaN is an error. Called once per evaluated user. With
// EvaluationOptions::num_threads > 1 it is called from several threads at once
// and must be safe for that.
using ScoreFn = std::function<void(int32_t user, absl::Span<float> scores)>;

struct EvaluationOptions {
  // Cut-off rank for the @K metrics. 7 as in the Santander product
  // recommendation benchmark. Must be >= 1.
  // Default: 7.
  int32_t k = 7;

  // Threads scoring users. Results do not depend on it: per-user figures
  // are combined in user order.
  // Default: 1.
  int32_t num_threads = 1;

  // Bins and pair budget of EvaluateWithCalibration's metrics.
  // Default: see CalibrationMetricsOptions.
  CalibrationMetricsOptions calibration;
};

// Metric averages over the evaluated users: those with at least one test
// item. For each such user the ranked candidates are all items except
// ExcludedItems(split)[u] (the user's train items; for the NBO split, the
// user's holdings at the cutoff), ordered by score descending, ties by item
// index ascending; "top K" is the first min(K, #candidates) of them.
struct EvaluationReport {
  int32_t k = 0;
  // Users with at least one test item.
  int32_t num_users_evaluated = 0;
  int32_t num_items = 0;
  // hits@K / K (divides by K even when the user has fewer test items, as is
  // standard; the ceiling is then |test| / K).
  double precision_at_k = 0;
  // hits@K / |test| (the standard denominator: a user with more than K test
  // items cannot reach 1).
  double recall_at_k = 0;
  // Kaggle Santander MAP@K: per user, the sum of precision@i over the ranks
  // i <= K that hold a test item, divided by min(K, |test|).
  double map_at_k = 0;
  // Binary gains, discount 1/log2(rank + 1), normalized by the ideal DCG of
  // min(K, |test|) hits.
  double ndcg_at_k = 0;
  // Per user, the probability that a test item outscores a candidate that is
  // not a test item (ties count 1/2), averaged over the users that have at
  // least one such negative.
  double auc = 0;
  int32_t num_users_auc = 0;
  // Fraction of the catalog that appears in at least one user's top K.
  double coverage_at_k = 0;
  // Wall time spent in Evaluate(). Informational; not compared by the gate.
  absl::Duration elapsed = absl::ZeroDuration();
  // The published propensities against the outcomes, over every pair
  // CollectPropensities counts; set by EvaluateWithCalibration only.
  std::optional<CalibrationMetrics> calibration;

  // The value of the metric called `name`: "precision@k", "recall@k",
  // "map@k", "ndcg@k", "auc" or "coverage@k" (case-insensitive; "@k" may
  // also be spelled with this report's K, e.g. "map@7").
  // INVALID_ARGUMENT for any other name.
  absl::StatusOr<double> Metric(absl::string_view name) const;
};

// Canonical metric names, in the order the formatter prints them, spelled
// with `k` ("precision@7", ..., "auc", "coverage@7").
std::vector<std::string> MetricNames(int32_t k);

// Ranks every evaluated user's candidates with `score_fn` and averages the
// metrics. Deterministic for a given split and score_fn.
// INVALID_ARGUMENT when options.k < 1 or num_threads < 1, the split has no
// items or no user with a test item, test[] is not sized num_users or holds
// an out-of-range item or one the user also has in train, or score_fn writes
// a NaN.
absl::StatusOr<EvaluationReport> Evaluate(const Split& split,
                                          const ScoreFn& score_fn,
                                          const EvaluationOptions& options);

// Evaluate(), then the calibration metrics of `propensity_fn` on the same
// split (CollectPropensities, MeasureCalibration) in report.calibration:
// ranking and probabilities judged on the same candidates and positives.
// The errors of either.
absl::StatusOr<EvaluationReport> EvaluateWithCalibration(
    const Split& split, const ScoreFn& score_fn,
    const PropensityFn& propensity_fn, const EvaluationOptions& options);

}  // namespace nbo::eval

#endif  // NBO_LIB_EVAL_EVALUATOR_H_
