// Copyright (c) 2026 The nbo Authors. MIT License.
//
// RunTraining: the phases of one run, in order. Each phase is a function of
// the previous phases' results; the serving version is fetched over
// ModelService.ExportModel, and the result is streamed to every target over
// ModelService.PublishModel, in the format nboctl publish uses.

#include "services/trainer/training_run.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "lib/als/als.h"
#include "lib/als/interaction_matrix.h"
#include "lib/common/api_limits.h"
#include "lib/common/json.h"
#include "lib/common/status_macros.h"
#include "lib/data/bank_data.h"
#include "lib/eval/calibration_sample.h"
#include "lib/eval/evaluator.h"
#include "lib/eval/platt_scaling.h"
#include "lib/eval/popularity.h"
#include "lib/eval/propensity_features.h"
#include "lib/eval/publish_gate.h"
#include "lib/eval/report_format.h"
#include "lib/eval/split.h"
#include "lib/model/propensity_model.h"
#include "lib/serving/propensity_proto.h"
#include "lib/training/calibrate_phase.h"
#include "lib/training/evaluate_phase.h"
#include "lib/training/propensity_phase.h"
#include "lib/training/read_phase.h"
#include "lib/training/split_phase.h"
#include "lib/training/train_phase.h"
#include "lib/training/tune_phase.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "services/common/catalog_proto.h"
#include "services/common/client_channel.h"
#include "services/common/grpc_status.h"
#include "services/common/model_stream_client.h"
#include "services/common/resolve_targets.h"

namespace nbo::trainer {
namespace {

constexpr char kTrainerVersion[] = "nbo-trainer 0.1.0";
// Rows per FactorChunk: at most 1024, and at most 2 MiB of floats, so that
// a chunk stays under the server's 4 MiB limit at any rank (an EASE rank
// is its catalog, up to 4096).
int ChunkRows(int rank) { return std::clamp((512 << 10) / rank, 1, 1024); }
// Attempts per publish target, and the first backoff (doubled each time).
constexpr int kPublishAttempts = 4;
constexpr absl::Duration kFirstBackoff = absl::Milliseconds(500);
// Deadlines of the RPCs to the servers.
constexpr absl::Duration kStatusDeadline = absl::Seconds(10);
constexpr absl::Duration kTransferDeadline = absl::Minutes(10);

using Emit = std::function<void(const TrainingEvent&)>;

void EmitPhase(const Emit& emit, const std::string& phase,
               std::string message = "") {
  TrainingEvent event;
  event.kind = TrainingEvent::Kind::kPhase;
  event.phase = phase;
  event.message = std::move(message);
  emit(event);
}

absl::Status CheckCancelled(const std::function<bool()>& cancelled) {
  if (cancelled && cancelled()) {
    return absl::CancelledError("training run cancelled");
  }
  return absl::OkStatus();
}

// A ModelService stub for `target`, with the spec's admin token on every
// call and its TLS files; over TLS the server's certificate is checked
// against `authority` when it is set (the dns:/// name an address came
// from).
absl::StatusOr<std::unique_ptr<v1::ModelService::Stub>> ModelStub(
    const TrainingSpec& spec, const std::string& target,
    const std::string& authority = "") {
  services::ClientOptions options;
  options.target = target;
  options.bearer_token = spec.admin_token;
  options.ca_file = spec.upstream_tls.ca_file;
  options.cert_file = spec.upstream_tls.cert_file;
  options.key_file = spec.upstream_tls.key_file;
  // The name only matters to TLS; a plaintext channel refuses one.
  if (!options.ca_file.empty() || !options.cert_file.empty()) {
    options.authority_override = authority;
  }
  NBO_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                       services::MakeChannel(options));
  return v1::ModelService::NewStub(channel);
}

// `status` with "<target>: <what>: " before its message.
absl::Status WithContext(const absl::Status& status, const std::string& target,
                         const std::string& what) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(target, ": ", what, ": ", status.message()));
}

// VmHWM of this process, in bytes; 0 when /proc is not there.
int64_t PeakRssBytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::atoll(line.c_str() + 6) * 1024;
    }
  }
  return 0;
}

using ::nbo::common::JsonNumber;
using ::nbo::common::JsonString;

absl::Status ValidateSpec(const TrainingSpec& spec) {
  if (spec.data_dir.empty()) {
    return absl::InvalidArgumentError("no data directory (--data_dir)");
  }
  if (spec.tune_budget < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tune_budget must be >= 0, got ",
                     absl::FormatDuration(spec.tune_budget)));
  }
  if (!(spec.ease_lambda > 0) || !std::isfinite(spec.ease_lambda)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ease_lambda must be a finite number > 0, got ", spec.ease_lambda));
  }
  NBO_RETURN_IF_ERROR(training::ParseModelKind(spec.model_kind).status());
  if (spec.factors < 1 || spec.factors > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("factors must be in [1, 1024], got ", spec.factors));
  }
  if (spec.iterations < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("iterations must be >= 1, got ", spec.iterations));
  }
  if (spec.k < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("k must be >= 1, got ", spec.k));
  }
  if (spec.nbo_window_days < 1 || spec.nbo_window_days > 3650) {
    return absl::InvalidArgumentError(absl::StrCat(
        "nbo_window_days must be in [1, 3650], got ", spec.nbo_window_days));
  }
  if (spec.max_bad_rows < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_bad_rows must be >= 0, got ", spec.max_bad_rows));
  }
  if (spec.version < 0 || spec.version > common::kMaxVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat("version must be in [0, 2^53 = ", common::kMaxVersion,
                     "], got ", spec.version));
  }
  for (const std::string& target : spec.publish_to) {
    if (target.empty()) {
      return absl::InvalidArgumentError("empty publish target");
    }
  }
  return absl::OkStatus();
}

// What the first publish target serves now.
struct ServingInfo {
  // Highest version of the model in any state; 0 when none.
  int64_t max_version = 0;
  // Highest AVAILABLE version; 0 when none.
  int64_t serving_version = 0;
  // The serving version's "data_max_time" label (set by nbo-trainer), empty
  // when it has none (e.g. imported from Spark).
  std::string serving_data_max_time;
};

absl::StatusOr<ServingInfo> QueryServing(const TrainingSpec& spec) {
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<v1::ModelService::Stub> stub,
                       ModelStub(spec, spec.publish_to.front()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kStatusDeadline));
  v1::GetModelStatusRequest request;
  request.set_model_name(spec.model_name);
  v1::GetModelStatusResponse response;
  const absl::Status status = services::FromGrpcStatus(
      stub->GetModelStatus(&context, request, &response));
  ServingInfo info;
  if (absl::IsNotFound(status)) return info;
  NBO_RETURN_IF_ERROR(
      WithContext(status, spec.publish_to.front(), "GetModelStatus"));
  for (const v1::VersionStatus& version : response.model().versions()) {
    info.max_version = std::max(info.max_version, version.version());
    if (version.state() == v1::VERSION_STATE_AVAILABLE &&
        version.version() > info.serving_version) {
      info.serving_version = version.version();
      auto it = version.metadata().labels().find("data_max_time");
      info.serving_data_max_time =
          it == version.metadata().labels().end() ? "" : it->second;
    }
  }
  return info;
}

// A version exported from a server, mapped onto this run's indices.
struct ServingModel {
  int rank = 0;
  // item_factors[p]: empty when the version does not know product p.
  std::vector<std::vector<float>> item_factors;
  // customer_factors[u]: empty when the version does not know customer u.
  std::vector<std::vector<float>> customer_factors;
  // Per product; the version's popularity, or our train popularity when it
  // carries none.
  std::vector<float> popularity;
  // The version's Platt curve (both 0: none).
  double calibration_a = 0;
  double calibration_b = 0;
  // The version's second stage, when it has one: then its propensities, and
  // the ranking the server answers with, are that model's.
  std::optional<v1::PropensityModel> propensity;
};

absl::StatusOr<ServingModel> ExportServing(
    const TrainingSpec& spec, int64_t version, const data::BankData& data,
    const std::vector<float>& train_popularity) {
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<v1::ModelService::Stub> stub,
                       ModelStub(spec, spec.publish_to.front()));
  v1::ExportModelRequest request;
  request.set_model_name(spec.model_name);
  request.set_version(version);
  services::StreamCallOptions call_options;
  call_options.timeout = kTransferDeadline;

  absl::flat_hash_map<std::string, int32_t> product_index;
  for (size_t p = 0; p < data.products.size(); ++p) {
    product_index[data.products[p].product_id] = static_cast<int32_t>(p);
  }
  absl::flat_hash_map<std::string, int32_t> customer_index;
  for (size_t u = 0; u < data.customer_ids.size(); ++u) {
    customer_index[data.customer_ids[u]] = static_cast<int32_t>(u);
  }
  ServingModel model;
  model.item_factors.resize(data.products.size());
  model.customer_factors.resize(data.customer_ids.size());
  model.popularity.assign(data.products.size(),
                          std::numeric_limits<float>::quiet_NaN());
  auto take = [&](v1::PublishModelRequest& part) {
    if (part.has_header()) {
      model.rank = part.header().rank();
      model.calibration_a = part.header().metadata().calibration_a();
      model.calibration_b = part.header().metadata().calibration_b();
      if (part.header().metadata().has_propensity()) {
        model.propensity = part.header().metadata().propensity();
      }
      for (const auto& [id, value] : part.header().popularity()) {
        auto it = product_index.find(id);
        if (it != product_index.end()) {
          model.popularity[it->second] = static_cast<float>(value);
        }
      }
    } else if (part.has_item_factors()) {
      for (const v1::FactorRow& row : part.item_factors().rows()) {
        auto it = product_index.find(row.id());
        if (it == product_index.end()) continue;
        model.item_factors[it->second].assign(row.values().begin(),
                                              row.values().end());
      }
    } else if (part.has_customer_factors()) {
      for (const v1::FactorRow& row : part.customer_factors().rows()) {
        auto it = customer_index.find(row.id());
        if (it == customer_index.end()) continue;
        model.customer_factors[it->second].assign(row.values().begin(),
                                                  row.values().end());
      }
    }
    return absl::OkStatus();
  };
  NBO_RETURN_IF_ERROR(WithContext(
      services::ExportModel(*stub, request, call_options, take),
      spec.publish_to.front(), absl::StrCat("ExportModel version ", version)));
  // A version without popularity is scored, for customers it lacks, by ours
  // (shares of customers): the closest thing to what the server would fall
  // back to.
  const bool has_popularity =
      std::none_of(model.popularity.begin(), model.popularity.end(),
                   [](float value) { return std::isnan(value); });
  if (!has_popularity) {
    for (size_t p = 0; p < model.popularity.size(); ++p) {
      model.popularity[p] = train_popularity[p];
    }
  }
  return model;
}

// Streams one publish to `target`. The server's answer, or why it failed.
absl::StatusOr<v1::PublishModelResponse> PublishOnce(
    const std::string& target, const std::string& authority,
    const TrainingSpec& spec, const v1::PublishModelRequest& header,
    const als::FactorMatrix& items, const als::FactorMatrix& customers,
    const data::BankData& data,
    const std::vector<int32_t>& published_customers) {
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<v1::ModelService::Stub> stub,
                       ModelStub(spec, target, authority));
  services::StreamCallOptions call_options;
  call_options.timeout = kTransferDeadline;
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<services::PublishStream> stream,
                       services::PublishStream::Start(*stub, call_options));
  NBO_RETURN_IF_ERROR(stream->Write(header));
  const int rank = static_cast<int>(items.cols());
  const int chunk_rows = ChunkRows(rank);
  for (int64_t begin = 0; begin < items.rows(); begin += chunk_rows) {
    v1::PublishModelRequest request;
    auto* rows = request.mutable_item_factors()->mutable_rows();
    for (int64_t p = begin;
         p < std::min<int64_t>(items.rows(), begin + chunk_rows); ++p) {
      v1::FactorRow* row = rows->Add();
      row->set_id(data.products[p].product_id);
      row->mutable_values()->Add(items.row(p).data(),
                                 items.row(p).data() + rank);
    }
    NBO_RETURN_IF_ERROR(stream->Write(request));
  }
  for (size_t begin = 0; begin < published_customers.size();
       begin += chunk_rows) {
    v1::PublishModelRequest request;
    auto* rows = request.mutable_customer_factors()->mutable_rows();
    const size_t end = std::min(published_customers.size(), begin + chunk_rows);
    for (size_t i = begin; i < end; ++i) {
      const int32_t u = published_customers[i];
      v1::FactorRow* row = rows->Add();
      row->set_id(data.customer_ids[u]);
      row->mutable_values()->Add(customers.row(u).data(),
                                 customers.row(u).data() + rank);
    }
    NBO_RETURN_IF_ERROR(stream->Write(request));
  }
  v1::PublishModelRequest commit;
  commit.mutable_commit()->set_expected_product_count(items.rows());
  commit.mutable_commit()->set_expected_customer_count(
      static_cast<int64_t>(published_customers.size()));
  NBO_RETURN_IF_ERROR(stream->Write(commit));
  NBO_ASSIGN_OR_RETURN(v1::PublishModelResponse response, stream->Finish());
  if (response.state() != v1::VERSION_STATE_AVAILABLE) {
    // The version exists now, FAILED: retrying it would only collide.
    return absl::FailedPreconditionError(
        absl::StrCat("version ", response.version(), " ended in state ",
                     v1::VersionState_Name(response.state())));
  }
  return response;
}

bool Retryable(absl::StatusCode code) {
  return code == absl::StatusCode::kUnavailable ||
         code == absl::StatusCode::kDeadlineExceeded ||
         code == absl::StatusCode::kResourceExhausted ||
         code == absl::StatusCode::kAborted ||
         code == absl::StatusCode::kInternal ||
         code == absl::StatusCode::kUnknown;
}

// training::FitPlatt, saying what it fitted through `emit`.
training::PlattFit FitPlatt(const eval::Split& split,
                            const als::CsrMatrix& by_user,
                            const training::TrainedModel& model,
                            const Emit& emit) {
  training::PlattFit fit = training::FitPlatt(split, by_user, model);
  EmitPhase(emit, "calibrating",
            fit.error.empty()
                ? absl::StrFormat("Platt a=%.6g b=%.6g on %d pairs", fit.a,
                                  fit.b, fit.samples)
                : absl::StrCat("no calibration: ", fit.error));
  return fit;
}

// Each product's share of the customers in `split`: the popularity a
// published version carries and serves to customers it has no vector for.
std::vector<float> PopularityShares(const eval::PopularityScorer& popularity,
                                    int32_t num_users) {
  std::vector<float> shares(popularity.num_items(), 0.0f);
  for (int32_t p = 0; p < popularity.num_items(); ++p) {
    shares[p] =
        num_users > 0
            ? static_cast<float>(static_cast<double>(popularity.counts()[p]) /
                                 num_users)
            : 0.0f;
  }
  return shares;
}

// The publish target's version plan.
struct PublishPlan {
  ServingInfo serving;
  // The version to publish (0 when nothing will be published).
  int64_t version = 0;
};

// Asks the first target what it serves and picks the version to publish:
// the spec's, or one above the newest. UNAVAILABLE when the target cannot
// be asked and the spec names no version; the errors of NextVersion.
absl::StatusOr<PublishPlan> PlanPublish(const TrainingSpec& spec,
                                        const Emit& emit) {
  PublishPlan plan;
  plan.version = spec.version;
  if (spec.publish_to.empty()) return plan;
  EmitPhase(emit, "querying serving version", spec.publish_to.front());
  absl::StatusOr<ServingInfo> info = QueryServing(spec);
  if (!info.ok()) {
    if (spec.version == 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot choose a version: ", info.status().message()));
    }
    EmitPhase(emit, "querying serving version",
              absl::StrCat("no comparison with the serving version: ",
                           info.status().message()));
  } else {
    plan.serving = *info;
  }
  if (plan.version == 0) {
    // Chosen now, so that a model at the version bound fails the run before
    // minutes of training.
    absl::StatusOr<int64_t> next = NextVersion(plan.serving.max_version);
    if (!next.ok()) {
      return absl::Status(
          next.status().code(),
          absl::StrCat(spec.publish_to.front(), ": ", next.status().message()));
    }
    plan.version = *next;
  }
  return plan;
}

// The spec's own model: its kind and hyperparameters.
absl::StatusOr<training::ModelConfig> ConfigFromSpec(const TrainingSpec& spec) {
  training::ModelConfig config;
  NBO_ASSIGN_OR_RETURN(config.kind, training::ParseModelKind(spec.model_kind));
  config.factors = spec.factors;
  config.iterations = spec.iterations;
  config.regularization = spec.regularization;
  config.alpha = spec.alpha;
  config.cg_steps = spec.cg_steps;
  config.ease_lambda = spec.ease_lambda;
  return config;
}

// The model a run trains, and how it was chosen.
struct ModelChoice {
  training::ModelConfig config;
  // Set when the grid was tried.
  std::optional<training::TuneResult> tuning;
  // Why tuning did not run although it was on; empty otherwise.
  std::string tuning_skipped;
};

// The validation split (training::ValidationSplit) and what its models
// learn from: what tuning and the second stage are fitted on.
struct Validation {
  std::optional<eval::Split> split;
  std::optional<als::InteractionMatrix> matrix;
  // Why there is none (the data is shorter than two windows...); empty
  // when there is one.
  std::string unavailable;
};

// The validation split when tuning is on or the second stage will be fitted
// (NBO protocol), else none; none either, saying why, when it cannot be
// carved or has no positive. The errors of building its matrix.
absl::StatusOr<Validation> MakeValidation(
    const TrainingSpec& spec, const training::TrainingData& input,
    const eval::Split& split, const eval::SplitOptions& split_options,
    const std::vector<eval::Interaction>& train_feedback) {
  Validation validation;
  const bool second_stage =
      spec.second_stage && split_options.kind == eval::SplitKind::kNbo;
  if (!spec.tune && !second_stage) return validation;
  absl::StatusOr<eval::Split> carved =
      training::ValidationSplit(input.inputs, split, split_options);
  if (!carved.ok()) {
    validation.unavailable =
        absl::StrCat("no validation split: ", carved.status().message());
    return validation;
  }
  // A window in which nobody took anything has nothing to choose or fit
  // on: the run goes on with the spec's model and Platt's curve.
  if (std::all_of(
          carved->test.begin(), carved->test.end(),
          [](const std::vector<int32_t>& items) { return items.empty(); })) {
    validation.unavailable =
        "no validation split: nobody took a product in its window";
    return validation;
  }
  const std::vector<eval::Interaction> feedback =
      training::FeedbackBeforeHoldout(train_feedback, *carved,
                                      split_options.kind);
  NBO_ASSIGN_OR_RETURN(
      als::InteractionMatrix matrix,
      training::BuildInteractionMatrix(carved->num_users, carved->num_items,
                                       carved->train, feedback));
  validation.split = *std::move(carved);
  validation.matrix = std::move(matrix);
  return validation;
}

// With tuning off, the spec's model. With it on, the best of
// training::DefaultGrid on the validation split (training::Tune); without
// a validation split, the spec's model, saying why. The errors of
// ConfigFromSpec and training::Tune.
absl::StatusOr<ModelChoice> ChooseModel(
    const TrainingSpec& spec, const Validation& validation, const Emit& emit,
    const std::function<bool()>& cancelled) {
  ModelChoice choice;
  NBO_ASSIGN_OR_RETURN(choice.config, ConfigFromSpec(spec));
  if (!spec.tune) return choice;
  if (!validation.split.has_value()) {
    choice.tuning_skipped = validation.unavailable;
    EmitPhase(emit, "tuning",
              absl::StrCat(choice.tuning_skipped, "; training ",
                           choice.config.Describe()));
    return choice;
  }
  const eval::Split& split = *validation.split;
  NBO_ASSIGN_OR_RETURN(const eval::PopularityScorer popularity,
                       eval::PopularityScorer::Create(split));
  const std::vector<training::ModelConfig> grid =
      training::DefaultGrid(choice.config, split.num_items);
  EmitPhase(emit, "tuning",
            absl::StrFormat("%d configurations on the validation split "
                            "(%d train interactions), budget %s",
                            grid.size(), split.train.size(),
                            absl::FormatDuration(spec.tune_budget)));
  training::TuneOptions options;
  options.metric = spec.gate_metric;
  options.budget = spec.tune_budget;
  options.evaluation.k = spec.k;
  options.evaluation.num_threads = std::max(1, spec.threads);
  options.train.threads = spec.threads;
  options.train.seed = spec.seed;
  options.train.cancelled = cancelled;
  options.on_trial = [&emit, &spec](const training::TuneTrial& trial) {
    EmitPhase(emit, "tuning",
              absl::StrFormat("%s: %s, %.2f s", trial.config.Describe(),
                              std::isnan(trial.metric)
                                  ? trial.error
                                  : absl::StrFormat("%s %.4f", spec.gate_metric,
                                                    trial.metric),
                              trial.seconds));
  };
  NBO_ASSIGN_OR_RETURN(
      training::TuneResult tuning,
      training::Tune(split, *validation.matrix,
                     PopularityShares(popularity, split.num_users), grid,
                     options));
  TrainingEvent table;
  table.kind = TrainingEvent::Kind::kEvaluation;
  table.phase = "tuning";
  table.message = training::FormatTuningTable(tuning, spec.gate_metric);
  emit(table);
  choice.config = tuning.trials[tuning.best].config;
  choice.tuning = std::move(tuning);
  return choice;
}

// The second stage of `config`, fitted on the validation split (NBO
// protocol only): `config` is trained on the validation split's train part
// and the stage on its outcomes. Without it (turned off, another protocol,
// no validation split, outcomes of one class) the version publishes Platt's
// curve, and `*skipped` says why. The errors of training, and of the fit
// other than FAILED_PRECONDITION.
absl::StatusOr<std::optional<training::SecondStage>> FitStage(
    const TrainingSpec& spec, const training::TrainingData& input,
    eval::SplitKind split_kind, const Validation& validation,
    const training::ModelConfig& config, const Emit& emit,
    const std::function<bool()>& cancelled, std::string* skipped) {
  if (!spec.second_stage) {
    *skipped = "turned off (--second_stage=off)";
    return std::nullopt;
  }
  if (split_kind != eval::SplitKind::kNbo) {
    *skipped = "the second stage needs the nbo protocol's candidates";
    return std::nullopt;
  }
  if (!validation.split.has_value()) {
    *skipped = validation.unavailable;
    EmitPhase(emit, "second stage", absl::StrCat("none: ", *skipped));
    return std::nullopt;
  }
  EmitPhase(
      emit, "second stage",
      absl::StrCat("training ", config.Describe(), " on the validation split"));
  training::TrainOptions train;
  train.threads = spec.threads;
  train.seed = spec.seed;
  train.cancelled = cancelled;
  NBO_ASSIGN_OR_RETURN(const training::TrainedModel model,
                       training::TrainModel(*validation.matrix, config, train));
  absl::StatusOr<training::SecondStage> stage = training::FitSecondStage(
      input.bank, *validation.split, model, validation.matrix->by_user(), {});
  // One class only is the data's doing; anything else (a score that is not
  // finite, an index out of range) is a bug the run must not hide.
  if (!stage.ok() && !absl::IsFailedPrecondition(stage.status())) {
    return stage.status();
  }
  if (!stage.ok()) {
    *skipped = std::string(stage.status().message());
    EmitPhase(emit, "second stage", absl::StrCat("none: ", *skipped));
    return std::nullopt;
  }
  EmitPhase(emit, "second stage",
            absl::StrFormat("logistic propensity on %d validation pairs (%d "
                            "taken)",
                            stage->examples, stage->positives));
  return std::optional<training::SecondStage>(*std::move(stage));
}

// Iteration events of one training, for `config`'s iterations.
std::function<void(const als::IterationStats&)> IterationProgress(
    const Emit& emit, const std::string& phase,
    const training::ModelConfig& config) {
  const int iterations = config.iterations;
  return [&emit, phase, iterations](const als::IterationStats& stats) {
    TrainingEvent event;
    event.kind = TrainingEvent::Kind::kIteration;
    event.phase = phase;
    event.iteration = stats.iteration;
    event.loss = stats.loss;
    event.seconds = stats.seconds;
    event.message =
        absl::StrFormat("%s iteration %d/%d: loss %.6g, %.3f s", phase,
                        stats.iteration, iterations, stats.loss, stats.seconds);
    emit(event);
  };
}

double SecondsPerIteration(const training::TrainedModel& model) {
  return model.history.empty() ? 0 : model.seconds / model.history.size();
}

// The version now serving, as a contender of the evaluation, when it may be
// compared.
struct ServingComparison {
  bool available = false;
  // Why a serving version is not compared; empty when it is, or when there
  // is none, or when exporting it failed (that is only reported).
  std::string skipped;
  training::PublishedScoring scoring;
  // The exported version (set when available).
  std::shared_ptr<const ServingModel> model;
};

// The serving version `serving` as it answers with its second stage, on the
// customers of `features` (at the test cutoff): the contender the gate must
// compare with, since ranking it by raw scores would understate it. Nullopt,
// with `*why_not`, when its stage cannot be rebuilt against this run's data
// (a product this catalog lacks, other customers.csv attributes).
std::optional<training::Contender> StagedServing(
    std::shared_ptr<const ServingModel> serving,
    const eval::PropensityFeatures& features, const data::BankData& data,
    std::string* why_not) {
  std::vector<std::string> ids;
  for (const data::Product& product : data.products) {
    ids.push_back(product.product_id);
  }
  absl::StatusOr<model::PropensityModel> rebuilt =
      serving::PropensityFromProto(*serving->propensity, ids);
  if (!rebuilt.ok()) {
    *why_not = absl::StrCat("its second stage does not fit this data: ",
                            rebuilt.status().message());
    return std::nullopt;
  }
  const auto& theirs = rebuilt->params().attributes;
  const auto& ours = features.schema().attributes;
  bool same = theirs.size() == ours.size();
  for (size_t a = 0; same && a < ours.size(); ++a) {
    same = theirs[a].name == ours[a].name;
  }
  if (!same) {
    *why_not = "its second stage reads other customers.csv attributes";
    return std::nullopt;
  }
  auto stage =
      std::make_shared<const model::PropensityModel>(*std::move(rebuilt));
  std::vector<int32_t> rows;
  for (const std::string& id : ids) rows.push_back(stage->ProductRow(id));
  // -1 for a product that version does not know: never offered by it.
  auto propensity = [stage, serving, &features, rows](int32_t user,
                                                      absl::Span<double> out) {
    const model::CustomerCode customer =
        stage->EncodeCustomer(features.Customer(user));
    const std::vector<float>& x = serving->customer_factors[user];
    for (size_t p = 0; p < out.size(); ++p) {
      const std::vector<float>& y = serving->item_factors[p];
      if (rows[p] < 0) {
        out[p] = -1;
        continue;
      }
      const bool has_score = !x.empty() && y.size() == x.size();
      float dot = 0;
      for (size_t f = 0; has_score && f < x.size(); ++f) dot += x[f] * y[f];
      out[p] = stage->Propensity(
          rows[p], customer,
          features.Pair(user, static_cast<int32_t>(p), has_score, dot));
    }
  };
  training::Contender contender;
  contender.propensity = [propensity](int32_t user, absl::Span<double> out) {
    propensity(user, out);
    for (double& p : out) p = std::max(p, 0.0);
  };
  contender.score = [propensity](int32_t user, absl::Span<float> scores) {
    std::vector<double> p(scores.size());
    propensity(user, absl::MakeSpan(p));
    for (size_t i = 0; i < p.size(); ++i) {
      scores[i] = static_cast<float>(p[i]);
    }
  };
  return contender;
}

// Fetches the serving version of `info` and scores it as the server does.
// A serving version trained on events of the holdout has seen the answers:
// it would score near-perfectly and block every new model. It is compared
// only when its data ended before the holdout begins (or when it does not
// say when its data ended). Never fails: what goes wrong is emitted, and
// the run goes on without the comparison.
ServingComparison CompareServing(const TrainingSpec& spec,
                                 const ServingInfo& info,
                                 const eval::Split& split,
                                 const data::BankData& data,
                                 const std::vector<float>& shares,
                                 int64_t min_time, const Emit& emit) {
  ServingComparison comparison;
  if (info.serving_version <= 0) return comparison;
  if (!info.serving_data_max_time.empty()) {
    const int64_t holdout_start =
        split.cutoff_unix_seconds > 0 ? split.cutoff_unix_seconds : min_time;
    absl::StatusOr<int64_t> serving_end =
        data::ParseTimestamp(info.serving_data_max_time);
    if (serving_end.ok() && *serving_end >= holdout_start) {
      comparison.skipped = absl::StrFormat(
          "version %d was trained on data up to %s, inside the holdout "
          "(from %s): not compared",
          info.serving_version, info.serving_data_max_time,
          data::FormatTimestamp(holdout_start));
      EmitPhase(emit, "evaluating serving version", comparison.skipped);
      return comparison;
    }
  }
  EmitPhase(
      emit, "evaluating serving version",
      absl::StrCat(spec.publish_to.front(), " version ", info.serving_version));
  absl::StatusOr<ServingModel> exported =
      ExportServing(spec, info.serving_version, data, shares);
  if (!exported.ok()) {
    EmitPhase(emit, "evaluating serving version",
              absl::StrCat("skipped: ", exported.status().ToString()));
    return comparison;
  }
  auto model = std::make_shared<const ServingModel>(*std::move(exported));
  comparison.available = true;
  comparison.model = model;
  comparison.scoring.personalized = [model](int32_t user) {
    return !model->customer_factors[user].empty();
  };
  // A product the version does not know is never offered by it.
  comparison.scoring.personal = [model](int32_t user,
                                        absl::Span<float> scores) {
    const std::vector<float>& x = model->customer_factors[user];
    for (size_t p = 0; p < scores.size(); ++p) {
      const std::vector<float>& y = model->item_factors[p];
      if (y.size() != x.size()) {
        scores[p] = std::numeric_limits<float>::lowest();
        continue;
      }
      float dot = 0;
      for (size_t f = 0; f < x.size(); ++f) dot += x[f] * y[f];
      scores[p] = dot;
    }
  };
  comparison.scoring.popularity = model->popularity;
  comparison.scoring.calibration_a = model->calibration_a;
  comparison.scoring.calibration_b = model->calibration_b;
  return comparison;
}

// What one run has found so far, phase by phase: what the report and the
// published header are made of. Pointers are to RunTraining's locals.
struct RunState {
  const TrainingSpec* spec = nullptr;
  absl::Time start;
  const training::TrainingData* input = nullptr;
  PublishPlan plan;
  const eval::Split* split = nullptr;
  ModelChoice choice;
  const training::TrainedModel* model = nullptr;
  const eval::PopularityScorer* popularity = nullptr;
  training::PlattFit platt;
  // The second stage, when the run has one (see FitStage), or why not.
  std::optional<training::SecondStage> stage;
  std::string stage_skipped;
  training::Evaluation evaluation;
  // Why the serving version was not compared; empty when it was or there
  // is none.
  std::string serving_skipped;
  eval::PublishDecision decision;
  // Wall time of the retraining on all data; 0 before it.
  double final_training_seconds = 0;
};

// The model as it will be published (popularity shares for customers
// without a preference, as the server serves them), the popularity
// baseline, and the version now serving when it may be compared, on the
// run's split; prints the table. Sets run->serving_skipped.
absl::StatusOr<training::Evaluation> EvaluateRun(RunState& run,
                                                 const als::CsrMatrix& by_user,
                                                 const Emit& emit) {
  const TrainingSpec& spec = *run.spec;
  EmitPhase(emit, "evaluating", absl::StrCat("K = ", spec.k));
  eval::EvaluationOptions eval_options;
  eval_options.k = spec.k;
  eval_options.num_threads = std::max(1, spec.threads);
  const int32_t num_users = run.split->num_users;
  const std::vector<float> shares =
      PopularityShares(*run.popularity, num_users);
  training::PublishedScoring model_scoring;
  model_scoring.personalized = [&](int32_t user) {
    return training::HasPreference(by_user, user);
  };
  model_scoring.personal = [&](int32_t user, absl::Span<float> scores) {
    training::ScoreWithFactors(*run.model, user, scores);
  };
  model_scoring.popularity = shares;
  model_scoring.calibration_a = run.platt.a;
  model_scoring.calibration_b = run.platt.b;
  const ServingComparison serving =
      CompareServing(spec, run.plan.serving, *run.split, run.input->bank,
                     shares, run.input->inputs.min_time, emit);
  run.serving_skipped = serving.skipped;
  // With a second stage, a version ranks and answers by its propensity, as
  // Recommend does (features at the test cutoff): the new one and the one
  // serving alike.
  std::optional<eval::PropensityFeatures> features;
  training::Contender model_contender = training::AsContender(model_scoring);
  training::Contender serving_contender =
      training::AsContender(serving.scoring);
  bool serving_available = serving.available;
  const bool serving_staged =
      serving.available && serving.model->propensity.has_value();
  if (run.stage.has_value() || serving_staged) {
    NBO_ASSIGN_OR_RETURN(
        features, eval::PropensityFeatures::Create(
                      run.input->bank, run.split->cutoff_unix_seconds, {}));
  }
  if (run.stage.has_value()) {
    model_contender = training::SecondStageContender(
        run.stage->model, *features, *run.model, by_user);
  }
  if (serving_staged) {
    std::string why_not;
    std::optional<training::Contender> staged =
        StagedServing(serving.model, *features, run.input->bank, &why_not);
    if (staged.has_value()) {
      serving_contender = *std::move(staged);
      EmitPhase(emit, "evaluating serving version",
                "ranked and calibrated by its own second stage");
    } else {
      // Raw scores would understate it: better no comparison than a wrong
      // one, said out loud.
      serving_available = false;
      run.serving_skipped =
          absl::StrFormat("version %d not compared: %s",
                          run.plan.serving.serving_version, why_not);
      EmitPhase(emit, "evaluating serving version", run.serving_skipped);
    }
  }
  NBO_ASSIGN_OR_RETURN(
      training::Evaluation evaluation,
      training::EvaluateContenders(
          *run.split, model_contender,
          training::PopularityContender(*run.popularity),
          serving_available ? &serving_contender : nullptr, eval_options));
  TrainingEvent event;
  event.kind = TrainingEvent::Kind::kEvaluation;
  event.phase = "evaluating";
  event.message = eval::FormatEvaluationTable(
      evaluation.model, evaluation.popularity,
      evaluation.serving.has_value() ? &*evaluation.serving : nullptr);
  emit(event);
  return evaluation;
}

const eval::EvaluationReport* ServingReport(const RunState& run) {
  return run.evaluation.serving.has_value() ? &*run.evaluation.serving
                                            : nullptr;
}

// The gate's decision on the run's evaluation, announced through `emit`.
absl::StatusOr<eval::PublishDecision> Gate(const RunState& run,
                                           const Emit& emit) {
  eval::PublishGateOptions gate_options;
  gate_options.metric = run.spec->gate_metric;
  gate_options.min_relative_lift = run.spec->min_lift;
  gate_options.force = run.spec->force;
  NBO_ASSIGN_OR_RETURN(
      eval::PublishDecision decision,
      eval::DecidePublish(run.evaluation.model, run.evaluation.popularity,
                          ServingReport(run), gate_options));
  TrainingEvent event;
  event.kind = TrainingEvent::Kind::kGate;
  event.phase = "gating";
  event.message = decision.reason;
  emit(event);
  return decision;
}

// The model a run publishes, and the customers it has a vector for.
struct FinalModel {
  training::TrainedModel model;
  // Customers with a positive preference: one with declines only would get
  // a zero vector, and the server would score every product 0 for them
  // instead of falling back to popularity, so they are left out.
  std::vector<int32_t> customers;
};

// `config` trained on every event and offer answer of `input`.
absl::StatusOr<FinalModel> RetrainOnAllData(const training::TrainingData& input,
                                            const training::ModelConfig& config,
                                            training::TrainOptions options,
                                            const Emit& emit) {
  const int32_t num_users =
      static_cast<int32_t>(input.bank.customer_ids.size());
  const int32_t num_items = static_cast<int32_t>(input.bank.products.size());
  NBO_ASSIGN_OR_RETURN(
      const als::InteractionMatrix matrix,
      training::BuildInteractionMatrix(
          num_users, num_items, input.inputs.events, input.inputs.feedback));
  EmitPhase(emit, "retraining on all data",
            absl::StrFormat("%d interactions, %d offer answers, %d nonzeros",
                            input.inputs.events.size(),
                            input.inputs.feedback.size(), matrix.nnz()));
  options.progress = IterationProgress(emit, "retraining", config);
  NBO_ASSIGN_OR_RETURN(training::TrainedModel model,
                       training::TrainModel(matrix, config, options));
  FinalModel retrained{std::move(model), {}};
  for (int32_t u = 0; u < num_users; ++u) {
    if (training::HasPreference(matrix.by_user(), u)) {
      retrained.customers.push_back(u);
    }
  }
  return retrained;
}

// The run's report: what --report_json writes (see TrainingOutcome).
std::string MakeReportJson(const RunState& run,
                           const TrainingOutcome& outcome) {
  const training::TrainedModel& model = *run.model;
  std::string json = "{\"evaluation\":";
  absl::StrAppend(
      &json,
      eval::EvaluationTableToJson(
          run.evaluation.model, run.evaluation.popularity, ServingReport(run)),
      ",\"gate\":", eval::PublishDecisionToJson(run.decision),
      ",\"model\":{\"kind\":",
      JsonString(training::ModelKindName(model.config.kind)),
      ",\"config\":", JsonString(model.config.Describe()), "}");
  if (run.choice.tuning.has_value()) {
    absl::StrAppend(
        &json, ",\"tuning\":",
        training::TuningToJson(*run.choice.tuning, run.spec->gate_metric));
  } else if (!run.choice.tuning_skipped.empty()) {
    absl::StrAppend(
        &json, ",\"tuning_skipped\":", JsonString(run.choice.tuning_skipped));
  }
  if (run.stage.has_value()) {
    absl::StrAppend(&json, ",\"second_stage\":{\"kind\":\"logistic\",",
                    "\"examples\":", run.stage->examples,
                    ",\"positives\":", run.stage->positives, "}");
  } else {
    absl::StrAppend(
        &json, ",\"second_stage_skipped\":", JsonString(run.stage_skipped));
  }
  absl::StrAppend(
      &json, ",\"calibration\":{\"a\":", JsonNumber(run.platt.a),
      ",\"b\":", JsonNumber(run.platt.b), ",\"samples\":", run.platt.samples,
      "}",
      ",\"seconds_per_iteration\":", JsonNumber(SecondsPerIteration(model)),
      ",\"training_seconds\":", JsonNumber(model.seconds),
      ",\"peak_rss_bytes\":", PeakRssBytes());
  absl::StrAppend(&json, ",\"loss\":[");
  for (size_t i = 0; i < model.history.size(); ++i) {
    absl::StrAppend(&json, i ? "," : "", JsonNumber(model.history[i].loss));
  }
  absl::StrAppend(&json, "]");
  if (!run.serving_skipped.empty()) {
    absl::StrAppend(&json,
                    ",\"serving_skipped\":", JsonString(run.serving_skipped));
  }
  absl::StrAppend(
      &json, ",\"serving_version\":",
      run.evaluation.serving.has_value() ? run.plan.serving.serving_version : 0,
      ",\"version\":", outcome.version, ",\"targets\":[");
  for (size_t i = 0; i < outcome.targets.size(); ++i) {
    const PublishTargetResult& t = outcome.targets[i];
    absl::StrAppend(&json, i ? "," : "", "{\"target\":", JsonString(t.target),
                    ",\"ok\":", t.ok ? "true" : "false",
                    ",\"message\":", JsonString(t.message), "}");
  }
  absl::StrAppend(&json, "],\"total_seconds\":",
                  JsonNumber(absl::ToDoubleSeconds(absl::Now() - run.start)),
                  "}");
  return json;
}

// products.csv's products as the published catalog, with every term the
// file gives (business value, eligibility, offer type, contact policy).
void AddCatalog(const std::vector<data::Product>& products,
                v1::PublishHeader* header) {
  for (const data::Product& product : products) {
    *header->add_catalog() = services::ToProto(product);
  }
}

// The labels of the published version: how it was trained, on what, and
// what the gate said. No label names a local path (data_dir,
// feedback_path): where the trainer's files live is none of the servers'
// clients' business.
void AddLabels(const RunState& run,
               google::protobuf::Map<std::string, std::string>& labels) {
  const TrainingSpec& spec = *run.spec;
  const training::TrainingData& input = *run.input;
  const training::ModelConfig& config = run.model->config;
  const eval::PublishDecision& decision = run.decision;
  labels["trainer"] = kTrainerVersion;
  labels["algorithm"] = training::ModelKindName(config.kind);
  labels["model_config"] = config.Describe();
  labels["tuned"] = run.choice.tuning.has_value() ? "true" : "false";
  labels["second_stage"] =
      run.stage.has_value()
          ? absl::StrFormat("logistic on %d validation pairs (%d taken)",
                            run.stage->examples, run.stage->positives)
          : absl::StrCat("none: ", run.stage_skipped);
  if (config.kind == training::ModelKind::kImplicitAls) {
    labels["factors"] = absl::StrCat(config.factors);
    labels["iterations"] = absl::StrCat(config.iterations);
    labels["regularization"] = absl::StrCat(config.regularization);
    labels["alpha"] = absl::StrCat(config.alpha);
    labels["cg_steps"] = absl::StrCat(config.cg_steps);
  } else {
    labels["ease_lambda"] = absl::StrCat(config.ease_lambda);
  }
  labels["seed"] = absl::StrCat(spec.seed);
  labels["data_min_time"] = data::FormatTimestamp(input.inputs.min_time);
  labels["data_max_time"] = data::FormatTimestamp(input.inputs.max_time);
  labels["customers"] = absl::StrCat(input.bank.customer_ids.size());
  labels["products"] = absl::StrCat(input.bank.products.size());
  labels["transactions"] = absl::StrCat(input.bank.interactions.size());
  // How events became r_ui: what the server's fold-in must use too.
  labels["event_weights"] = data::FormatEventWeights(input.weights);
  // Offer answers in the published model (transactions.csv's and the
  // feedback file's).
  labels["feedback_rows"] = absl::StrCat(input.inputs.feedback.size());
  labels["skipped_rows"] = absl::StrCat(input.bank.skipped_rows());
  labels["split"] = spec.split;
  const eval::Split& split = *run.split;
  if (split.cutoff_unix_seconds > 0) {
    labels["split_cutoff"] = data::FormatTimestamp(split.cutoff_unix_seconds);
  }
  if (split.window_end_unix_seconds > 0) {
    labels["split_window_end"] =
        data::FormatTimestamp(split.window_end_unix_seconds);
  }
  int64_t test_users = 0;
  for (const auto& items : split.test) test_users += items.empty() ? 0 : 1;
  labels["train_interactions"] = absl::StrCat(split.train.size());
  labels["test_customers"] = absl::StrCat(test_users);
  labels["k"] = absl::StrCat(spec.k);
  labels["final_model"] = "retrained on all data";
  labels["gate_metric"] = decision.metric;
  labels["gate_min_lift"] = absl::StrCat(decision.min_relative_lift);
  labels["gate_passed"] = decision.passed_gate ? "true" : "false";
  labels["gate_forced"] = decision.forced ? "true" : "false";
  labels["gate_reason"] = decision.reason;
  labels["score_model"] = absl::StrCat(decision.candidate_score);
  labels["score_popularity"] = absl::StrCat(decision.popularity_score);
  if (!run.serving_skipped.empty()) {
    labels["serving_skipped"] = run.serving_skipped;
  }
  if (decision.serving_score.has_value()) {
    labels["score_serving"] = absl::StrCat(*decision.serving_score);
    labels["serving_version"] = absl::StrCat(run.plan.serving.serving_version);
  }
  labels["training_seconds"] =
      absl::StrFormat("%.3f", run.model->seconds + run.final_training_seconds);
  labels["seconds_per_iteration"] =
      absl::StrFormat("%.4f", SecondsPerIteration(*run.model));
}

// The header of the run's publish: catalog, popularity, labels, metrics and
// calibration.
v1::PublishModelRequest MakePublishHeader(const RunState& run,
                                          int64_t customer_count) {
  const TrainingSpec& spec = *run.spec;
  const training::TrainingData& input = *run.input;
  const training::ModelConfig& config = run.model->config;
  const int32_t num_users =
      static_cast<int32_t>(input.bank.customer_ids.size());
  const int32_t num_items = static_cast<int32_t>(input.bank.products.size());
  v1::PublishModelRequest request;
  v1::PublishHeader* header = request.mutable_header();
  header->set_model_name(spec.model_name);
  header->set_version(run.plan.version);
  header->set_rank(config.Rank(num_items));
  header->set_model_kind(config.kind == training::ModelKind::kEase
                             ? v1::MODEL_KIND_EASE
                             : v1::MODEL_KIND_IMPLICIT_ALS);
  // Declared, so that the server checks its free space before writing.
  header->set_customer_count(customer_count);
  AddCatalog(input.bank.products, header);
  // Take-up in the train split: the share of customers with an event for
  // the product.
  for (int32_t p = 0; p < num_items; ++p) {
    (*header->mutable_popularity())[input.bank.products[p].product_id] =
        num_users > 0
            ? static_cast<double>(run.popularity->counts()[p]) / num_users
            : 0.0;
  }
  v1::ModelMetadata* metadata = header->mutable_metadata();
  metadata->set_description(absl::StrFormat(
      "%s, trained by %s on data from %s .. %s; retrained on all data "
      "after evaluation on the %s split",
      config.Describe(), kTrainerVersion,
      data::FormatTimestamp(input.inputs.min_time),
      data::FormatTimestamp(input.inputs.max_time), spec.split));
  AddLabels(run, *metadata->mutable_labels());
  auto& metrics = *metadata->mutable_metrics();
  const eval::EvaluationReport& model_report = run.evaluation.model;
  for (const std::string& name : eval::MetricNames(spec.k)) {
    absl::StatusOr<double> value = model_report.Metric(name);
    if (value.ok() && std::isfinite(*value)) metrics[name] = *value;
  }
  if (model_report.calibration.has_value()) {
    metrics["brier"] = model_report.calibration->brier;
    metrics["ece"] = model_report.calibration->ece;
  }
  metadata->set_calibration_a(run.platt.a);
  metadata->set_calibration_b(run.platt.b);
  if (run.stage.has_value()) {
    serving::PropensityToProto(run.stage->model,
                               metadata->mutable_propensity());
  }
  return request;
}

// One server's publish, with retries and backoff: its result (the server's
// answer, or the last error). `authority` as in ModelStub. CANCELLED when
// `cancelled` fires between attempts.
absl::StatusOr<PublishTargetResult> PublishWithRetries(
    const std::string& server, const std::string& authority,
    const TrainingSpec& spec, const v1::PublishModelRequest& header,
    const training::TrainedModel& model, const data::BankData& data,
    const std::vector<int32_t>& customers,
    const std::function<bool()>& cancelled) {
  PublishTargetResult result;
  result.target = server;
  absl::Duration backoff = kFirstBackoff;
  for (int attempt = 1; attempt <= kPublishAttempts; ++attempt) {
    absl::StatusOr<v1::PublishModelResponse> response =
        PublishOnce(server, authority, spec, header, model.item_factors,
                    model.user_factors, data, customers);
    if (response.ok()) {
      result.ok = true;
      result.message = absl::StrFormat(
          "version %d AVAILABLE (%d customers, %d products, %d bytes)",
          response->version(), response->customer_count(),
          response->product_count(), response->bytes_received());
      return result;
    }
    result.message = absl::StrCat(response.status().ToString(), " (attempt ",
                                  attempt, "/", kPublishAttempts, ")");
    if (!Retryable(response.status().code()) || attempt == kPublishAttempts) {
      return result;
    }
    // Cancellation is noticed between attempts.
    const absl::Time wake = absl::Now() + backoff;
    while (absl::Now() < wake) {
      if (cancelled && cancelled()) break;
      absl::SleepFor(std::min(absl::Milliseconds(50), wake - absl::Now()));
    }
    NBO_RETURN_IF_ERROR(CheckCancelled(cancelled));
    backoff *= 2;
  }
  return result;
}

// Publishes `model` to every server of every target of the spec
// (services::ResolveTarget: a dns:/// target is each address its name resolves
// to), each with its own retries (one failing does not stop the others),
// into outcome->targets: one result per server, named "target -> address"
// for a resolved one. CANCELLED when `cancelled` fires between attempts.
absl::Status PublishToTargets(
    const TrainingSpec& spec, const v1::PublishModelRequest& header,
    const training::TrainedModel& model, const data::BankData& data,
    const std::vector<int32_t>& customers, const Emit& emit,
    const std::function<bool()>& cancelled, TrainingOutcome* outcome) {
  EmitPhase(emit, "publishing",
            absl::StrFormat("version %d to %s", outcome->version,
                            absl::StrJoin(spec.publish_to, ",")));
  for (const std::string& target : spec.publish_to) {
    absl::StatusOr<std::vector<std::string>> servers =
        services::ResolveTarget(target);
    std::vector<PublishTargetResult> results;
    if (!servers.ok()) {
      results.push_back({target, false, servers.status().ToString()});
    }
    for (const std::string& server :
         servers.value_or(std::vector<std::string>())) {
      const std::string authority =
          server == target ? "" : services::DnsTargetName(target);
      NBO_ASSIGN_OR_RETURN(
          PublishTargetResult result,
          PublishWithRetries(server, authority, spec, header, model, data,
                             customers, cancelled));
      if (server != target)
        result.target = absl::StrCat(target, " -> ", server);
      results.push_back(std::move(result));
    }
    for (PublishTargetResult& result : results) {
      TrainingEvent event;
      event.kind = TrainingEvent::Kind::kPublish;
      event.phase = "publishing";
      event.message = absl::StrCat(
          result.target, ": ", result.ok ? "ok, " : "error, ", result.message);
      emit(event);
      outcome->targets.push_back(std::move(result));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int64_t> NextVersion(int64_t newest) {
  if (newest >= common::kMaxVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot choose a version: the newest is ", newest,
        ", at or past the largest a version may be (2^53 = ",
        common::kMaxVersion, "); pass an unused version explicitly"));
  }
  return std::max<int64_t>(newest, 0) + 1;
}

absl::StatusOr<TrainingOutcome> RunTraining(
    const TrainingSpec& spec,
    const std::function<void(const TrainingEvent&)>& on_event,
    const std::function<bool()>& cancelled) {
  const Emit emit = [&on_event](const TrainingEvent& event) {
    if (on_event) on_event(event);
  };
  RunState run;
  run.spec = &spec;
  run.start = absl::Now();
  NBO_RETURN_IF_ERROR(ValidateSpec(spec));
  NBO_ASSIGN_OR_RETURN(const eval::SplitKind split_kind,
                       eval::ParseSplitKind(spec.split));

  // Reading.
  EmitPhase(emit, "reading data", spec.data_dir);
  training::ReadOptions read_options;
  read_options.data_dir = spec.data_dir;
  read_options.feedback_path = spec.feedback_path;
  read_options.max_bad_rows = spec.max_bad_rows;
  NBO_ASSIGN_OR_RETURN(const training::TrainingData input,
                       training::ReadTrainingData(read_options));
  run.input = &input;
  EmitPhase(emit, "read data", training::DescribeData(input));
  if (input.feedback.read) {
    EmitPhase(emit, "read feedback",
              training::DescribeFeedback(input.feedback));
  }
  NBO_RETURN_IF_ERROR(CheckCancelled(cancelled));
  const int32_t num_users =
      static_cast<int32_t>(input.bank.customer_ids.size());
  const int32_t num_items = static_cast<int32_t>(input.bank.products.size());

  // The version now serving, first: an unreachable first target should fail
  // the run before minutes of training.
  NBO_ASSIGN_OR_RETURN(run.plan, PlanPublish(spec, emit));

  // Splitting.
  EmitPhase(emit, "splitting", spec.split);
  eval::SplitOptions split_options;
  split_options.kind = split_kind;
  split_options.num_users = num_users;
  split_options.num_items = num_items;
  split_options.seed = spec.seed;
  split_options.window_seconds = int64_t{spec.nbo_window_days} * 86400;
  NBO_ASSIGN_OR_RETURN(
      const eval::Split split,
      training::SplitForEvaluation(input.inputs, split_options));
  run.split = &split;
  const std::vector<eval::Interaction> train_feedback =
      training::FeedbackBeforeHoldout(input.inputs.feedback, split, split_kind);

  // Choosing the model kind and hyperparameters, then the second stage, on
  // the validation split.
  {
    // Scoped: the validation split and its matrix (hundreds of MB at 1M
    // customers) are gone before the training below.
    NBO_ASSIGN_OR_RETURN(
        const Validation validation,
        MakeValidation(spec, input, split, split_options, train_feedback));
    NBO_ASSIGN_OR_RETURN(run.choice,
                         ChooseModel(spec, validation, emit, cancelled));
    NBO_ASSIGN_OR_RETURN(
        run.stage,
        FitStage(spec, input, split_kind, validation, run.choice.config, emit,
                 cancelled, &run.stage_skipped));
  }
  const training::ModelConfig& config = run.choice.config;
  NBO_RETURN_IF_ERROR(CheckCancelled(cancelled));

  // Training on the train part.
  training::TrainOptions train_options;
  train_options.threads = spec.threads;
  train_options.seed = spec.seed;
  train_options.cancelled = cancelled;
  NBO_ASSIGN_OR_RETURN(const als::InteractionMatrix train_matrix,
                       training::BuildInteractionMatrix(
                           num_users, num_items, split.train, train_feedback));
  EmitPhase(emit, "training",
            absl::StrFormat("%s; %d train interactions, %d offer answers, %d "
                            "nonzeros",
                            config.Describe(), split.train.size(),
                            train_feedback.size(), train_matrix.nnz()));
  train_options.progress = IterationProgress(emit, "training", config);
  NBO_ASSIGN_OR_RETURN(
      const training::TrainedModel model,
      training::TrainModel(train_matrix, config, train_options));
  run.model = &model;
  NBO_RETURN_IF_ERROR(CheckCancelled(cancelled));
  NBO_ASSIGN_OR_RETURN(const eval::PopularityScorer popularity,
                       eval::PopularityScorer::Create(split));
  run.popularity = &popularity;

  // Calibrating, first: the evaluation measures the propensity the
  // published version will serve, which needs the Platt curve.
  EmitPhase(emit, "calibrating");
  run.platt = FitPlatt(split, train_matrix.by_user(), model, emit);
  NBO_RETURN_IF_ERROR(CheckCancelled(cancelled));

  // Evaluating and gating.
  NBO_ASSIGN_OR_RETURN(run.evaluation,
                       EvaluateRun(run, train_matrix.by_user(), emit));
  NBO_RETURN_IF_ERROR(CheckCancelled(cancelled));
  NBO_ASSIGN_OR_RETURN(run.decision, Gate(run, emit));

  TrainingOutcome outcome;
  outcome.passed_gate = run.decision.publish;
  outcome.gate_reason = run.decision.reason;
  outcome.seconds_per_iteration = SecondsPerIteration(model);
  if (!run.decision.publish) {
    outcome.peak_rss_bytes = PeakRssBytes();
    absl::Status refused = run.decision.ToStatus();
    refused.SetPayload(kReportJsonPayloadUrl,
                       absl::Cord(MakeReportJson(run, outcome)));
    return refused;
  }
  if (spec.publish_to.empty()) {
    outcome.peak_rss_bytes = PeakRssBytes();
    outcome.report_json = MakeReportJson(run, outcome);
    return outcome;
  }

  // The published model is retrained on every event with the same kind and
  // hyperparameters, so that it knows the latest ones; the evaluation above
  // stands for it.
  NBO_RETURN_IF_ERROR(CheckCancelled(cancelled));
  NBO_ASSIGN_OR_RETURN(const FinalModel retrained,
                       RetrainOnAllData(input, config, train_options, emit));
  const training::TrainedModel& final_model = retrained.model;
  const std::vector<int32_t>& published_customers = retrained.customers;
  run.final_training_seconds = final_model.seconds;
  NBO_RETURN_IF_ERROR(CheckCancelled(cancelled));

  outcome.version = run.plan.version;
  const v1::PublishModelRequest header =
      MakePublishHeader(run, static_cast<int64_t>(published_customers.size()));
  NBO_RETURN_IF_ERROR(PublishToTargets(spec, header, final_model, input.bank,
                                       published_customers, emit, cancelled,
                                       &outcome));
  outcome.peak_rss_bytes = PeakRssBytes();
  outcome.report_json = MakeReportJson(run, outcome);
  for (const PublishTargetResult& target : outcome.targets) {
    if (target.ok) return outcome;
  }
  return absl::UnavailableError(absl::StrCat(
      "publishing version ", outcome.version, " failed on every target: ",
      outcome.targets.front().target, ": ", outcome.targets.front().message));
}

}  // namespace nbo::trainer
