// Copyright (c) 2026 The nbo Authors. MIT License.
//
// One training run of nbo-trainer, end to end: read the bank data, build the
// interaction matrix, split, train ALS, calibrate, evaluate against the
// popularity baseline (and the version now serving, when there is one), gate,
// and publish to every target over ModelService.PublishModel. Used by the CLI
// (`nbo-trainer train`) and by TrainerService jobs.

#ifndef NBO_SERVICES_TRAINER_TRAINING_RUN_H_
#define NBO_SERVICES_TRAINER_TRAINING_RUN_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nbo::trainer {

// TLS to the servers a run publishes to: the PEM CA file their certificates
// chain to and, for mutual TLS, this trainer's certificate and key (both or
// neither). All empty: plaintext.
struct UpstreamTls {
  // PEM CA bundle the servers' certificates chain to; empty with a client
  // certificate means the system's roots.
  std::string ca_file;
  // PEM certificate chain and private key presented to the servers.
  std::string cert_file;
  std::string key_file;
};

struct TrainingSpec {
  // Directory with customers.csv (optional), products.csv, transactions.csv.
  std::string data_dir;
  // Automatic model selection (lib/training/tune_phase.h): when true, the
  // kinds and hyperparameters of training::DefaultGrid are tried on a
  // validation split carved from the training data by the same protocol,
  // the best on gate_metric is trained and evaluated, and model_kind,
  // factors, regularization, alpha and ease_lambda below are ignored
  // (iterations and cg_steps are kept). When false, those are used as
  // given. Default: true.
  bool tune = true;
  // Wall time the grid may take (see training::TuneOptions::budget).
  // Default: 3 minutes, sized for 1M customers of the santander24 catalog
  // on 2 cores.
  absl::Duration tune_budget = absl::Minutes(3);
  // The second stage (lib/training/propensity_phase.h): under the NBO
  // protocol, fit the propensity model on the validation split and publish
  // it; when false, or under another protocol, the version publishes Platt's
  // curve over the raw score. Default: true.
  bool second_stage = true;
  // The model kind with tuning off: "implicit_als" (the ALS hyperparameters
  // below) or "ease" (lib/als/ease.h: catalogs of up to 4096 products; the
  // ALS hyperparameters do not apply). Default: "implicit_als".
  std::string model_kind = "implicit_als";
  // EASE's L2 penalty with tuning off; > 0. Default: 100.
  double ease_lambda = 100;
  // ALS hyperparameters. Defaults: 8 factors, 15 iterations,
  // regularization 10, alpha 1, 3 CG steps, 2 threads, seed 42. Bank
  // catalogs are small (8-24 products): on both datagen catalogs these beat
  // popularity on MAP@7 (+7% demo8, +19% santander24, 10k customers) where
  // the usual large-catalog settings (64, 0.01, 40) lose to it (-8%). For
  // catalogs of thousands of items, raise factors and lower regularization.
  int factors = 8;
  int iterations = 15;
  double regularization = 10;
  double alpha = 1;
  int cg_steps = 3;
  int threads = 2;
  uint64_t seed = 42;
  // The evaluation protocol: "nbo" (lib/eval/nbo_split.h: candidates are
  // the products a customer does not hold at the cutoff, viewed ones
  // included; positives are those opened or purchased in the window after
  // it), the bank's question and the default for the bank's files; "time",
  // "random" or "leave_k_out" for basket data. Default: "nbo".
  std::string split = "nbo";
  // NBO protocol: days of the window after the cutoff whose opens and
  // purchases are the positives; the cutoff is this many days before the
  // end of the data. In [1, 3650]. Default: 90.
  int nbo_window_days = 90;
  // Cut-off for the metrics. Default: 7.
  int k = 7;
  // Malformed input rows tolerated before the run fails, in the bank's
  // files and, separately, in the feedback file. Default: 0.
  int64_t max_bad_rows = 0;
  // Gate: metric name (e.g. "map@7"), minimum relative lift, force.
  std::string gate_metric = "map@7";
  double min_lift = 0;
  bool force = false;
  // Where to publish ("host:port"); empty means train and evaluate only.
  std::vector<std::string> publish_to;
  // Model name on the servers; empty means the servers' default.
  std::string model_name;
  // Version to publish; 0 means one above the highest on the first target.
  int64_t version = 0;
  // Bearer token for the servers' ModelService.
  std::string admin_token;
  // TLS to the servers (services::ClientOptions). A server reached through
  // a dns:/// name is checked against that name, not its address.
  // Default: all empty (plaintext).
  UpstreamTls upstream_tls;
  // Offer answers to learn from besides data_dir's files: a feedback file
  // (`nboctl export-feedback`'s output; see data::ReadFeedback). Accepts
  // enter the matrix with a positive weight, declines with a negative one
  // (negative preference); neither is ever a held-out event the evaluation
  // counts as taken. Rows of customers or products the bank data does not
  // know are skipped and counted. Accept and decline rows of
  // transactions.csv are treated the same way.
  // Default: "" (none).
  std::string feedback_path;
};

// Progress of a run, in order. `kind` says which fields are meaningful.
struct TrainingEvent {
  enum class Kind { kPhase, kIteration, kEvaluation, kGate, kPublish };
  Kind kind = Kind::kPhase;
  // kPhase: "reading data", "training", "evaluating", "publishing", ...
  std::string phase;
  // kIteration.
  int iteration = 0;
  double loss = 0;
  double seconds = 0;
  // Any kind: a human-readable line (the evaluation table for kEvaluation,
  // the decision for kGate, "target: ok|error" for kPublish).
  std::string message;
};

struct PublishTargetResult {
  std::string target;
  bool ok = false;
  // The server's answer or the last error, after retries.
  std::string message;
};

struct TrainingOutcome {
  // Whether the gate let the model through (or --force did).
  bool passed_gate = false;
  std::string gate_reason;
  // The version published (0 when nothing was published).
  int64_t version = 0;
  std::vector<PublishTargetResult> targets;
  // The evaluation (model, popularity, serving when known), the gate
  // decision, seconds per iteration and peak memory, as one JSON object:
  // what --report_json writes.
  std::string report_json;
  double seconds_per_iteration = 0;
  int64_t peak_rss_bytes = 0;
};

// When RunTraining fails with FAILED_PRECONDITION because the gate refused,
// the status carries the run's report_json as a payload under this type URL,
// so that callers can still write or show it.
inline constexpr char kReportJsonPayloadUrl[] =
    "type.nbo.dev/nbo.trainer.ReportJson";

// The version a publish takes when the spec names none: one above `newest`,
// the newest version of the model on the first target (0 when it has none).
// FAILED_PRECONDITION when `newest` is already common::kMaxVersion (2^53) or
// above it (a server from before the bound): there is no next version, and
// counting on would overflow.
absl::StatusOr<int64_t> NextVersion(int64_t newest);

// Runs one training. `on_event` is called from the calling thread; the run
// stops with CANCELLED within one ALS iteration once `cancelled` returns
// true. INVALID_ARGUMENT / NOT_FOUND for bad specs or input (with file:line);
// FAILED_PRECONDITION when the gate refuses and force is off (the outcome is
// then not published); UNAVAILABLE when every publish target failed.
absl::StatusOr<TrainingOutcome> RunTraining(
    const TrainingSpec& spec,
    const std::function<void(const TrainingEvent&)>& on_event,
    const std::function<bool()>& cancelled);

}  // namespace nbo::trainer

#endif  // NBO_SERVICES_TRAINER_TRAINING_RUN_H_
