// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nbo-trainer: `train` runs one training (RunTraining) from flags and prints
// its progress, evaluation and gate decision; `serve` runs TrainerService.

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "lib/common/env_flags.h"
#include "services/trainer/serve.h"
#include "services/trainer/training_run.h"

namespace {
const nbo::trainer::TrainingSpec kDefaults;
}  // namespace

ABSL_FLAG(std::string, data_dir, "",
          "train: directory with products.csv, transactions.csv and "
          "(optionally) customers.csv");
ABSL_FLAG(std::vector<std::string>, publish_to, {},
          "train: comma-separated nbo-servers to publish to, HOST:PORT, or "
          "dns:///NAME:PORT for every address NAME resolves to (each pod of "
          "a headless Service); empty means train and evaluate only");
ABSL_FLAG(std::string, tune, "on",
          "on: choose the model kind and hyperparameters on a validation "
          "split (the grid in docs/evaluation.md), ignoring --model_kind, "
          "--factors, --regularization, --alpha and --ease_lambda; off: use "
          "them as given");
ABSL_FLAG(absl::Duration, tune_budget, kDefaults.tune_budget,
          "wall time the tuning grid may take (e.g. 3m, 90s)");
ABSL_FLAG(std::string, second_stage, "on",
          "on: under the nbo protocol, fit the propensity model (profile, "
          "holdings, recency, score) on the validation split and publish it; "
          "off: publish Platt's curve over the raw score");
ABSL_FLAG(std::string, model_kind, kDefaults.model_kind,
          "with --tune=off: implicit_als or ease");
ABSL_FLAG(double, ease_lambda, kDefaults.ease_lambda,
          "with --tune=off and --model_kind=ease: EASE's L2 penalty (> 0)");
ABSL_FLAG(int, factors, kDefaults.factors, "ALS factors (rank)");
ABSL_FLAG(int, iterations, kDefaults.iterations, "ALS iterations");
ABSL_FLAG(double, regularization, kDefaults.regularization,
          "ALS regularization (lambda)");
ABSL_FLAG(double, alpha, kDefaults.alpha,
          "implicit ALS confidence: c = 1 + alpha * weight");
ABSL_FLAG(int, cg_steps, kDefaults.cg_steps,
          "conjugate-gradient steps per row and half-iteration");
ABSL_FLAG(int, threads, kDefaults.threads, "training and evaluation threads");
ABSL_FLAG(uint64_t, seed, kDefaults.seed, "seed of the factors and the split");
ABSL_FLAG(std::string, split, kDefaults.split,
          "evaluation protocol: nbo (products not held at the cutoff, "
          "positives opened in the window after it; for bank data), or "
          "time, random or leave_k_out (basket data)");
ABSL_FLAG(int, nbo_window_days, kDefaults.nbo_window_days,
          "nbo protocol: days after the cutoff whose opens and purchases are "
          "the positives; the cutoff is that long before the data ends");
ABSL_FLAG(int, k, kDefaults.k, "cut-off K of the @K metrics");
ABSL_FLAG(int64_t, max_bad_rows, kDefaults.max_bad_rows,
          "malformed input rows to skip before failing");
ABSL_FLAG(std::string, gate_metric, kDefaults.gate_metric,
          "metric the publish gate compares (map@7, ndcg@7, auc, ...)");
ABSL_FLAG(double, min_lift, kDefaults.min_lift,
          "minimum relative lift over popularity and the serving version "
          "(0.05 = 5% better)");
ABSL_FLAG(bool, force, false, "publish even if the gate refuses");
ABSL_FLAG(std::string, model, "",
          "model name on the servers; empty means their default");
ABSL_FLAG(int64_t, version, 0,
          "version to publish; 0 means one above the highest on the first "
          "target");
ABSL_FLAG(std::string, feedback_path, "",
          "train: offer answers to learn from too, as `nboctl export-feedback` "
          "writes them (customer_id,product_id,event,timestamp; accept and "
          "decline rows, declines as negative preference); empty means none");
ABSL_FLAG(std::string, report_json, "",
          "file to write the evaluation, gate decision and timings to (JSON)");
// Defined in serve.cc: serve requires it, and train sends it to the servers'
// ModelService.
ABSL_DECLARE_FLAG(std::string, admin_token);

namespace {

constexpr char kUsage[] = R"(trains and publishes nbo models.

Usage:
  nbo-trainer train --data_dir=DIR [--publish_to=HOST:PORT,...]
      [--tune=on|off] [--tune_budget=3m] [--model_kind=implicit_als|ease]
      [--ease_lambda=L] [--second_stage=on|off]
      [--factors=F --iterations=I --regularization=R --alpha=A --cg_steps=S
       --threads=T --seed=S] [--split=nbo|time|random|leave_k_out]
       [--nbo_window_days=90] [--k=7]
      [--max_bad_rows=N] [--gate_metric=map@7] [--min_lift=0] [--force]
      [--model=NAME] [--version=N] [--report_json=FILE] [--admin_token=T]
      [--feedback_path=FILE]
      [--upstream_ca=CA.pem [--upstream_cert=CERT.pem --upstream_key=KEY.pem]]
    Reads the bank's CSV files (and the offer answers of --feedback_path:
    accepts as interest, declines as negative preference, never held out),
    chooses the model kind (implicit ALS or EASE) and its hyperparameters
    on a validation split (unless --tune=off), trains it on a holdout split
    (the NBO protocol by default),
    fits a Platt calibration, evaluates ranking and published propensities
    (Brier, ECE, reliability bins) against the popularity baseline and the
    version the first target serves, and when the gate lets it
    through retrains on all data and publishes to every target. Exit 0 on
    success, 1 on failure (a gate refusal without --force included), 2 on
    bad usage.

  nbo-trainer serve [flags]
    Runs TrainerService over gRPC until SIGTERM.

Every flag can also be set from the environment: --data_dir from
NBO_DATA_DIR, --publish_to from NBO_PUBLISH_TO, and so on.)";

int Usage(const std::string& message) {
  std::fprintf(stderr, "nbo-trainer: %s\nRun nbo-trainer --help for usage.\n",
               message.c_str());
  return 2;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text << "\n";
  out.close();
  return static_cast<bool>(out);
}

int Train() {
  nbo::trainer::TrainingSpec spec;
  spec.data_dir = absl::GetFlag(FLAGS_data_dir);
  if (spec.data_dir.empty()) return Usage("train needs --data_dir");
  spec.publish_to = absl::GetFlag(FLAGS_publish_to);
  const std::string tune = absl::GetFlag(FLAGS_tune);
  if (tune != "on" && tune != "off") {
    return Usage(absl::StrCat("--tune must be on or off, got '", tune, "'"));
  }
  spec.tune = tune == "on";
  spec.tune_budget = absl::GetFlag(FLAGS_tune_budget);
  const std::string second_stage = absl::GetFlag(FLAGS_second_stage);
  if (second_stage != "on" && second_stage != "off") {
    return Usage(absl::StrCat("--second_stage must be on or off, got '",
                              second_stage, "'"));
  }
  spec.second_stage = second_stage == "on";
  spec.model_kind = absl::GetFlag(FLAGS_model_kind);
  spec.ease_lambda = absl::GetFlag(FLAGS_ease_lambda);
  spec.factors = absl::GetFlag(FLAGS_factors);
  spec.iterations = absl::GetFlag(FLAGS_iterations);
  spec.regularization = absl::GetFlag(FLAGS_regularization);
  spec.alpha = absl::GetFlag(FLAGS_alpha);
  spec.cg_steps = absl::GetFlag(FLAGS_cg_steps);
  spec.threads = absl::GetFlag(FLAGS_threads);
  spec.seed = absl::GetFlag(FLAGS_seed);
  spec.split = absl::GetFlag(FLAGS_split);
  spec.nbo_window_days = absl::GetFlag(FLAGS_nbo_window_days);
  spec.k = absl::GetFlag(FLAGS_k);
  spec.max_bad_rows = absl::GetFlag(FLAGS_max_bad_rows);
  spec.gate_metric = absl::GetFlag(FLAGS_gate_metric);
  spec.min_lift = absl::GetFlag(FLAGS_min_lift);
  spec.force = absl::GetFlag(FLAGS_force);
  spec.model_name = absl::GetFlag(FLAGS_model);
  spec.version = absl::GetFlag(FLAGS_version);
  spec.admin_token = absl::GetFlag(FLAGS_admin_token);
  absl::StatusOr<nbo::trainer::UpstreamTls> upstream_tls =
      nbo::trainer::UpstreamTlsFromFlags();
  if (!upstream_tls.ok()) return Usage(upstream_tls.status().ToString());
  spec.upstream_tls = *std::move(upstream_tls);
  spec.feedback_path = absl::GetFlag(FLAGS_feedback_path);
  const std::string report_path = absl::GetFlag(FLAGS_report_json);

  const absl::Time start = absl::Now();
  auto on_event = [start](const nbo::trainer::TrainingEvent& event) {
    using Kind = nbo::trainer::TrainingEvent::Kind;
    const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
    switch (event.kind) {
      case Kind::kPhase:
        std::printf("[%7.2fs] %s%s%s\n", elapsed, event.phase.c_str(),
                    event.message.empty() ? "" : ": ", event.message.c_str());
        break;
      case Kind::kIteration:
        std::printf("[%7.2fs] %s iteration %d: loss %.6g (%.3f s)\n", elapsed,
                    event.phase.c_str(), event.iteration, event.loss,
                    event.seconds);
        break;
      case Kind::kEvaluation:
        std::printf("\n%s\n", event.message.c_str());
        break;
      case Kind::kGate:
        std::printf("gate: %s\n", event.message.c_str());
        break;
      case Kind::kPublish:
        std::printf("[%7.2fs] publish %s\n", elapsed, event.message.c_str());
        break;
    }
    std::fflush(stdout);
  };
  absl::StatusOr<nbo::trainer::TrainingOutcome> outcome =
      nbo::trainer::RunTraining(spec, on_event, nullptr);
  std::string report;
  if (outcome.ok()) {
    report = outcome->report_json;
  } else if (absl::optional<absl::Cord> payload = outcome.status().GetPayload(
                 nbo::trainer::kReportJsonPayloadUrl)) {
    report = std::string(*payload);
  }
  if (!report_path.empty() && !report.empty() &&
      !WriteFile(report_path, report)) {
    std::fprintf(stderr, "nbo-trainer: cannot write %s\n", report_path.c_str());
    return 1;
  }
  if (!outcome.ok()) {
    std::fprintf(stderr, "nbo-trainer: %s: %s\n",
                 absl::StatusCodeToString(outcome.status().code()).c_str(),
                 std::string(outcome.status().message()).c_str());
    return 1;
  }
  std::printf("seconds per iteration: %.3f, peak RSS: %.1f MiB\n",
              outcome->seconds_per_iteration,
              outcome->peak_rss_bytes / (1024.0 * 1024.0));
  if (outcome->version > 0) {
    std::printf("published version %lld:\n",
                static_cast<long long>(outcome->version));
    for (const nbo::trainer::PublishTargetResult& t : outcome->targets) {
      std::printf("  %s: %s, %s\n", t.target.c_str(), t.ok ? "ok" : "FAILED",
                  t.message.c_str());
    }
  } else {
    std::printf("not published (no --publish_to)\n");
  }
  for (const nbo::trainer::PublishTargetResult& t : outcome->targets) {
    if (!t.ok) return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  // --help lists this file's flags (absl's default looks for a file named
  // after the program).
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_help_flags = [](absl::string_view path) {
    return absl::EndsWith(path, "services/trainer/main.cc") ||
           absl::StrContains(path, "services/trainer/serve");
  };
  absl::SetFlagsUsageConfig(usage_config);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  // Debian builds Abseil without NDEBUG, which leaves absl::Mutex's debug
  // deadlock detector on: pure overhead outside the tests.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (absl::Status env = nbo::common::ApplyEnvironmentToFlags(argc, argv);
      !env.ok()) {
    return Usage(std::string(env.message()));
  }
  if (args.size() != 2) {
    return Usage(args.size() < 2 ? "missing command (train or serve)"
                                 : "expected exactly one command");
  }
  const std::string command = args[1];
  if (command == "train") return Train();
  if (command == "serve") return nbo::trainer::RunServe();
  return Usage(absl::StrCat("unknown command '", command, "'"));
}
