// Copyright (c) 2026 The nbo Authors. MIT License.
//
// End to end with real processes: `nbo-trainer serve` trains on generated
// bank data and publishes to a running nbo-server; WatchJob streams the
// progress; the server swaps to the new version while clients keep calling
// Recommend, and none of their calls fails.

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "lib/auth/token_file.h"
#include "lib/common/file_util.h"
#include "lib/data/bank_datagen.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "nbo/v1/trainer_service.grpc.pb.h"
#include "services/common/client_channel.h"
#include "tests/integration/server_process.h"

namespace nbo::integration {
namespace {

using ::nbo::testing::IsOk;

constexpr int kCustomers = 3000;

// Tokens of the closed deployment: the operator's (admin, also the one
// nbo-trainer presents when it publishes) and a dashboard's (read).
constexpr char kOpsToken[] = "ops-token";
constexpr char kReaderToken[] = "reader-token";

class TrainerEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(Start({}, {})); }

  // Starts nbo-server with `server_flags` and `nbo-trainer serve` with
  // `trainer_flags`, on fresh data.
  void Start(std::vector<std::string> server_flags,
             std::vector<std::string> trainer_flags) {
    trainer_.reset();
    server_.reset();
    data::BankDataGenerator::Options options;
    options.customers = kCustomers;
    options.seed = 7;
    auto generator = data::BankDataGenerator::Create(options);
    ASSERT_THAT(generator, IsOk());
    ASSERT_THAT(data::WriteBankData(**generator, dir_.Sub("bank"), nullptr),
                IsOk());
    ASSERT_OK_AND_ASSIGN(
        server_,
        ServerProcess::Start(dir_.Sub(absl::StrCat("server", ++starts_)),
                             server_flags));
    ServerProcess::Options trainer;
    trainer.binary = NBO_TRAINER_PATH;
    trainer.command = {"serve"};
    trainer.metrics = false;
    trainer.data_dir = dir_.Sub(absl::StrCat("trainer", starts_));
    trainer.extra_flags = std::move(trainer_flags);
    ASSERT_OK_AND_ASSIGN(trainer_, ServerProcess::Start(trainer));
    jobs_ = nbo::v1::TrainerService::NewStub(trainer_->channel());
  }

  // Starts a job publishing to the server and watches it to the end.
  // Returns the events seen; the job's final state is the last event's.
  std::vector<nbo::v1::JobEvent> TrainAndWatch(std::string* job_id,
                                               const std::string& token = "") {
    nbo::v1::StartTrainingRequest start;
    nbo::v1::TrainingSpec* spec = start.mutable_spec();
    spec->set_data_dir(dir_.Sub("bank"));
    spec->set_factors(8);
    spec->set_iterations(10);
    spec->set_regularization(10);
    spec->set_alpha(1);
    spec->set_cg_steps(3);
    spec->set_threads(1);
    spec->set_seed(42);
    spec->set_split("time");
    spec->set_k(7);
    spec->add_publish_to(server_->grpc_target());
    grpc::ClientContext start_ctx;
    services::AddBearerToken(token, &start_ctx);
    nbo::v1::StartTrainingResponse started;
    const grpc::Status status =
        jobs_->StartTraining(&start_ctx, start, &started);
    EXPECT_TRUE(status.ok()) << status.error_message();
    *job_id = started.job().job_id();

    grpc::ClientContext watch_ctx;
    services::AddBearerToken(token, &watch_ctx);
    watch_ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Minutes(5)));
    nbo::v1::WatchJobRequest watch;
    watch.set_job_id(*job_id);
    auto reader = jobs_->WatchJob(&watch_ctx, watch);
    std::vector<nbo::v1::JobEvent> events;
    nbo::v1::WatchJobResponse event;
    while (reader->Read(&event)) events.push_back(event.event());
    const grpc::Status watched = reader->Finish();
    EXPECT_TRUE(watched.ok()) << watched.error_message();
    return events;
  }

  nbo::testing::TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ServerProcess> trainer_;
  std::unique_ptr<nbo::v1::TrainerService::Stub> jobs_;
  int starts_ = 0;
};

TEST_F(TrainerEndToEndTest, ClosedTrainerNeedsAdminAndPublishesWithItsToken) {
  const std::string tokens = dir_.Sub("tokens");
  ASSERT_THAT(
      common::WriteFileAtomically(
          tokens, auth::TokenFileLine("ops", "admin", kOpsToken) +
                      auth::TokenFileLine("dashboard", "read", kReaderToken)),
      IsOk());
  ASSERT_NO_FATAL_FAILURE(
      Start({absl::StrCat("--tokens_file=", tokens)},
            {absl::StrCat("--tokens_file=", tokens),
             absl::StrCat("--admin_token=", kOpsToken), "--reflection=false"}));

  auto list = [this](const std::string& token) {
    grpc::ClientContext context;
    services::AddBearerToken(token, &context);
    nbo::v1::ListJobsResponse response;
    return jobs_->ListJobs(&context, {}, &response);
  };
  EXPECT_EQ(list("").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  const grpc::Status reader = list(kReaderToken);
  EXPECT_EQ(reader.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(reader.error_message(), "this RPC needs a token with role 'admin'");
  EXPECT_TRUE(list(kOpsToken).ok());

  // The job publishes to the closed server with --admin_token.
  std::string job;
  std::vector<nbo::v1::JobEvent> events = TrainAndWatch(&job, kOpsToken);
  ASSERT_FALSE(events.empty());
  ASSERT_EQ(events.back().state(), nbo::v1::JOB_STATE_SUCCEEDED)
      << events.back().message();
  auto models = nbo::v1::ModelService::NewStub(server_->channel());
  grpc::ClientContext status_ctx;
  services::AddBearerToken(kReaderToken, &status_ctx);
  nbo::v1::ListModelsResponse listed;
  ASSERT_TRUE(models->ListModels(&status_ctx, {}, &listed).ok());
  ASSERT_EQ(listed.models_size(), 1);

  // Health stays open; reflection is off on the trainer.
  auto health = grpc::health::v1::Health::NewStub(trainer_->channel());
  grpc::ClientContext health_ctx;
  grpc::health::v1::HealthCheckResponse serving;
  EXPECT_TRUE(health->Check(&health_ctx, {}, &serving).ok());
  auto reflection =
      grpc::reflection::v1alpha::ServerReflection::NewStub(trainer_->channel());
  grpc::ClientContext reflection_ctx;
  auto stream = reflection->ServerReflectionInfo(&reflection_ctx);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("*");
  stream->Write(request);
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  while (stream->Read(&response)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(TrainerEndToEndTest, TrainsPublishesAndSwapsWithoutFailedRequests) {
  // The first job gives the server its first version.
  std::string first_job;
  std::vector<nbo::v1::JobEvent> first = TrainAndWatch(&first_job);
  ASSERT_FALSE(first.empty());
  ASSERT_EQ(first.back().kind(), nbo::v1::JobEvent::KIND_FINISHED);
  ASSERT_EQ(first.back().state(), nbo::v1::JOB_STATE_SUCCEEDED)
      << first.back().message();

  // Clients call Recommend continuously from here on.
  std::atomic<bool> stop{false};
  std::atomic<int64_t> calls{0};
  std::atomic<int64_t> failed{0};
  absl::Mutex mu;
  std::set<int64_t> versions_seen;
  std::vector<std::thread> clients;
  for (int c = 0; c < 2; ++c) {
    clients.emplace_back([&, c] {
      auto stub = nbo::v1::NBOService::NewStub(server_->NewChannel());
      for (int i = 0; !stop.load(); ++i) {
        nbo::v1::RecommendRequest request;
        request.set_customer_id(
            absl::StrFormat("C%07d", 1 + (i * 7 + c) % kCustomers));
        nbo::v1::RecommendResponse response;
        grpc::ClientContext ctx;
        ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
        const grpc::Status s = stub->Recommend(&ctx, request, &response);
        ++calls;
        if (!s.ok()) {
          ++failed;
          continue;
        }
        absl::MutexLock lock(&mu);
        versions_seen.insert(response.model_version());
      }
    });
  }

  // The second job trains again; its publish swaps the server under load.
  std::string second_job;
  std::vector<nbo::v1::JobEvent> second = TrainAndWatch(&second_job);
  // Keep calling until a client has been answered by the new version.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    absl::MutexLock lock(&mu);
    if (versions_seen.contains(2)) break;
    mu.AwaitWithTimeout(
        absl::Condition(
            +[](std::set<int64_t>* seen) { return seen->contains(2); },
            &versions_seen),
        absl::Milliseconds(100));
  }
  stop = true;
  for (std::thread& t : clients) t.join();

  // WatchJob streamed the run: phases, every iteration, the gate, the
  // publish, then the terminal state.
  int iterations = 0;
  bool gate = false;
  bool publish = false;
  for (const nbo::v1::JobEvent& e : second) {
    if (e.kind() == nbo::v1::JobEvent::KIND_ITERATION) ++iterations;
    gate |= e.kind() == nbo::v1::JobEvent::KIND_GATE;
    publish |= e.kind() == nbo::v1::JobEvent::KIND_PUBLISH;
  }
  EXPECT_GE(iterations, 10);
  EXPECT_TRUE(gate);
  EXPECT_TRUE(publish);
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(second.back().kind(), nbo::v1::JobEvent::KIND_FINISHED);
  EXPECT_EQ(second.back().state(), nbo::v1::JOB_STATE_SUCCEEDED)
      << second.back().message();

  grpc::ClientContext get_ctx;
  nbo::v1::GetJobRequest get;
  get.set_job_id(second_job);
  nbo::v1::GetJobResponse job;
  ASSERT_TRUE(jobs_->GetJob(&get_ctx, get, &job).ok());
  EXPECT_EQ(job.job().published_version(), 2);

  EXPECT_GT(calls.load(), 0);
  EXPECT_EQ(failed.load(), 0) << "of " << calls.load() << " calls";
  absl::MutexLock lock(&mu);
  EXPECT_TRUE(versions_seen.contains(2)) << "no answer from version 2";
  for (int64_t v : versions_seen) {
    EXPECT_TRUE(v == 1 || v == 2) << "answered by version " << v;
  }
}

}  // namespace
}  // namespace nbo::integration
