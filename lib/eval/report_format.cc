// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/report_format.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "lib/common/json.h"

namespace nbo::eval {
namespace {

// Every metric of `r`, in MetricNames() order.
std::vector<double> Values(const EvaluationReport& r) {
  return {r.precision_at_k, r.recall_at_k, r.map_at_k,
          r.ndcg_at_k,      r.auc,         r.coverage_at_k};
}

using ::nbo::common::JsonNumber;
using ::nbo::common::JsonString;

std::string JsonNumber(const std::optional<double>& v) {
  return v.has_value() ? JsonNumber(*v) : "null";
}

std::string Lift(double model, double reference) {
  if (reference == 0) return model == 0 ? "+0.00%" : "n/a";
  return absl::StrFormat("%+.2f%%", 100 * (model - reference) / reference);
}

}  // namespace

std::string FormatEvaluationTable(const EvaluationReport& model,
                                  const EvaluationReport& popularity,
                                  const EvaluationReport* serving) {
  const std::vector<std::string> names = MetricNames(model.k);
  const std::vector<double> m = Values(model);
  const std::vector<double> p = Values(popularity);
  std::vector<double> s;
  if (serving != nullptr) s = Values(*serving);

  std::string out =
      absl::StrFormat("%-14s %10s %11s", "metric", "model", "popularity");
  if (serving != nullptr) absl::StrAppendFormat(&out, " %10s", "serving");
  absl::StrAppendFormat(&out, " %9s\n", "lift");
  for (size_t i = 0; i < names.size(); ++i) {
    absl::StrAppendFormat(&out, "%-14s %10.4f %11.4f", names[i], m[i], p[i]);
    if (serving != nullptr) absl::StrAppendFormat(&out, " %10.4f", s[i]);
    absl::StrAppendFormat(&out, " %9s\n", Lift(m[i], p[i]));
  }
  absl::StrAppendFormat(
      &out, "users evaluated: %d (auc over %d), items: %d, K: %d\n",
      model.num_users_evaluated, model.num_users_auc, model.num_items, model.k);
  return out;
}

std::string EvaluationReportToJson(const EvaluationReport& report) {
  const std::vector<std::string> names = MetricNames(report.k);
  const std::vector<double> values = Values(report);
  std::string out =
      absl::StrCat("{\"k\":", report.k,
                   ",\"num_users_evaluated\":", report.num_users_evaluated,
                   ",\"num_users_auc\":", report.num_users_auc,
                   ",\"num_items\":", report.num_items);
  for (size_t i = 0; i < names.size(); ++i) {
    absl::StrAppend(&out, ",", JsonString(names[i]), ":",
                    JsonNumber(values[i]));
  }
  absl::StrAppend(&out, ",\"elapsed_seconds\":",
                  JsonNumber(absl::ToDoubleSeconds(report.elapsed)), "}");
  return out;
}

std::string EvaluationTableToJson(const EvaluationReport& model,
                                  const EvaluationReport& popularity,
                                  const EvaluationReport* serving) {
  std::string out = absl::StrCat(
      "{\"k\":", model.k, ",\"model\":", EvaluationReportToJson(model),
      ",\"popularity\":", EvaluationReportToJson(popularity));
  if (serving != nullptr) {
    absl::StrAppend(&out, ",\"serving\":", EvaluationReportToJson(*serving));
  }
  out += "}";
  return out;
}

std::string PublishDecisionToJson(const PublishDecision& d) {
  auto boolean = [](bool b) { return b ? "true" : "false"; };
  return absl::StrCat(
      "{\"publish\":", boolean(d.publish),
      ",\"passed_gate\":", boolean(d.passed_gate),
      ",\"forced\":", boolean(d.forced), ",\"metric\":", JsonString(d.metric),
      ",\"min_relative_lift\":", JsonNumber(d.min_relative_lift),
      ",\"candidate_score\":", JsonNumber(d.candidate_score),
      ",\"popularity_score\":", JsonNumber(d.popularity_score),
      ",\"serving_score\":", JsonNumber(d.serving_score),
      ",\"lift_over_popularity\":", JsonNumber(d.lift_over_popularity),
      ",\"lift_over_serving\":", JsonNumber(d.lift_over_serving),
      ",\"reason\":", JsonString(d.reason), "}");
}

}  // namespace nbo::eval
