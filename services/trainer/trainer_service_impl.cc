// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/trainer/trainer_service_impl.h"

#include <cstdio>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "lib/common/api_limits.h"
#include "lib/common/quote.h"
#include "services/common/access_control.h"
#include "services/common/grpc_status.h"

namespace nbo::trainer {
namespace {

nbo::v1::JobState ToProto(JobState state) {
  switch (state) {
    case JobState::kQueued:
      return nbo::v1::JOB_STATE_QUEUED;
    case JobState::kRunning:
      return nbo::v1::JOB_STATE_RUNNING;
    case JobState::kSucceeded:
      return nbo::v1::JOB_STATE_SUCCEEDED;
    case JobState::kFailed:
      return nbo::v1::JOB_STATE_FAILED;
    case JobState::kCancelled:
      return nbo::v1::JOB_STATE_CANCELLED;
  }
  return nbo::v1::JOB_STATE_UNSPECIFIED;
}

nbo::v1::JobEvent::Kind ToProto(TrainingEvent::Kind kind) {
  switch (kind) {
    case TrainingEvent::Kind::kPhase:
      return nbo::v1::JobEvent::KIND_PHASE;
    case TrainingEvent::Kind::kIteration:
      return nbo::v1::JobEvent::KIND_ITERATION;
    case TrainingEvent::Kind::kEvaluation:
      return nbo::v1::JobEvent::KIND_EVALUATION;
    case TrainingEvent::Kind::kGate:
      return nbo::v1::JobEvent::KIND_GATE;
    case TrainingEvent::Kind::kPublish:
      return nbo::v1::JobEvent::KIND_PUBLISH;
  }
  return nbo::v1::JobEvent::KIND_UNSPECIFIED;
}

// Unset (InfinitePast) times stay unset in the proto.
void SetTime(absl::Time t, google::protobuf::Timestamp* proto) {
  if (t == absl::InfinitePast()) return;
  const int64_t nanos = absl::ToUnixNanos(t);
  proto->set_seconds(nanos / 1000000000);
  proto->set_nanos(static_cast<int32_t>(nanos % 1000000000));
  if (proto->nanos() < 0) {
    proto->set_seconds(proto->seconds() - 1);
    proto->set_nanos(proto->nanos() + 1000000000);
  }
}

void JobEventToProto(const JobEvent& event, nbo::v1::JobEvent* proto) {
  if (event.finished) {
    proto->set_kind(nbo::v1::JobEvent::KIND_FINISHED);
  } else {
    proto->set_kind(ToProto(event.progress.kind));
  }
  proto->set_phase(event.progress.phase);
  proto->set_iteration(event.progress.iteration);
  proto->set_loss(event.progress.loss);
  proto->set_seconds(event.progress.seconds);
  proto->set_message(event.progress.message);
  proto->set_state(ToProto(event.state));
}

// OK when `value` is at most `max` bytes; else INVALID_ARGUMENT naming
// spec.`field`.
absl::Status MaxLength(const char* field, absl::string_view value, size_t max) {
  if (value.size() <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "spec.", field, " is ", value.size(), " bytes; the limit is ", max));
}

absl::Status InRange(const char* field, int64_t value, int64_t min,
                     int64_t max) {
  if (value >= min && value <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "spec.", field, " must be in [", min, ", ", max, "], got ", value));
}

// OK when `value` is finite and in [min, common::kMaxHyperparameter].
absl::Status Finite(const char* field, double value, double min) {
  if (value >= min && value <= common::kMaxHyperparameter) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("spec.", field, " must be finite and in [", min, ", ",
                   common::kMaxHyperparameter, "], got ", value));
}

}  // namespace

absl::StatusOr<TrainingSpec> TrainingSpecFromProto(
    const nbo::v1::TrainingSpec& proto) {
  TrainingSpec spec;
  if (proto.data_dir().empty()) {
    return absl::InvalidArgumentError("spec.data_dir is required");
  }
  for (const absl::Status& s : {
           MaxLength("data_dir", proto.data_dir(), common::kMaxPathBytes),
           MaxLength("feedback_path", proto.feedback_path(),
                     common::kMaxPathBytes),
           MaxLength("model_name", proto.model_name(),
                     common::kMaxModelNameBytes),
           MaxLength("split", proto.split(), common::kMaxSpecWordBytes),
           MaxLength("gate_metric", proto.gate_metric(),
                     common::kMaxSpecWordBytes),
           InRange("factors", proto.factors(), 1, common::kMaxTrainingFactors),
           InRange("iterations", proto.iterations(), 1,
                   common::kMaxTrainingIterations),
           InRange("threads", proto.threads(), 1, common::kMaxTrainingThreads),
           InRange("k", proto.k(), 1, common::kMaxEvaluationK),
           InRange("cg_steps", proto.cg_steps(), 0, common::kMaxCgSteps),
           InRange("max_bad_rows", proto.max_bad_rows(), 0,
                   std::numeric_limits<int64_t>::max()),
           InRange("version", proto.version(), 0, common::kMaxVersion),
           InRange("nbo_window_days", proto.nbo_window_days(), 0, 3650),
           Finite("regularization", proto.regularization(), 0),
           Finite("alpha", proto.alpha(), 0),
           Finite("min_lift", proto.min_lift(), -common::kMaxHyperparameter),
           Finite("ease_lambda", proto.ease_lambda(), 0),
           MaxLength("tune", proto.tune(), common::kMaxSpecWordBytes),
           MaxLength("model_kind", proto.model_kind(),
                     common::kMaxSpecWordBytes),
           MaxLength("second_stage", proto.second_stage(),
                     common::kMaxSpecWordBytes),
       }) {
    if (!s.ok()) return s;
  }
  spec.data_dir = proto.data_dir();
  spec.factors = proto.factors();
  spec.iterations = proto.iterations();
  spec.threads = proto.threads();
  spec.k = proto.k();
  spec.cg_steps = proto.cg_steps();
  spec.max_bad_rows = proto.max_bad_rows();
  spec.regularization = proto.regularization();
  spec.alpha = proto.alpha();
  spec.seed = proto.seed();
  if (!proto.split().empty()) spec.split = proto.split();
  if (spec.split != "nbo" && spec.split != "time" && spec.split != "random" &&
      spec.split != "leave_k_out") {
    return absl::InvalidArgumentError(absl::StrCat(
        "spec.split must be nbo, time, random or leave_k_out, got ",
        common::QuoteForError(spec.split)));
  }
  if (proto.nbo_window_days() != 0) {
    spec.nbo_window_days = proto.nbo_window_days();
  }
  if (!proto.gate_metric().empty()) spec.gate_metric = proto.gate_metric();
  spec.min_lift = proto.min_lift();
  spec.force = proto.force();
  if (proto.publish_to_size() > common::kMaxPublishTargets) {
    return absl::InvalidArgumentError(
        absl::StrCat("spec.publish_to has ", proto.publish_to_size(),
                     " targets; the limit is ", common::kMaxPublishTargets));
  }
  for (const std::string& target : proto.publish_to()) {
    if (target.empty()) {
      return absl::InvalidArgumentError("spec.publish_to has an empty target");
    }
    if (absl::Status s =
            MaxLength("publish_to target", target, common::kMaxTargetBytes);
        !s.ok()) {
      return s;
    }
    spec.publish_to.push_back(target);
  }
  spec.model_name = proto.model_name();
  spec.version = proto.version();
  spec.feedback_path = proto.feedback_path();
  if (proto.tune() != "" && proto.tune() != "on" && proto.tune() != "off") {
    return absl::InvalidArgumentError(
        absl::StrCat("spec.tune must be on, off or empty, got ",
                     common::QuoteForError(proto.tune())));
  }
  spec.tune = proto.tune() == "on";
  if (!(proto.tune_budget_seconds() >= 0 &&
        proto.tune_budget_seconds() <= 86400)) {
    return absl::InvalidArgumentError(
        absl::StrCat("spec.tune_budget_seconds must be in [0, 86400], got ",
                     proto.tune_budget_seconds()));
  }
  if (proto.tune_budget_seconds() > 0) {
    spec.tune_budget = absl::Seconds(proto.tune_budget_seconds());
  }
  if (!proto.model_kind().empty()) spec.model_kind = proto.model_kind();
  if (spec.model_kind != "implicit_als" && spec.model_kind != "ease") {
    return absl::InvalidArgumentError(
        absl::StrCat("spec.model_kind must be implicit_als or ease, got ",
                     common::QuoteForError(spec.model_kind)));
  }
  if (proto.ease_lambda() > 0) spec.ease_lambda = proto.ease_lambda();
  if (proto.second_stage() != "" && proto.second_stage() != "on" &&
      proto.second_stage() != "off") {
    return absl::InvalidArgumentError(
        absl::StrCat("spec.second_stage must be on, off or empty, got ",
                     common::QuoteForError(proto.second_stage())));
  }
  spec.second_stage = proto.second_stage() != "off";
  return spec;
}

void TrainingSpecToProto(const TrainingSpec& spec,
                         nbo::v1::TrainingSpec* proto) {
  proto->set_data_dir(spec.data_dir);
  proto->set_factors(spec.factors);
  proto->set_iterations(spec.iterations);
  proto->set_regularization(spec.regularization);
  proto->set_alpha(spec.alpha);
  proto->set_cg_steps(spec.cg_steps);
  proto->set_threads(spec.threads);
  proto->set_seed(spec.seed);
  proto->set_split(spec.split);
  proto->set_k(spec.k);
  proto->set_max_bad_rows(spec.max_bad_rows);
  proto->set_gate_metric(spec.gate_metric);
  proto->set_min_lift(spec.min_lift);
  proto->set_force(spec.force);
  for (const std::string& target : spec.publish_to) {
    proto->add_publish_to(target);
  }
  proto->set_model_name(spec.model_name);
  proto->set_tune(spec.tune ? "on" : "off");
  proto->set_tune_budget_seconds(absl::ToDoubleSeconds(spec.tune_budget));
  proto->set_model_kind(spec.model_kind);
  proto->set_ease_lambda(spec.ease_lambda);
  proto->set_second_stage(spec.second_stage ? "on" : "off");
  proto->set_version(spec.version);
  proto->set_feedback_path(spec.feedback_path);
  proto->set_nbo_window_days(spec.nbo_window_days);
}

void JobInfoToProto(const JobInfo& info, nbo::v1::Job* proto) {
  proto->set_job_id(info.job_id);
  proto->set_state(ToProto(info.state));
  TrainingSpecToProto(info.spec, proto->mutable_spec());
  SetTime(info.create_time, proto->mutable_create_time());
  if (info.start_time != absl::InfinitePast()) {
    SetTime(info.start_time, proto->mutable_start_time());
  }
  if (info.finish_time != absl::InfinitePast()) {
    SetTime(info.finish_time, proto->mutable_finish_time());
  }
  proto->set_last_iteration(info.last_iteration);
  proto->set_last_loss(info.last_loss);
  if (!info.error.ok()) {
    // A failed run's message is the trainer's own (file:line of bad input,
    // the gate's refusal); INTERNAL ones stay in the log.
    proto->set_error_message(
        services::ToGrpcStatus(info.error).error_message());
  }
  if (info.outcome.has_value()) {
    const TrainingOutcome& outcome = *info.outcome;
    proto->set_published_version(outcome.version);
    proto->set_passed_gate(outcome.passed_gate);
    proto->set_gate_reason(outcome.gate_reason);
    proto->set_report_json(outcome.report_json);
    for (const PublishTargetResult& target : outcome.targets) {
      nbo::v1::PublishTargetResult* out = proto->add_targets();
      out->set_target(target.target);
      out->set_ok(target.ok);
      out->set_message(target.message);
    }
  }
}

TrainerServiceImpl::TrainerServiceImpl(JobManager* manager, Options options)
    : manager_(manager), options_(std::move(options)) {}

grpc::Status TrainerServiceImpl::Authorize(const grpc::ServerContext* context,
                                           absl::string_view method) const {
  return options_.access->Check(*context, method);
}

grpc::Status TrainerServiceImpl::StartTraining(
    grpc::ServerContext* context, const nbo::v1::StartTrainingRequest* request,
    nbo::v1::StartTrainingResponse* response) {
  if (grpc::Status auth =
          Authorize(context, "/nbo.v1.TrainerService/StartTraining");
      !auth.ok())
    return auth;
  absl::StatusOr<TrainingSpec> spec = TrainingSpecFromProto(request->spec());
  if (!spec.ok()) return services::ToGrpcStatus(spec.status());
  spec->admin_token = options_.publish_token;
  spec->upstream_tls = options_.publish_tls;
  const std::string job_id = manager_->Start(*std::move(spec));
  absl::StatusOr<JobInfo> info = manager_->Get(job_id);
  if (!info.ok()) {
    // Only possible if the history bound is smaller than the jobs finishing
    // concurrently; report the id so the client can still list jobs.
    response->mutable_job()->set_job_id(job_id);
    return grpc::Status::OK;
  }
  JobInfoToProto(*info, response->mutable_job());
  return grpc::Status::OK;
}

grpc::Status TrainerServiceImpl::GetJob(grpc::ServerContext* context,
                                        const nbo::v1::GetJobRequest* request,
                                        nbo::v1::GetJobResponse* response) {
  if (grpc::Status auth = Authorize(context, "/nbo.v1.TrainerService/GetJob");
      !auth.ok())
    return auth;
  absl::StatusOr<JobInfo> info = manager_->Get(request->job_id());
  if (!info.ok()) return services::ToGrpcStatus(info.status());
  JobInfoToProto(*info, response->mutable_job());
  return grpc::Status::OK;
}

grpc::Status TrainerServiceImpl::ListJobs(
    grpc::ServerContext* context, const nbo::v1::ListJobsRequest* /*request*/,
    nbo::v1::ListJobsResponse* response) {
  if (grpc::Status auth = Authorize(context, "/nbo.v1.TrainerService/ListJobs");
      !auth.ok())
    return auth;
  for (const JobInfo& info : manager_->List()) {
    JobInfoToProto(info, response->add_jobs());
  }
  return grpc::Status::OK;
}

grpc::Status TrainerServiceImpl::WatchJob(
    grpc::ServerContext* context, const nbo::v1::WatchJobRequest* request,
    grpc::ServerWriter<nbo::v1::WatchJobResponse>* writer) {
  if (grpc::Status auth = Authorize(context, "/nbo.v1.TrainerService/WatchJob");
      !auth.ok())
    return auth;
  const absl::Status status = manager_->Watch(
      request->job_id(),
      [writer](const JobEvent& event) {
        nbo::v1::WatchJobResponse response;
        JobEventToProto(event, response.mutable_event());
        // False once the stream is broken: the client is gone.
        return writer->Write(response);
      },
      [context] { return context->IsCancelled(); });
  return services::ToGrpcStatus(status);
}

grpc::Status TrainerServiceImpl::CancelJob(
    grpc::ServerContext* context, const nbo::v1::CancelJobRequest* request,
    nbo::v1::CancelJobResponse* response) {
  if (grpc::Status auth =
          Authorize(context, "/nbo.v1.TrainerService/CancelJob");
      !auth.ok())
    return auth;
  absl::StatusOr<JobInfo> info = manager_->Cancel(request->job_id());
  if (!info.ok()) return services::ToGrpcStatus(info.status());
  JobInfoToProto(*info, response->mutable_job());
  return grpc::Status::OK;
}

}  // namespace nbo::trainer
