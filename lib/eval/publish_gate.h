// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The publish gate of nbo-trainer: a freshly trained model is published only
// if, on the same holdout, it beats the popularity baseline and the version
// now serving by at least a minimum relative lift on a chosen metric.

#ifndef NBO_LIB_EVAL_PUBLISH_GATE_H_
#define NBO_LIB_EVAL_PUBLISH_GATE_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/eval/evaluator.h"

namespace nbo::eval {

struct PublishGateOptions {
  // The metric compared (see EvaluationReport::Metric for the names).
  // Default: "map@k".
  std::string metric = "map@k";

  // The candidate must reach reference * (1 + min_relative_lift) against
  // every reference (popularity, and serving when given). 0 means "at least
  // as good"; 0.05 means "5% better". Must be finite and > -1.
  // Default: 0.0.
  double min_relative_lift = 0.0;

  // Publish even if the gate refuses. The decision still records the
  // refusal reason and that it was forced.
  // Default: false.
  bool force = false;
};

// What the gate decided and why; logged and stored with the version.
struct PublishDecision {
  // Whether to publish: passed_gate || forced.
  bool publish = false;
  // Whether the candidate met every threshold on its own.
  bool passed_gate = false;
  // Whether PublishGateOptions::force was set.
  bool forced = false;
  // The canonical metric name, e.g. "map@7".
  std::string metric;
  double min_relative_lift = 0;
  double candidate_score = 0;
  double popularity_score = 0;
  std::optional<double> serving_score;
  // (candidate - reference) / reference; +inf when the reference is 0 and the
  // candidate is above it, 0 when both are 0.
  double lift_over_popularity = 0;
  std::optional<double> lift_over_serving;
  // One human-readable sentence, e.g. "refused: map@7 0.1200 is below the
  // popularity baseline's 0.1500 (lift -20.00%, minimum +0.00%)".
  std::string reason;

  // OK when publish is true, otherwise FAILED_PRECONDITION carrying reason.
  absl::Status ToStatus() const;
};

// Decides whether `candidate` may be published. `serving` is the report of
// the version now serving on the same split, or nullptr when there is none.
// INVALID_ARGUMENT for an unknown metric name, a min_relative_lift that is
// not finite or <= -1, or reports computed at different K.
absl::StatusOr<PublishDecision> DecidePublish(
    const EvaluationReport& candidate, const EvaluationReport& popularity,
    const EvaluationReport* serving, const PublishGateOptions& options);

}  // namespace nbo::eval

#endif  // NBO_LIB_EVAL_PUBLISH_GATE_H_
