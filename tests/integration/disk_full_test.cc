// Copyright (c) 2026 The nbo Authors. MIT License.
//
// A full disk, for real: nbo-server runs as a child process with its data
// directory on a small tmpfs that the test fills (a filler file written until
// ENOSPC) while clients ingest transactions, ask for decisions, record
// feedback and publish a model. What must hold:
// - the server does not crash;
// - writes fail with RESOURCE_EXHAUSTED ("storage full") and are not
//   acknowledged; reads and Recommend keep answering (decisions the log
//   cannot take are marked unlogged and carry no id);
// - health reports it ("nbo.storage" and IngestService NOT_SERVING, the
//   overall status still SERVING) and so do the metrics;
// - once the filler is deleted, writes resume by themselves within seconds,
//   without a restart;
// - nothing acknowledged is lost, and every decision id handed out is good
//   for feedback.
//
// Mounting needs CAP_SYS_ADMIN; without it the test skips with a message.
// Rounds: 1, or NBO_DISK_FULL_ROUNDS (the "heavy" ctest entry runs more).

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "nbo/v1/ingest_service.grpc.pb.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "tests/integration/server_process.h"
#include "tests/integration/test_model.h"

namespace nbo::integration {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::nbo::v1::IngestService;
using ::nbo::v1::NBOService;
using HealthStatus = grpc::health::v1::HealthCheckResponse::ServingStatus;

constexpr size_t kTmpfsBytes = 128 << 20;

int Rounds() {
  const char* env = std::getenv("NBO_DISK_FULL_ROUNDS");
  int n = 0;
  if (env != nullptr && absl::SimpleAtoi(env, &n) && n > 0) return n;
  return 1;
}

// A tmpfs mounted for the test's life; detached on destruction.
class TmpfsMount {
 public:
  // The mount, or the reason it could not be made (to skip with).
  static absl::StatusOr<std::unique_ptr<TmpfsMount>> Mount(std::string path,
                                                           size_t bytes) {
    std::filesystem::create_directories(path);
    const std::string data = absl::StrCat("size=", bytes);
    if (mount("tmpfs", path.c_str(), "tmpfs", 0, data.c_str()) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot mount a tmpfs (", std::strerror(errno),
                       "): this test needs CAP_SYS_ADMIN"));
    }
    return std::unique_ptr<TmpfsMount>(new TmpfsMount(std::move(path)));
  }
  ~TmpfsMount() { umount2(path_.c_str(), MNT_DETACH); }
  const std::string& path() const { return path_; }

 private:
  explicit TmpfsMount(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Writes `file` until the file system has no byte left; returns its size.
absl::StatusOr<size_t> FillDisk(const std::string& file) {
  const int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return absl::InternalError("cannot create the filler");
  std::string chunk(1 << 20, 'x');
  size_t written = 0;
  // Big chunks first, then ever smaller ones for the last bytes.
  for (size_t size = chunk.size(); size > 0; size /= 4) {
    while (true) {
      const ssize_t n = write(fd, chunk.data(), size);
      if (n <= 0) break;
      written += static_cast<size_t>(n);
    }
  }
  close(fd);
  return written;
}

grpc::ClientContext* WithDeadline(grpc::ClientContext* context) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  return context;
}

// What the clients were told, gathered across threads. Thread-safe.
class Ledger {
 public:
  void AddBatch(std::vector<nbo::v1::Transaction> batch) {
    absl::MutexLock lock(&mu_);
    batches_.push_back(std::move(batch));
  }
  void AddDecision(nbo::v1::RecommendResponse decision) {
    absl::MutexLock lock(&mu_);
    decisions_.push_back(std::move(decision));
  }
  void AddFeedback(nbo::v1::RecordFeedbackRequest request) {
    absl::MutexLock lock(&mu_);
    feedback_.push_back(std::move(request));
  }
  void AddUnexpected(std::string what) {
    absl::MutexLock lock(&mu_);
    unexpected_.push_back(std::move(what));
  }
  void CountFull() { full_.fetch_add(1); }
  void CountUnlogged() { unlogged_.fetch_add(1); }

  int full() const { return full_.load(); }
  int unlogged() const { return unlogged_.load(); }
  std::vector<std::vector<nbo::v1::Transaction>> batches() const {
    absl::MutexLock lock(&mu_);
    return batches_;
  }
  std::vector<nbo::v1::RecommendResponse> decisions() const {
    absl::MutexLock lock(&mu_);
    return decisions_;
  }
  std::vector<nbo::v1::RecordFeedbackRequest> feedback() const {
    absl::MutexLock lock(&mu_);
    return feedback_;
  }
  std::vector<std::string> unexpected() const {
    absl::MutexLock lock(&mu_);
    return unexpected_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::vector<nbo::v1::Transaction>> batches_ ABSL_GUARDED_BY(mu_);
  std::vector<nbo::v1::RecommendResponse> decisions_ ABSL_GUARDED_BY(mu_);
  std::vector<nbo::v1::RecordFeedbackRequest> feedback_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> unexpected_ ABSL_GUARDED_BY(mu_);
  std::atomic<int> full_{0};
  std::atomic<int> unlogged_{0};
};

// A write's answer: acknowledged, refused as storage full, or unexpected.
bool Acked(const grpc::Status& s, const char* what, Ledger* ledger) {
  if (s.ok()) return true;
  if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
    ledger->CountFull();
  } else {
    ledger->AddUnexpected(
        absl::StrCat(what, ": ", s.error_code(), " ", s.error_message()));
  }
  return false;
}

// Ingests batches of new transactions until `stop`.
void IngestClient(std::shared_ptr<grpc::Channel> channel, int round,
                  const std::atomic<bool>* stop, Ledger* ledger) {
  auto ingest = IngestService::NewStub(channel);
  for (int k = 0; !stop->load(); ++k) {
    nbo::v1::RecordTransactionsRequest request;
    for (int i = 0; i < 20; ++i) {
      nbo::v1::Transaction* t = request.add_transactions();
      t->set_customer_id(absl::StrCat("D", round, "-", k % 50));
      t->set_product_id(SyntheticModel::ProductId(i % 12));
      t->set_event(nbo::v1::TRANSACTION_EVENT_VIEW);
      t->mutable_timestamp()->set_seconds(
          absl::ToUnixSeconds(absl::Now() - absl::Minutes(1)));
      t->set_transaction_id(absl::StrCat("t", round, "-", k, "-", i));
    }
    nbo::v1::RecordTransactionsResponse response;
    grpc::ClientContext context;
    if (Acked(ingest->RecordTransactions(WithDeadline(&context), request,
                                         &response),
              "RecordTransactions", ledger)) {
      ledger->AddBatch(
          {request.transactions().begin(), request.transactions().end()});
    }
  }
}

// Asks for decisions and records an impression of each first offer, until
// `stop`. Recommend must always answer.
void DecisionClient(std::shared_ptr<grpc::Channel> channel, int round,
                    const std::atomic<bool>* stop, Ledger* ledger) {
  auto nbo = NBOService::NewStub(channel);
  for (int k = 0; !stop->load(); ++k) {
    nbo::v1::RecommendRequest ask;
    ask.set_customer_id(SyntheticModel::CustomerId(k % 100));
    nbo::v1::RecommendResponse decision;
    grpc::ClientContext context;
    const grpc::Status s =
        nbo->Recommend(WithDeadline(&context), ask, &decision);
    if (!s.ok()) {
      ledger->AddUnexpected(
          absl::StrCat("Recommend: ", s.error_code(), " ", s.error_message()));
      continue;
    }
    if (decision.unlogged()) {
      ledger->CountUnlogged();
      if (!decision.decision_id().empty()) {
        ledger->AddUnexpected("an unlogged decision carries an id");
      }
      continue;
    }
    ledger->AddDecision(decision);
    if (decision.offers().empty()) continue;
    nbo::v1::RecordFeedbackRequest feedback;
    feedback.set_customer_id(ask.customer_id());
    feedback.set_decision_id(decision.decision_id());
    feedback.set_product_id(decision.offers(0).product_id());
    feedback.set_outcome(nbo::v1::FEEDBACK_OUTCOME_IMPRESSION);
    feedback.set_channel(absl::StrCat("r", round));
    nbo::v1::RecordFeedbackResponse response;
    grpc::ClientContext feedback_context;
    if (Acked(nbo->RecordFeedback(WithDeadline(&feedback_context), feedback,
                                  &response),
              "RecordFeedback", ledger)) {
      ledger->AddFeedback(feedback);
    }
  }
}

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TmpfsMount>> mount =
        TmpfsMount::Mount(dir_.Sub("disk"), kTmpfsBytes);
    if (!mount.ok()) GTEST_SKIP() << mount.status().message();
    mount_ = *std::move(mount);
    ServerProcess::Options options;
    options.data_dir = mount_->path() + "/data";
    // Logs and the port file off the small disk.
    options.log_path = dir_.Sub("server.log");
    options.port_file = dir_.Sub("server.ports");
    // The publish free-space check keeps 64 MiB spare by default; this
    // disk is small on purpose.
    options.extra_flags = {"--drain=0s", "--publish_free_space_reserve_mb=1"};
    ASSERT_OK_AND_ASSIGN(server_, ServerProcess::Start(options));
  }

  void TearDown() override { server_.reset(); }

  HealthStatus Health(const std::string& service) {
    auto health = grpc::health::v1::Health::NewStub(server_->channel());
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    if (!health->Check(WithDeadline(&context), request, &response).ok()) {
      return grpc::health::v1::HealthCheckResponse::UNKNOWN;
    }
    return response.status();
  }

  // Polls the health entry until it says `want`; the time it took, or
  // DEADLINE_EXCEEDED. The server checks its storage every second; polling
  // is how a probe sees it too.
  absl::StatusOr<absl::Duration> AwaitHealth(const std::string& service,
                                             HealthStatus want,
                                             absl::Duration timeout) {
    const absl::Time start = absl::Now();
    while (absl::Now() - start < timeout) {
      if (Health(service) == want) return absl::Now() - start;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return absl::DeadlineExceededError(
        absl::StrCat("health of '", service, "' never became ", want));
  }

  absl::Status PublishVersion(int64_t version) {
    SyntheticModel::Options options;
    options.version = version;
    options.customers = 100;
    auto stub = nbo::v1::ModelService::NewStub(server_->channel());
    return Publish(*stub, SyntheticModel(options).Messages()).status();
  }

  nbo::testing::TempDir dir_;
  std::unique_ptr<TmpfsMount> mount_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(DiskFullTest, FullDiskIsAStateThatPassesWithoutLosingAnything) {
  ASSERT_THAT(PublishVersion(1), IsOk());
  int64_t next_version = 2;
  for (int round = 0; round < Rounds(); ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    Ledger ledger;
    std::atomic<bool> stop{false};
    std::thread ingest(IngestClient, server_->NewChannel(), round, &stop,
                       &ledger);
    std::thread decide(DecisionClient, server_->NewChannel(), round, &stop,
                       &ledger);
    // Some of everything acknowledged before the disk fills.
    while (ledger.batches().size() < 5 || ledger.feedback().size() < 5) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    const std::string filler = mount_->path() + "/filler";
    ASSERT_OK_AND_ASSIGN(const size_t filled, FillDisk(filler));
    std::printf("round %d: filled the disk with %zu bytes\n", round, filled);

    // Full: refusals, health, metrics; the server stays up.
    ASSERT_THAT(AwaitHealth("nbo.storage",
                            grpc::health::v1::HealthCheckResponse::NOT_SERVING,
                            absl::Seconds(30)),
                IsOk());
    const absl::Time full_since = absl::Now();
    while ((ledger.full() == 0 || ledger.unlogged() == 0) &&
           absl::Now() - full_since < absl::Seconds(30)) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    EXPECT_GT(ledger.full(), 0) << "no write was refused as storage full";
    EXPECT_GT(ledger.unlogged(), 0) << "no decision was marked unlogged";
    EXPECT_EQ(Health(""), grpc::health::v1::HealthCheckResponse::SERVING);
    EXPECT_EQ(Health("nbo.v1.IngestService"),
              grpc::health::v1::HealthCheckResponse::NOT_SERVING);
    EXPECT_THAT(PublishVersion(next_version),
                StatusIs(absl::StatusCode::kResourceExhausted));
    ASSERT_OK_AND_ASSIGN(std::string metrics, server_->FetchMetrics());
    ASSERT_OK_AND_ASSIGN(
        const double writable,
        MetricValue(metrics, "nbo_storage_writable", {{"store", "customer"}}));
    EXPECT_EQ(writable, 0.0);
    ASSERT_OK_AND_ASSIGN(const double unlogged,
                         MetricValue(metrics, "nbo_decisions_unlogged_total"));
    EXPECT_GT(unlogged, 0.0);
    EXPECT_TRUE(server_->running());

    // Space returns: writes resume by themselves.
    ASSERT_EQ(unlink(filler.c_str()), 0);
    ASSERT_OK_AND_ASSIGN(
        const absl::Duration recovery,
        AwaitHealth("nbo.storage",
                    grpc::health::v1::HealthCheckResponse::SERVING,
                    absl::Seconds(60)));
    std::printf("round %d: writes resumed %.1f s after space was freed\n",
                round, absl::ToDoubleSeconds(recovery));
    EXPECT_LT(recovery, absl::Seconds(15));
    const size_t decisions_before = ledger.decisions().size();
    while (ledger.decisions().size() < decisions_before + 5) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    stop = true;
    ingest.join();
    decide.join();
    EXPECT_THAT(ledger.unexpected(), ::testing::IsEmpty());

    // Publishing the version refused while full works now.
    EXPECT_THAT(PublishVersion(next_version), IsOk());
    ++next_version;

    // Nothing acknowledged was lost: sent again, every batch and every
    // feedback is a duplicate, and every decision id is good for feedback.
    auto ingest_stub = IngestService::NewStub(server_->channel());
    for (const auto& batch : ledger.batches()) {
      nbo::v1::RecordTransactionsRequest request;
      for (const auto& t : batch) *request.add_transactions() = t;
      nbo::v1::RecordTransactionsResponse response;
      grpc::ClientContext context;
      ASSERT_TRUE(
          ingest_stub
              ->RecordTransactions(WithDeadline(&context), request, &response)
              .ok());
      EXPECT_EQ(response.duplicates(), static_cast<int>(batch.size()));
    }
    auto nbo_stub = NBOService::NewStub(server_->channel());
    for (const auto& feedback : ledger.feedback()) {
      nbo::v1::RecordFeedbackResponse response;
      grpc::ClientContext context;
      ASSERT_TRUE(
          nbo_stub->RecordFeedback(WithDeadline(&context), feedback, &response)
              .ok());
      EXPECT_TRUE(response.duplicate());
    }
    for (const auto& decision : ledger.decisions()) {
      if (decision.offers().empty()) continue;
      nbo::v1::RecordFeedbackRequest feedback;
      feedback.set_customer_id(decision.customer_id());
      feedback.set_decision_id(decision.decision_id());
      feedback.set_product_id(decision.offers(0).product_id());
      feedback.set_outcome(nbo::v1::FEEDBACK_OUTCOME_ACCEPTED);
      nbo::v1::RecordFeedbackResponse response;
      grpc::ClientContext context;
      const grpc::Status s =
          nbo_stub->RecordFeedback(WithDeadline(&context), feedback, &response);
      EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
    }
  }
}

}  // namespace
}  // namespace nbo::integration
