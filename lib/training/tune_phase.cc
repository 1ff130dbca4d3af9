// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/training/tune_phase.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "lib/common/json.h"
#include "lib/common/status_macros.h"
#include "lib/training/evaluate_phase.h"

namespace nbo::training {
using ::nbo::common::JsonNumber;
using ::nbo::common::JsonString;
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The seconds `config` is expected to take, from the trials of its kind so
// far: the last one's, scaled by factors for ALS (CG's cost per row grows
// about linearly with them at a bank's few products per customer). 0 when
// there is no trial of the kind yet (the first always runs).
double EstimateSeconds(const std::vector<TuneTrial>& done,
                       const ModelConfig& config) {
  for (auto it = done.rbegin(); it != done.rend(); ++it) {
    if (it->skipped || it->config.kind != config.kind) continue;
    if (config.kind != ModelKind::kImplicitAls) return it->seconds;
    return it->seconds * config.factors / std::max(1, it->config.factors);
  }
  return 0;
}

// Trains `config` on `matrix` and scores it on `validation` as published.
TuneTrial RunTrial(const eval::Split& validation,
                   const als::InteractionMatrix& matrix,
                   const std::vector<float>& popularity,
                   const ModelConfig& config, const TuneOptions& options,
                   absl::Status* cancelled) {
  const absl::Time start = absl::Now();
  TuneTrial trial;
  trial.config = config;
  trial.metric = kNaN;
  TrainOptions train = options.train;
  train.progress = nullptr;
  absl::StatusOr<TrainedModel> model = TrainModel(matrix, config, train);
  trial.train_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (!model.ok()) {
    if (absl::IsCancelled(model.status())) *cancelled = model.status();
    trial.error = std::string(model.status().message());
    trial.seconds = trial.train_seconds;
    return trial;
  }
  PublishedScoring scoring;
  scoring.personalized = [&](int32_t user) {
    return HasPreference(matrix.by_user(), user);
  };
  scoring.personal = [&](int32_t user, absl::Span<float> scores) {
    ScoreWithFactors(*model, user, scores);
  };
  scoring.popularity = popularity;
  const Contender contender = AsContender(scoring);
  absl::StatusOr<eval::EvaluationReport> report =
      eval::Evaluate(validation, contender.score, options.evaluation);
  absl::StatusOr<double> value =
      report.ok() ? report->Metric(options.metric) : report.status();
  if (value.ok()) {
    trial.metric = *value;
  } else {
    trial.error = std::string(value.status().message());
  }
  trial.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return trial;
}

// The metric of ranking every customer by `popularity`; NaN on failure.
double PopularityMetric(const eval::Split& validation,
                        const std::vector<float>& popularity,
                        const TuneOptions& options) {
  const eval::ScoreFn score = [&popularity](int32_t, absl::Span<float> out) {
    std::copy_n(popularity.begin(), std::min(popularity.size(), out.size()),
                out.begin());
  };
  absl::StatusOr<eval::EvaluationReport> report =
      eval::Evaluate(validation, score, options.evaluation);
  if (!report.ok()) return kNaN;
  return report->Metric(options.metric).value_or(kNaN);
}

}  // namespace

std::vector<ModelConfig> DefaultGrid(const ModelConfig& base,
                                     int32_t num_items) {
  std::vector<ModelConfig> grid;
  if (num_items <= kMaxEaseProducts) {
    for (double lambda : {1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6}) {
      ModelConfig config = base;
      config.kind = ModelKind::kEase;
      config.ease_lambda = lambda;
      grid.push_back(config);
    }
  }
  // {factors, regularization, alpha}, most promising first (see the
  // header): a budget that runs out cuts the least likely winners.
  constexpr struct {
    int factors;
    double regularization;
    double alpha;
  } kAls[] = {
      {8, 10, 1},  {8, 100, 1},  {32, 100, 1},  {16, 100, 1},  {32, 10, 1},
      {16, 10, 1}, {8, 100, 10}, {16, 100, 10}, {32, 100, 10}, {8, 1, 1},
      {16, 1, 1},  {32, 1, 1},   {8, 10, 10},   {16, 10, 10},  {32, 10, 10},
      {8, 1, 10},  {16, 1, 10},  {32, 1, 10},
  };
  for (const auto& setting : kAls) {
    ModelConfig als = base;
    als.kind = ModelKind::kImplicitAls;
    als.factors = setting.factors;
    als.regularization = setting.regularization;
    als.alpha = setting.alpha;
    grid.push_back(als);
  }
  return grid;
}

absl::StatusOr<TuneResult> Tune(const eval::Split& validation,
                                const als::InteractionMatrix& matrix,
                                const std::vector<float>& popularity,
                                absl::Span<const ModelConfig> grid,
                                const TuneOptions& options) {
  if (grid.empty()) return absl::InvalidArgumentError("tune: empty grid");
  eval::EvaluationReport names;
  names.k = options.evaluation.k;
  NBO_RETURN_IF_ERROR(names.Metric(options.metric).status());
  const absl::Time start = absl::Now();
  TuneResult result;
  result.popularity_metric = PopularityMetric(validation, popularity, options);
  for (const ModelConfig& config : grid) {
    const double left =
        absl::ToDoubleSeconds(options.budget - (absl::Now() - start));
    TuneTrial trial;
    const double estimate = EstimateSeconds(result.trials, config);
    if (estimate > 0 && estimate > left) {
      trial.config = config;
      trial.metric = kNaN;
      trial.skipped = true;
      trial.error = "over budget";
    } else {
      absl::Status cancelled;
      trial =
          RunTrial(validation, matrix, popularity, config, options, &cancelled);
      if (!cancelled.ok()) return cancelled;
    }
    if (options.on_trial) options.on_trial(trial);
    result.trials.push_back(std::move(trial));
  }
  for (size_t i = 0; i < result.trials.size(); ++i) {
    const double value = result.trials[i].metric;
    if (std::isnan(value)) continue;
    if (result.best < 0 || value > result.trials[result.best].metric) {
      result.best = static_cast<int>(i);
    }
  }
  result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (result.best < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("tune: no configuration could be trained and scored; ",
                     result.trials.front().config.Describe(), ": ",
                     result.trials.front().error));
  }
  return result;
}

std::string FormatTuningTable(const TuneResult& result,
                              absl::string_view metric) {
  std::string table =
      absl::StrFormat("%-50s %10s %9s\n", "configuration", metric, "seconds");
  for (size_t i = 0; i < result.trials.size(); ++i) {
    const TuneTrial& t = result.trials[i];
    const std::string value =
        std::isnan(t.metric) ? t.error : absl::StrFormat("%.4f", t.metric);
    absl::StrAppend(
        &table,
        absl::StrFormat(
            "%-50s %10s %9.2f%s\n", t.config.Describe(), value, t.seconds,
            static_cast<int>(i) == result.best ? "  <- chosen" : ""));
  }
  absl::StrAppend(&table,
                  absl::StrFormat("%-50s %10.4f\n", "popularity (baseline)",
                                  result.popularity_metric));
  absl::StrAppend(&table,
                  absl::StrFormat("%d configurations in %.1f s\n",
                                  result.trials.size(), result.seconds));
  return table;
}

std::string TuningToJson(const TuneResult& result, absl::string_view metric) {
  std::string json = absl::StrCat(
      "{\"metric\":", JsonString(metric), ",\"best\":", result.best,
      ",\"seconds\":", JsonNumber(result.seconds), ",\"popularity\":",
      std::isnan(result.popularity_metric)
          ? "null"
          : JsonNumber(result.popularity_metric),
      ",\"trials\":[");
  for (size_t i = 0; i < result.trials.size(); ++i) {
    const TuneTrial& t = result.trials[i];
    absl::StrAppend(
        &json, i ? "," : "",
        "{\"kind\":", JsonString(ModelKindName(t.config.kind)),
        ",\"config\":", JsonString(t.config.Describe()),
        ",\"value\":", std::isnan(t.metric) ? "null" : JsonNumber(t.metric),
        ",\"seconds\":", JsonNumber(t.seconds),
        ",\"skipped\":", t.skipped ? "true" : "false");
    if (!t.error.empty()) {
      absl::StrAppend(&json, ",\"error\":", JsonString(t.error));
    }
    absl::StrAppend(&json, "}");
  }
  absl::StrAppend(&json, "]}");
  return json;
}

}  // namespace nbo::training
