// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_SERVICES_TRAINER_TRAINER_SERVICE_IMPL_H_
#define NBO_SERVICES_TRAINER_TRAINER_SERVICE_IMPL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nbo/v1/trainer_service.grpc.pb.h"
#include "services/common/access_control.h"
#include "services/trainer/job_manager.h"
#include "services/trainer/training_run.h"

namespace nbo::trainer {

// nbo.v1.TrainerService over a JobManager. It runs on gRPC's synchronous API:
// WatchJob blocks its handler thread until the job ends or the client goes
// away, which the callback API's reactors must never do.
//
// Every RPC needs a token with role `admin` (AccessControl; UNAUTHENTICATED
// or PERMISSION_DENIED otherwise). Training reads the trainer host's files
// and publishes to production servers: nothing here is safe to leave open.
//
// Thread-safe. The manager is not owned and must outlive the service.
class TrainerServiceImpl final : public nbo::v1::TrainerService::Service {
 public:
  struct Options {
    // Who may call what. Not owned; must outlive the service.
    // REQUIRES: not null. Default: null.
    const services::AccessControl* access = nullptr;
    // Bearer token the jobs use for the servers' ModelService when they
    // publish. Default: "".
    std::string publish_token;
    // TLS to the servers the jobs publish to. Default: plaintext.
    UpstreamTls publish_tls;
  };

  TrainerServiceImpl(JobManager* manager, Options options);

  grpc::Status StartTraining(grpc::ServerContext* context,
                             const nbo::v1::StartTrainingRequest* request,
                             nbo::v1::StartTrainingResponse* response) override;
  grpc::Status GetJob(grpc::ServerContext* context,
                      const nbo::v1::GetJobRequest* request,
                      nbo::v1::GetJobResponse* response) override;
  grpc::Status ListJobs(grpc::ServerContext* context,
                        const nbo::v1::ListJobsRequest* request,
                        nbo::v1::ListJobsResponse* response) override;
  grpc::Status WatchJob(
      grpc::ServerContext* context, const nbo::v1::WatchJobRequest* request,
      grpc::ServerWriter<nbo::v1::WatchJobResponse>* writer) override;
  grpc::Status CancelJob(grpc::ServerContext* context,
                         const nbo::v1::CancelJobRequest* request,
                         nbo::v1::CancelJobResponse* response) override;

 private:
  // AccessControl::Check of `method`, the full name of the handler's RPC.
  grpc::Status Authorize(const grpc::ServerContext* context,
                         absl::string_view method) const;

  JobManager* const manager_;
  const Options options_;
};

// The spec as RunTraining takes it. INVALID_ARGUMENT for an empty data_dir,
// factors, iterations, threads or k not positive, a negative cg_steps,
// max_bad_rows, regularization or alpha, an unknown split, or an empty
// publish target. An empty split or gate_metric becomes the default.
absl::StatusOr<TrainingSpec> TrainingSpecFromProto(
    const nbo::v1::TrainingSpec& proto);

// The inverse, for Job.spec (the admin token is never echoed).
void TrainingSpecToProto(const TrainingSpec& spec,
                         nbo::v1::TrainingSpec* proto);

void JobInfoToProto(const JobInfo& info, nbo::v1::Job* proto);

}  // namespace nbo::trainer

#endif  // NBO_SERVICES_TRAINER_TRAINER_SERVICE_IMPL_H_
