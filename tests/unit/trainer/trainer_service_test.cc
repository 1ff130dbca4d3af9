// Copyright (c) 2026 The nbo Authors. MIT License.
//
// JobManager driven by hand (no worker thread) or by its worker with a fake
// run that advances one iteration per permit the test grants, and
// TrainerServiceImpl over real gRPC on loopback. No sleeps: every wait is on
// a permit, a notification or observed state.

#include <climits>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "lib/auth/token_file.h"
#include "lib/common/file_util.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "nbo/v1/trainer_service.grpc.pb.h"
#include "services/common/access_control.h"
#include "services/common/client_channel.h"
#include "services/trainer/job_manager.h"
#include "services/trainer/trainer_service_impl.h"
#include "services/trainer/training_run.h"

namespace nbo::trainer {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// A run that reports a "training" phase, then one iteration per permit
// (checking `cancelled` before each, as ALS does), then succeeds — unless
// its data_dir is "fail", in which case the gate refuses.
class FakeRun {
 public:
  JobManager::RunFn AsRunFn() {
    return [this](const TrainingSpec& spec,
                  const std::function<void(const TrainingEvent&)>& on_event,
                  const std::function<bool()>& cancelled) {
      return Run(spec, on_event, cancelled);
    };
  }

  // Lets `n` more iterations (across all runs) proceed.
  void Permit(int n) {
    absl::MutexLock lock(&mu_);
    permits_ += n;
  }
  void PermitAll() { Permit(INT_MAX / 2); }

  std::vector<std::string> runs() const {
    absl::MutexLock lock(&mu_);
    return runs_;
  }
  int max_active() const {
    absl::MutexLock lock(&mu_);
    return max_active_;
  }

 private:
  absl::StatusOr<TrainingOutcome> Run(
      const TrainingSpec& spec,
      const std::function<void(const TrainingEvent&)>& on_event,
      const std::function<bool()>& cancelled) {
    {
      absl::MutexLock lock(&mu_);
      runs_.push_back(spec.data_dir);
      ++active_;
      max_active_ = std::max(max_active_, active_);
    }
    TrainingEvent phase;
    phase.kind = TrainingEvent::Kind::kPhase;
    phase.phase = "training";
    on_event(phase);
    absl::StatusOr<TrainingOutcome> result = Iterate(spec, on_event, cancelled);
    absl::MutexLock lock(&mu_);
    --active_;
    return result;
  }

  absl::StatusOr<TrainingOutcome> Iterate(
      const TrainingSpec& spec,
      const std::function<void(const TrainingEvent&)>& on_event,
      const std::function<bool()>& cancelled) {
    for (int i = 1; i <= spec.iterations; ++i) {
      if (cancelled()) return absl::CancelledError("cancelled by request");
      TrainingEvent event;
      event.kind = TrainingEvent::Kind::kIteration;
      event.iteration = i;
      event.loss = 1.0 / i;
      event.seconds = 0.5;
      on_event(event);
      absl::MutexLock lock(&mu_);
      auto permitted = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return permits_ > 0;
      };
      mu_.Await(absl::Condition(&permitted));
      --permits_;
    }
    if (spec.data_dir == "fail") {
      return absl::FailedPreconditionError("gate: map@7 lift below 0.05");
    }
    TrainingOutcome outcome;
    outcome.passed_gate = true;
    outcome.gate_reason = "lift 0.30 >= 0.05";
    outcome.version = 7;
    outcome.targets.push_back({"localhost:1", true, "AVAILABLE"});
    outcome.report_json = "{\"map@7\":0.5}";
    return outcome;
  }

  mutable absl::Mutex mu_;
  int permits_ ABSL_GUARDED_BY(mu_) = 0;
  int active_ ABSL_GUARDED_BY(mu_) = 0;
  int max_active_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> runs_ ABSL_GUARDED_BY(mu_);
};

TrainingSpec Spec(const std::string& data_dir, int iterations = 3) {
  TrainingSpec spec;
  spec.data_dir = data_dir;
  spec.iterations = iterations;
  return spec;
}

JobManager::Options ByHand(int max_finished_jobs = 100) {
  JobManager::Options options;
  options.start_worker = false;
  options.max_finished_jobs = max_finished_jobs;
  return options;
}

// Every event of the job, through Watch (which returns once it has ended).
std::vector<JobEvent> WatchAll(JobManager& manager, const std::string& id) {
  std::vector<JobEvent> events;
  absl::Status status = manager.Watch(id, [&events](const JobEvent& event) {
    events.push_back(event);
    return true;
  });
  EXPECT_THAT(status, IsOk());
  return events;
}

// "phase", "it1", ..., "finished:STATE" for compact comparisons.
std::vector<std::string> Describe(const std::vector<JobEvent>& events) {
  std::vector<std::string> out;
  for (const JobEvent& e : events) {
    if (e.finished) {
      out.push_back("finished:" + std::to_string(static_cast<int>(e.state)));
    } else if (e.progress.kind == TrainingEvent::Kind::kIteration) {
      out.push_back("it" + std::to_string(e.progress.iteration));
    } else {
      out.push_back(e.progress.phase);
    }
  }
  return out;
}

const std::string kSucceeded =
    "finished:" + std::to_string(static_cast<int>(JobState::kSucceeded));
const std::string kCancelled =
    "finished:" + std::to_string(static_cast<int>(JobState::kCancelled));

TEST(JobManagerTest, RunsJobsOneAtATimeInTheOrderTheyWereStarted) {
  FakeRun fake;
  JobManager manager(fake.AsRunFn(), JobManager::Options());
  const std::string a = manager.Start(Spec("a"));
  const std::string b = manager.Start(Spec("b"));
  const std::string c = manager.Start(Spec("c"));
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);

  ASSERT_TRUE(manager.AwaitStartedForTesting(a));
  // `a` waits for its first permit, so the others cannot have started.
  EXPECT_EQ(manager.Get(a)->state, JobState::kRunning);
  EXPECT_EQ(manager.Get(b)->state, JobState::kQueued);
  EXPECT_EQ(manager.Get(c)->state, JobState::kQueued);

  fake.PermitAll();
  for (const std::string& id : {a, b, c}) {
    EXPECT_EQ(Describe(WatchAll(manager, id)).back(), kSucceeded);
  }
  EXPECT_THAT(fake.runs(), ElementsAre("a", "b", "c"));
  EXPECT_EQ(fake.max_active(), 1);
  const std::vector<JobInfo> jobs = manager.List();
  ASSERT_THAT(jobs, SizeIs(3));
  EXPECT_EQ(jobs[0].job_id, a);
  EXPECT_EQ(jobs[2].job_id, c);
  // Started in order, each after the previous one finished.
  EXPECT_LE(jobs[0].finish_time, jobs[1].start_time);
  EXPECT_LE(jobs[1].finish_time, jobs[2].start_time);
}

TEST(JobManagerTest, WatchDeliversPastAndFutureEventsInOrderThenTheEnd) {
  FakeRun fake;
  JobManager manager(fake.AsRunFn(), ByHand());
  const std::string id = manager.Start(Spec("a", 3));

  // A watcher from before the run sees every event as it happens.
  std::vector<JobEvent> live;
  absl::Notification watching_done;
  std::thread watcher([&] {
    live = WatchAll(manager, id);
    watching_done.Notify();
  });
  fake.PermitAll();
  ASSERT_TRUE(manager.RunNextForTesting());
  watching_done.WaitForNotification();
  watcher.join();

  const std::vector<std::string> expected = {"training", "it1", "it2", "it3",
                                             kSucceeded};
  EXPECT_EQ(Describe(live), expected);
  // A watcher after the end sees the same history.
  EXPECT_EQ(Describe(WatchAll(manager, id)), expected);

  ASSERT_OK_AND_ASSIGN(JobInfo info, manager.Get(id));
  EXPECT_EQ(info.state, JobState::kSucceeded);
  EXPECT_EQ(info.last_iteration, 3);
  EXPECT_DOUBLE_EQ(info.last_loss, 1.0 / 3);
  ASSERT_TRUE(info.outcome.has_value());
  EXPECT_EQ(info.outcome->version, 7);
  EXPECT_THAT(info.error, IsOk());
}

TEST(JobManagerTest, CancelStopsARunningJobWithinOneIteration) {
  FakeRun fake;
  JobManager manager(fake.AsRunFn(), ByHand());
  const std::string id = manager.Start(Spec("a", 10));
  std::thread runner([&] { EXPECT_TRUE(manager.RunNextForTesting()); });

  // Wait for iteration 1 (the run then waits for its permit).
  absl::Status seen = manager.Watch(id, [](const JobEvent& event) {
    return event.progress.kind != TrainingEvent::Kind::kIteration;
  });
  EXPECT_THAT(seen, StatusIs(absl::StatusCode::kCancelled));

  ASSERT_OK_AND_ASSIGN(JobInfo during, manager.Cancel(id));
  EXPECT_EQ(during.state, JobState::kRunning);
  fake.Permit(1);
  runner.join();

  ASSERT_OK_AND_ASSIGN(JobInfo info, manager.Get(id));
  EXPECT_EQ(info.state, JobState::kCancelled);
  EXPECT_EQ(info.last_iteration, 1);
  EXPECT_THAT(info.error, StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(Describe(WatchAll(manager, id)),
            (std::vector<std::string>{"training", "it1", kCancelled}));
}

TEST(JobManagerTest, CancelRemovesAQueuedJobWithoutRunningIt) {
  FakeRun fake;
  JobManager manager(fake.AsRunFn(), ByHand());
  const std::string a = manager.Start(Spec("a"));
  const std::string b = manager.Start(Spec("b"));

  ASSERT_OK_AND_ASSIGN(JobInfo cancelled, manager.Cancel(b));
  EXPECT_EQ(cancelled.state, JobState::kCancelled);
  EXPECT_EQ(Describe(WatchAll(manager, b)),
            (std::vector<std::string>{kCancelled}));

  fake.PermitAll();
  EXPECT_TRUE(manager.RunNextForTesting());
  EXPECT_FALSE(manager.RunNextForTesting());
  EXPECT_THAT(fake.runs(), ElementsAre("a"));
  EXPECT_EQ(manager.Get(a)->state, JobState::kSucceeded);
}

TEST(JobManagerTest, CancellingAFinishedJobIsAFailedPrecondition) {
  FakeRun fake;
  JobManager manager(fake.AsRunFn(), ByHand());
  const std::string id = manager.Start(Spec("a"));
  fake.PermitAll();
  ASSERT_TRUE(manager.RunNextForTesting());
  EXPECT_THAT(manager.Cancel(id),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(JobManagerTest, AFailingRunEndsFailedWithItsStatus) {
  FakeRun fake;
  JobManager manager(fake.AsRunFn(), ByHand());
  const std::string id = manager.Start(Spec("fail", 1));
  fake.PermitAll();
  ASSERT_TRUE(manager.RunNextForTesting());
  ASSERT_OK_AND_ASSIGN(JobInfo info, manager.Get(id));
  EXPECT_EQ(info.state, JobState::kFailed);
  EXPECT_THAT(info.error, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_FALSE(info.outcome.has_value());
  const std::vector<JobEvent> events = WatchAll(manager, id);
  ASSERT_FALSE(events.empty());
  EXPECT_TRUE(events.back().finished);
  EXPECT_EQ(events.back().state, JobState::kFailed);
  EXPECT_EQ(events.back().progress.message, "gate: map@7 lift below 0.05");
}

TEST(JobManagerTest, UnknownJobIdsAreNotFound) {
  FakeRun fake;
  JobManager manager(fake.AsRunFn(), ByHand());
  EXPECT_THAT(manager.Get("job-nope"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(manager.Cancel("job-nope"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(manager.Watch("job-nope", [](const JobEvent&) { return true; }),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(JobManagerTest, KeepsOnlyTheNewestFinishedJobs) {
  FakeRun fake;
  JobManager manager(fake.AsRunFn(), ByHand(/*max_finished_jobs=*/2));
  std::vector<std::string> ids;
  for (const char* dir : {"a", "b", "c", "d"}) {
    ids.push_back(manager.Start(Spec(dir, 1)));
  }
  fake.PermitAll();
  while (manager.RunNextForTesting()) {
  }
  const std::vector<JobInfo> jobs = manager.List();
  ASSERT_THAT(jobs, SizeIs(2));
  EXPECT_EQ(jobs[0].job_id, ids[2]);
  EXPECT_EQ(jobs[1].job_id, ids[3]);
  EXPECT_THAT(manager.Get(ids[0]), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(manager.Get(ids[1]), StatusIs(absl::StatusCode::kNotFound));
}

TEST(JobManagerTest, ShutdownCancelsQueuedJobsAndLaterStarts) {
  FakeRun fake;
  JobManager manager(fake.AsRunFn(), ByHand());
  const std::string queued = manager.Start(Spec("a"));
  manager.Shutdown();
  EXPECT_EQ(manager.Get(queued)->state, JobState::kCancelled);
  const std::string late = manager.Start(Spec("b"));
  EXPECT_EQ(manager.Get(late)->state, JobState::kCancelled);
  EXPECT_FALSE(manager.RunNextForTesting());
  EXPECT_THAT(fake.runs(), SizeIs(0));
}

// TrainerServiceImpl over gRPC on loopback, its manager's worker running the
// fake.
class TrainerServiceTest : public ::testing::Test {
 protected:
  void StartServer(const std::string& admin_token = "",
                   const std::string& tokens_file = "") {
    services::AccessControl::Options access_options;
    access_options.admin_token = admin_token;
    access_options.tokens_file = tokens_file;
    access_options.audit = [this](const std::string& line) {
      absl::MutexLock lock(&audit_mu_);
      audit_.push_back(line);
    };
    auto access = services::AccessControl::Create(access_options);
    ASSERT_TRUE(access.ok()) << access.status();
    access_ = *std::move(access);
    manager_ =
        std::make_unique<JobManager>(fake_.AsRunFn(), JobManager::Options());
    TrainerServiceImpl::Options options;
    options.access = access_.get();
    service_ = std::make_unique<TrainerServiceImpl>(manager_.get(), options);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(access_->AuditInterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);
    stub_ = nbo::v1::TrainerService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                            grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    // A job still waiting for permits would keep the manager from stopping.
    fake_.PermitAll();
    if (server_ != nullptr) server_->Shutdown();
    manager_.reset();
  }

  static nbo::v1::TrainingSpec ValidSpec() {
    nbo::v1::TrainingSpec spec;
    spec.set_data_dir("/data/bank");
    spec.set_factors(8);
    spec.set_iterations(3);
    spec.set_threads(1);
    spec.set_k(7);
    spec.set_split("random");
    return spec;
  }

  grpc::Status Start(const nbo::v1::TrainingSpec& spec, std::string* job_id,
                     const std::string& token = "") {
    grpc::ClientContext context;
    services::AddBearerToken(token, &context);
    nbo::v1::StartTrainingRequest request;
    *request.mutable_spec() = spec;
    nbo::v1::StartTrainingResponse response;
    grpc::Status status = stub_->StartTraining(&context, request, &response);
    if (job_id != nullptr) *job_id = response.job().job_id();
    return status;
  }

  // Reads WatchJob to its end.
  grpc::Status Watch(const std::string& job_id,
                     std::vector<nbo::v1::JobEvent>* events,
                     const std::string& token = "") {
    grpc::ClientContext context;
    services::AddBearerToken(token, &context);
    nbo::v1::WatchJobRequest request;
    request.set_job_id(job_id);
    auto reader = stub_->WatchJob(&context, request);
    nbo::v1::WatchJobResponse response;
    while (reader->Read(&response)) events->push_back(response.event());
    return reader->Finish();
  }

  grpc::Status Get(const std::string& job_id, nbo::v1::Job* job,
                   const std::string& token = "") {
    grpc::ClientContext context;
    services::AddBearerToken(token, &context);
    nbo::v1::GetJobRequest request;
    request.set_job_id(job_id);
    nbo::v1::GetJobResponse response;
    grpc::Status status = stub_->GetJob(&context, request, &response);
    *job = response.job();
    return status;
  }

  grpc::Status Cancel(const std::string& job_id, nbo::v1::Job* job,
                      const std::string& token = "") {
    grpc::ClientContext context;
    services::AddBearerToken(token, &context);
    nbo::v1::CancelJobRequest request;
    request.set_job_id(job_id);
    nbo::v1::CancelJobResponse response;
    grpc::Status status = stub_->CancelJob(&context, request, &response);
    *job = response.job();
    return status;
  }

  grpc::Status List(nbo::v1::ListJobsResponse* response,
                    const std::string& token = "") {
    grpc::ClientContext context;
    services::AddBearerToken(token, &context);
    return stub_->ListJobs(&context, nbo::v1::ListJobsRequest(), response);
  }

  FakeRun fake_;
  std::unique_ptr<JobManager> manager_;
  std::unique_ptr<services::AccessControl> access_;
  std::unique_ptr<TrainerServiceImpl> service_;
  absl::Mutex audit_mu_;
  std::vector<std::string> audit_ ABSL_GUARDED_BY(audit_mu_);
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<nbo::v1::TrainerService::Stub> stub_;
};

TEST_F(TrainerServiceTest, WatchStreamsTheIterationsThenGetShowsTheOutcome) {
  StartServer();
  std::string id;
  ASSERT_TRUE(Start(ValidSpec(), &id).ok());
  EXPECT_FALSE(id.empty());
  fake_.PermitAll();

  std::vector<nbo::v1::JobEvent> events;
  ASSERT_TRUE(Watch(id, &events).ok());
  ASSERT_THAT(events, SizeIs(5));
  EXPECT_EQ(events[0].kind(), nbo::v1::JobEvent::KIND_PHASE);
  EXPECT_EQ(events[0].phase(), "training");
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(events[i].kind(), nbo::v1::JobEvent::KIND_ITERATION);
    EXPECT_EQ(events[i].iteration(), i);
    EXPECT_DOUBLE_EQ(events[i].loss(), 1.0 / i);
    EXPECT_DOUBLE_EQ(events[i].seconds(), 0.5);
  }
  EXPECT_EQ(events[4].kind(), nbo::v1::JobEvent::KIND_FINISHED);
  EXPECT_EQ(events[4].state(), nbo::v1::JOB_STATE_SUCCEEDED);

  nbo::v1::Job job;
  ASSERT_TRUE(Get(id, &job).ok());
  EXPECT_EQ(job.job_id(), id);
  EXPECT_EQ(job.state(), nbo::v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(job.spec().data_dir(), "/data/bank");
  EXPECT_EQ(job.spec().split(), "random");
  EXPECT_EQ(job.last_iteration(), 3);
  EXPECT_EQ(job.published_version(), 7);
  EXPECT_TRUE(job.passed_gate());
  ASSERT_EQ(job.targets_size(), 1);
  EXPECT_EQ(job.targets(0).target(), "localhost:1");
  EXPECT_TRUE(job.targets(0).ok());
  EXPECT_EQ(job.report_json(), "{\"map@7\":0.5}");
  EXPECT_TRUE(job.has_create_time());
  EXPECT_TRUE(job.has_start_time());
  EXPECT_TRUE(job.has_finish_time());
  EXPECT_TRUE(job.error_message().empty());

  nbo::v1::ListJobsResponse list;
  ASSERT_TRUE(List(&list).ok());
  ASSERT_EQ(list.jobs_size(), 1);
  EXPECT_EQ(list.jobs(0).job_id(), id);
}

TEST_F(TrainerServiceTest, CancelJobStopsARunningJobAndWatchEndsCancelled) {
  StartServer();
  nbo::v1::TrainingSpec spec = ValidSpec();
  spec.set_iterations(10);
  std::string id;
  ASSERT_TRUE(Start(spec, &id).ok());
  ASSERT_TRUE(manager_->AwaitStartedForTesting(id));

  nbo::v1::Job job;
  ASSERT_TRUE(Cancel(id, &job).ok());
  EXPECT_EQ(job.state(), nbo::v1::JOB_STATE_RUNNING);
  fake_.Permit(1);

  std::vector<nbo::v1::JobEvent> events;
  ASSERT_TRUE(Watch(id, &events).ok());
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().kind(), nbo::v1::JobEvent::KIND_FINISHED);
  EXPECT_EQ(events.back().state(), nbo::v1::JOB_STATE_CANCELLED);
  ASSERT_TRUE(Get(id, &job).ok());
  EXPECT_EQ(job.state(), nbo::v1::JOB_STATE_CANCELLED);
  EXPECT_LE(job.last_iteration(), 1);

  grpc::Status again = Cancel(id, &job);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(TrainerServiceTest, RejectsBadSpecsWithInvalidArgument) {
  StartServer();
  std::vector<std::pair<std::string, nbo::v1::TrainingSpec>> cases;
  auto with = [&cases](const std::string& name, auto mutate) {
    nbo::v1::TrainingSpec spec = ValidSpec();
    mutate(spec);
    cases.emplace_back(name, spec);
  };
  with("empty data_dir", [](nbo::v1::TrainingSpec& s) { s.clear_data_dir(); });
  with("zero factors", [](nbo::v1::TrainingSpec& s) { s.set_factors(0); });
  with("negative iterations",
       [](nbo::v1::TrainingSpec& s) { s.set_iterations(-1); });
  with("zero iterations",
       [](nbo::v1::TrainingSpec& s) { s.set_iterations(0); });
  with("zero threads", [](nbo::v1::TrainingSpec& s) { s.set_threads(0); });
  with("unknown split",
       [](nbo::v1::TrainingSpec& s) { s.set_split("weekly"); });
  with("zero k", [](nbo::v1::TrainingSpec& s) { s.set_k(0); });
  with("negative window",
       [](nbo::v1::TrainingSpec& s) { s.set_nbo_window_days(-1); });
  with("ten-year window",
       [](nbo::v1::TrainingSpec& s) { s.set_nbo_window_days(3651); });
  with("negative k", [](nbo::v1::TrainingSpec& s) { s.set_k(-7); });
  with("version above 2^53",
       [](nbo::v1::TrainingSpec& s) { s.set_version((int64_t{1} << 53) + 1); });
  with("1 MiB data_dir", [](nbo::v1::TrainingSpec& s) {
    s.set_data_dir(std::string(1 << 20, 'd'));
  });
  with("1 MiB model_name", [](nbo::v1::TrainingSpec& s) {
    s.set_model_name(std::string(1 << 20, 'm'));
  });
  with("17 targets", [](nbo::v1::TrainingSpec& s) {
    for (int i = 0; i < 17; ++i) s.add_publish_to("127.0.0.1:1");
  });
  with("NaN regularization", [](nbo::v1::TrainingSpec& s) {
    s.set_regularization(std::numeric_limits<double>::quiet_NaN());
  });
  with("infinite alpha", [](nbo::v1::TrainingSpec& s) {
    s.set_alpha(std::numeric_limits<double>::infinity());
  });
  with("1e308 min_lift",
       [](nbo::v1::TrainingSpec& s) { s.set_min_lift(1e308); });
  with("257 threads", [](nbo::v1::TrainingSpec& s) { s.set_threads(257); });
  with("1001 iterations",
       [](nbo::v1::TrainingSpec& s) { s.set_iterations(1001); });
  with("1 MiB split", [](nbo::v1::TrainingSpec& s) {
    s.set_split(std::string(1 << 20, 's'));
  });
  with("tune yes", [](nbo::v1::TrainingSpec& s) { s.set_tune("yes"); });
  with("negative tune budget",
       [](nbo::v1::TrainingSpec& s) { s.set_tune_budget_seconds(-1); });
  with("two-day tune budget",
       [](nbo::v1::TrainingSpec& s) { s.set_tune_budget_seconds(172800); });
  with("NaN tune budget", [](nbo::v1::TrainingSpec& s) {
    s.set_tune_budget_seconds(std::numeric_limits<double>::quiet_NaN());
  });
  with("unknown model kind",
       [](nbo::v1::TrainingSpec& s) { s.set_model_kind("xgboost"); });
  with("negative ease_lambda",
       [](nbo::v1::TrainingSpec& s) { s.set_ease_lambda(-1); });
  with("second_stage maybe",
       [](nbo::v1::TrainingSpec& s) { s.set_second_stage("maybe"); });
  for (const auto& [name, spec] : cases) {
    grpc::Status status = Start(spec, nullptr);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << name << ": " << status.error_message();
    EXPECT_LE(status.error_message().size(), 400u) << name;
  }
  nbo::v1::ListJobsResponse list;
  ASSERT_TRUE(List(&list).ok());
  EXPECT_EQ(list.jobs_size(), 0);

  // An empty split means the default.
  nbo::v1::TrainingSpec defaults = ValidSpec();
  defaults.clear_split();
  std::string id;
  ASSERT_TRUE(Start(defaults, &id).ok());
  nbo::v1::Job job;
  ASSERT_TRUE(Get(id, &job).ok());
  EXPECT_EQ(job.spec().split(), "nbo");
  EXPECT_EQ(job.spec().nbo_window_days(), 90);
  // This API's hyperparameters are explicit: tuning is off unless asked.
  EXPECT_EQ(job.spec().tune(), "off");
  EXPECT_EQ(job.spec().model_kind(), "implicit_als");
  EXPECT_EQ(job.spec().tune_budget_seconds(), 180);
  EXPECT_EQ(job.spec().ease_lambda(), 100);
  EXPECT_EQ(job.spec().second_stage(), "on");

  nbo::v1::TrainingSpec monthly = ValidSpec();
  monthly.clear_split();
  monthly.set_nbo_window_days(30);
  ASSERT_TRUE(Start(monthly, &id).ok());
  ASSERT_TRUE(Get(id, &job).ok());
  EXPECT_EQ(job.spec().nbo_window_days(), 30);
}

TEST_F(TrainerServiceTest, AnUnknownOneMebibyteJobIdIsQuotedBriefly) {
  StartServer();
  nbo::v1::Job job;
  const grpc::Status status = Get(std::string(1 << 20, 'j'), &job);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("(1048576 bytes)"));
  EXPECT_LE(status.error_message().size(), 400u);
}

TEST_F(TrainerServiceTest, FeedbackPathReachesTheRunAndTheJob) {
  nbo::v1::TrainingSpec proto = ValidSpec();
  ASSERT_OK_AND_ASSIGN(TrainingSpec without, TrainingSpecFromProto(proto));
  EXPECT_EQ(without.feedback_path, "");
  proto.set_feedback_path("/data/feedback.csv");
  ASSERT_OK_AND_ASSIGN(TrainingSpec spec, TrainingSpecFromProto(proto));
  EXPECT_EQ(spec.feedback_path, "/data/feedback.csv");

  StartServer();
  std::string id;
  ASSERT_TRUE(Start(proto, &id).ok());
  nbo::v1::Job job;
  ASSERT_TRUE(Get(id, &job).ok());
  EXPECT_EQ(job.spec().feedback_path(), "/data/feedback.csv");
}

TEST_F(TrainerServiceTest, UnknownJobsAreNotFound) {
  StartServer();
  nbo::v1::Job job;
  EXPECT_EQ(Get("job-nope", &job).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Cancel("job-nope", &job).error_code(), grpc::StatusCode::NOT_FOUND);
  std::vector<nbo::v1::JobEvent> events;
  EXPECT_EQ(Watch("job-nope", &events).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(events.empty());
}

TEST_F(TrainerServiceTest, EveryRpcNeedsTheAdminTokenWhenOneIsSet) {
  StartServer("s3cret");
  std::string id;
  nbo::v1::Job job;
  nbo::v1::ListJobsResponse list;
  std::vector<nbo::v1::JobEvent> events;
  for (const std::string& token : {std::string(), std::string("wrong")}) {
    SCOPED_TRACE("token '" + token + "'");
    EXPECT_EQ(Start(ValidSpec(), &id, token).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(Get("job-00000001", &job, token).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(List(&list, token).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(Watch("job-00000001", &events, token).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(Cancel("job-00000001", &job, token).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_TRUE(events.empty());

  fake_.PermitAll();
  ASSERT_TRUE(Start(ValidSpec(), &id, "s3cret").ok());
  ASSERT_TRUE(Watch(id, &events, "s3cret").ok());
  ASSERT_TRUE(Get(id, &job, "s3cret").ok());
  EXPECT_EQ(job.state(), nbo::v1::JOB_STATE_SUCCEEDED);
  ASSERT_TRUE(List(&list, "s3cret").ok());
  EXPECT_EQ(list.jobs_size(), 1);
}

TEST_F(TrainerServiceTest, EveryRpcNeedsRoleAdminAndIsAudited) {
  nbo::testing::TempDir dir;
  std::string file;
  for (const auto& [name, roles, token] :
       {std::tuple<const char*, const char*, const char*>{
            "desk", "read,act,ingest,customer", "t-desk"},
        {"ops", "admin", "t-ops"}}) {
    file += auth::TokenFileLine(name, roles, token);
  }
  ASSERT_TRUE(common::WriteFileAtomically(dir.Sub("tokens"), file).ok());
  StartServer("", dir.Sub("tokens"));
  std::string id;
  nbo::v1::Job job;
  nbo::v1::ListJobsResponse list;
  std::vector<nbo::v1::JobEvent> events;
  const grpc::Status statuses[] = {
      Start(ValidSpec(), &id, "t-desk"), Get("job-00000001", &job, "t-desk"),
      List(&list, "t-desk"), Watch("job-00000001", &events, "t-desk"),
      Cancel("job-00000001", &job, "t-desk")};
  for (const grpc::Status& status : statuses) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(status.error_message(),
              "this RPC needs a token with role 'admin'");
  }
  ASSERT_TRUE(List(&list, "t-ops").ok());
  absl::MutexLock lock(&audit_mu_);
  ASSERT_EQ(audit_.size(), 6u);
  EXPECT_THAT(audit_[0],
              ::testing::HasSubstr("token=desk method=/nbo.v1.TrainerService/"
                                   "StartTraining code=PERMISSION_DENIED"));
  EXPECT_THAT(audit_[5],
              ::testing::HasSubstr("token=ops method=/nbo.v1.TrainerService/"
                                   "ListJobs code=OK"));
}

}  // namespace
}  // namespace nbo::trainer
