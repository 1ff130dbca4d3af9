// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/report_format.h"

#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
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

// `value` with the fewest significant digits (10 to 17) that read back as
// the same double: a propensity of 1 - 2e-11 must not print as 1, it is the
// over-confidence the calibration metrics are there to show.
std::string RoundTrip(double value) {
  if (!std::isfinite(value)) return "null";
  for (int digits = 10; digits < 17; ++digits) {
    std::string text = absl::StrFormat("%.*g", digits, value);
    if (std::strtod(text.c_str(), nullptr) == value) return text;
  }
  return absl::StrFormat("%.17g", value);
}

// A calibration figure of `r` for the table, "-" when it has none.
std::string CalibrationCell(const EvaluationReport& r,
                            double CalibrationMetrics::*field, int width) {
  if (!r.calibration.has_value()) return absl::StrFormat("%*s", width, "-");
  return absl::StrFormat("%*.4f", width, (*r.calibration).*field);
}

// The rows brier, ece and max propensity, when the model has calibration
// metrics. Lower is better for the first two, so no lift is printed.
void AppendCalibrationRows(const EvaluationReport& model,
                           const EvaluationReport& popularity,
                           const EvaluationReport* serving, std::string& out) {
  if (!model.calibration.has_value()) return;
  const std::pair<const char*, double CalibrationMetrics::*> rows[] = {
      {"brier", &CalibrationMetrics::brier},
      {"ece", &CalibrationMetrics::ece},
      {"max propensity", &CalibrationMetrics::max_predicted}};
  for (const auto& [name, field] : rows) {
    absl::StrAppendFormat(&out, "%-14s %s %s", name,
                          CalibrationCell(model, field, 10),
                          CalibrationCell(popularity, field, 11));
    if (serving != nullptr) {
      absl::StrAppend(&out, " ", CalibrationCell(*serving, field, 10));
    }
    absl::StrAppendFormat(&out, " %9s\n", "-");
  }
}

// The reliability table of one model, one line per bin.
void AppendReliability(const char* name, const EvaluationReport& r,
                       std::string& out) {
  if (!r.calibration.has_value()) return;
  const CalibrationMetrics& c = *r.calibration;
  absl::StrAppendFormat(
      &out, "reliability of %s (%d pairs, %d taken; equal-mass bins):\n", name,
      c.pairs, c.positives);
  absl::StrAppendFormat(&out, "  %10s %10s %10s   %s\n", "pairs", "predicted",
                        "observed", "propensities");
  for (const ReliabilityBin& bin : c.bins) {
    absl::StrAppendFormat(&out, "  %10d %10.4f %10.4f   %s .. %s\n", bin.count,
                          bin.predicted, bin.observed,
                          RoundTrip(bin.min_predicted),
                          RoundTrip(bin.max_predicted));
  }
}

// ,"brier":..,"ece":..,"bins":[...] for a report with calibration metrics.
std::string CalibrationJson(const CalibrationMetrics& c) {
  std::string out = absl::StrCat(
      ",\"brier\":", JsonNumber(c.brier), ",\"ece\":", JsonNumber(c.ece),
      ",\"max_propensity\":", RoundTrip(c.max_predicted),
      ",\"calibration_pairs\":", c.pairs,
      ",\"calibration_positives\":", c.positives, ",\"bins\":[");
  for (size_t i = 0; i < c.bins.size(); ++i) {
    const ReliabilityBin& bin = c.bins[i];
    absl::StrAppend(&out, i ? "," : "", "{\"count\":", bin.count,
                    ",\"predicted\":", RoundTrip(bin.predicted),
                    ",\"observed\":", JsonNumber(bin.observed),
                    ",\"min\":", RoundTrip(bin.min_predicted),
                    ",\"max\":", RoundTrip(bin.max_predicted), "}");
  }
  out += "]";
  return out;
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
  AppendCalibrationRows(model, popularity, serving, out);
  absl::StrAppendFormat(
      &out, "users evaluated: %d (auc over %d), items: %d, K: %d\n",
      model.num_users_evaluated, model.num_users_auc, model.num_items, model.k);
  AppendReliability("model", model, out);
  AppendReliability("popularity", popularity, out);
  if (serving != nullptr) AppendReliability("serving", *serving, out);
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
  if (report.calibration.has_value()) {
    absl::StrAppend(&out, CalibrationJson(*report.calibration));
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
