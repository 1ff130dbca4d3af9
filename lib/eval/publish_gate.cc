// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/publish_gate.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/common/status_macros.h"

namespace nbo::eval {
namespace {

double RelativeLift(double candidate, double reference) {
  if (reference != 0) return (candidate - reference) / std::abs(reference);
  if (candidate > 0) return std::numeric_limits<double>::infinity();
  if (candidate < 0) return -std::numeric_limits<double>::infinity();
  return 0;
}

std::string Percent(double lift) {
  if (std::isinf(lift)) return lift > 0 ? "+inf%" : "-inf%";
  return absl::StrFormat("%+.2f%%", 100 * lift);
}

// Canonical spelling ("map@7") of a name Metric() accepted.
std::string CanonicalName(absl::string_view name, int32_t k) {
  std::string key = absl::AsciiStrToLower(name);
  for (const std::string& canonical : MetricNames(k)) {
    std::string generic = canonical;
    size_t at = generic.find('@');
    if (at != std::string::npos) generic = generic.substr(0, at) + "@k";
    if (key == canonical || key == generic) return canonical;
  }
  return key;
}

}  // namespace

absl::Status PublishDecision::ToStatus() const {
  if (publish) return absl::OkStatus();
  return absl::FailedPreconditionError(reason);
}

absl::StatusOr<PublishDecision> DecidePublish(
    const EvaluationReport& candidate, const EvaluationReport& popularity,
    const EvaluationReport* serving, const PublishGateOptions& options) {
  if (!std::isfinite(options.min_relative_lift) ||
      options.min_relative_lift <= -1) {
    return absl::InvalidArgumentError(
        absl::StrCat("gate: min_relative_lift must be finite and > -1, got ",
                     options.min_relative_lift));
  }
  if (popularity.k != candidate.k ||
      (serving != nullptr && serving->k != candidate.k)) {
    return absl::InvalidArgumentError(
        "gate: reports were computed at different K");
  }
  PublishDecision d;
  d.forced = options.force;
  d.min_relative_lift = options.min_relative_lift;
  NBO_ASSIGN_OR_RETURN(d.candidate_score, candidate.Metric(options.metric));
  NBO_ASSIGN_OR_RETURN(d.popularity_score, popularity.Metric(options.metric));
  d.metric = CanonicalName(options.metric, candidate.k);
  d.lift_over_popularity = RelativeLift(d.candidate_score, d.popularity_score);
  const double factor = 1 + options.min_relative_lift;

  std::vector<std::string> failures;
  if (!(d.candidate_score >= d.popularity_score * factor)) {
    failures.push_back(absl::StrFormat(
        "%s %.4f is below the popularity baseline's %.4f (lift %s, minimum "
        "%s)",
        d.metric, d.candidate_score, d.popularity_score,
        Percent(d.lift_over_popularity), Percent(options.min_relative_lift)));
  }
  if (serving != nullptr) {
    NBO_ASSIGN_OR_RETURN(double serving_score, serving->Metric(options.metric));
    d.serving_score = serving_score;
    d.lift_over_serving = RelativeLift(d.candidate_score, serving_score);
    if (!(d.candidate_score >= serving_score * factor)) {
      failures.push_back(absl::StrFormat(
          "%s %.4f is below the serving version's %.4f (lift %s, minimum %s)",
          d.metric, d.candidate_score, serving_score,
          Percent(*d.lift_over_serving), Percent(options.min_relative_lift)));
    }
  }

  d.passed_gate = failures.empty();
  d.publish = d.passed_gate || options.force;
  if (d.passed_gate) {
    d.reason = absl::StrFormat("passed: %s %.4f vs popularity %.4f (lift %s)",
                               d.metric, d.candidate_score, d.popularity_score,
                               Percent(d.lift_over_popularity));
    if (d.serving_score.has_value()) {
      absl::StrAppend(
          &d.reason,
          absl::StrFormat(", vs serving %.4f (lift %s)", *d.serving_score,
                          Percent(*d.lift_over_serving)));
    } else {
      absl::StrAppend(&d.reason, ", no version serving");
    }
    if (options.force) absl::StrAppend(&d.reason, " (force was set)");
  } else if (options.force) {
    d.reason = absl::StrCat("FORCED publish despite refusal: ",
                            absl::StrJoin(failures, "; "));
  } else {
    d.reason = absl::StrCat("refused: ", absl::StrJoin(failures, "; "));
  }
  return d;
}

}  // namespace nbo::eval
