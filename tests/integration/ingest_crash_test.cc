// Copyright (c) 2026 The nbo Authors. MIT License.
//
// kill -9 while clients ingest transactions (unary and streamed) and record
// feedback, again and again. The clients write down exactly what the server
// acknowledged; after each restart on the same data directory every
// acknowledged transaction and every acknowledged feedback event must be
// there: in GetCustomer, as a duplicate when sent again, and in the
// experiment statistics.
//
// kill -9 loses what the process had not handed to the kernel; it cannot
// tell a synced write from an unsynced one (that takes a power cut), so what
// this test guards is that acknowledgements follow the write, never precede
// it, and that recovery brings every written record back.
//
// Rounds: 3, or NBO_INGEST_CRASH_ROUNDS (the "heavy" ctest entry runs 30).
// The kill points come from a seed printed at the start; set
// NBO_INGEST_CRASH_SEED to replay them.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
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
using ::nbo::v1::IngestService;
using ::nbo::v1::ModelService;
using ::nbo::v1::NBOService;

constexpr int kFeedbackThreads = 2;
constexpr int kUnaryBatch = 10;
constexpr int kStreamMessages = 3;
constexpr int kStreamBatch = 5;
// Transaction batches a customer gets before the next customer is used:
// keeps every customer's transactions well under GetCustomer's 1000.
constexpr int kBatchesPerCustomer = 20;

int Rounds() {
  const char* env = std::getenv("NBO_INGEST_CRASH_ROUNDS");
  int n = 0;
  if (env != nullptr && absl::SimpleAtoi(env, &n) && n > 0) return n;
  return 3;
}

SyntheticModel Model() {
  SyntheticModel::Options options;
  options.customers = 100;
  options.products = 12;
  options.rank = 8;
  options.seed = 3;
  return SyntheticModel(options);
}

// Codes a call may end with because the server died under it.
bool IsCrashCode(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE ||
         code == grpc::StatusCode::CANCELLED ||
         code == grpc::StatusCode::UNKNOWN ||
         code == grpc::StatusCode::INTERNAL ||
         code == grpc::StatusCode::DEADLINE_EXCEEDED;
}

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
}

struct AckedFeedback {
  std::string customer;
  std::string decision_id;
  std::string product;
  nbo::v1::FeedbackOutcome outcome;
};

// What the server acknowledged during one round, written by the client
// threads and read by the test's main thread. Thread-safe.
class Ledger {
 public:
  void AddFeedback(AckedFeedback f) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    feedback_.push_back(std::move(f));
  }
  void AddBatch(std::vector<nbo::v1::Transaction> batch)
      ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    batches_.push_back(std::move(batch));
  }
  void AddUnexpected(std::string what) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    unexpected_.push_back(std::move(what));
  }

  // Waits until at least `feedback` feedback events and `batches`
  // transaction batches are acknowledged; false after `timeout`.
  bool AwaitAcks(size_t feedback, size_t batches, absl::Duration timeout)
      ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return feedback_.size() >= feedback && batches_.size() >= batches;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
  }

  std::vector<AckedFeedback> feedback() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return feedback_;
  }
  std::vector<std::vector<nbo::v1::Transaction>> batches() const
      ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return batches_;
  }
  std::vector<std::string> unexpected() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return unexpected_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<AckedFeedback> feedback_ ABSL_GUARDED_BY(mu_);
  std::vector<std::vector<nbo::v1::Transaction>> batches_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> unexpected_ ABSL_GUARDED_BY(mu_);
};

nbo::v1::Transaction MakeTxn(const std::string& customer, int product,
                             const std::string& id) {
  nbo::v1::Transaction t;
  t.set_customer_id(customer);
  t.set_product_id(SyntheticModel::ProductId(product));
  // Every third is a purchase, which starts a holding.
  t.set_event(product % 3 == 0 ? nbo::v1::TRANSACTION_EVENT_PURCHASE
                               : nbo::v1::TRANSACTION_EVENT_VIEW);
  t.mutable_timestamp()->set_seconds(
      absl::ToUnixSeconds(absl::Now() - absl::Minutes(1)));
  t.set_amount(product);
  t.set_transaction_id(id);
  return t;
}

// Decides for a fresh customer and records feedback on every offer, until
// `stop`. Fresh customers keep contact fatigue out of the way.
void FeedbackClient(std::shared_ptr<grpc::Channel> channel, int round,
                    int thread, const std::atomic<bool>* stop, Ledger* ledger) {
  auto nbo = NBOService::NewStub(channel);
  for (int k = 0; !stop->load(); ++k) {
    const std::string customer = absl::StrCat("F", round, "-", thread, "-", k);
    nbo::v1::RecommendRequest ask;
    ask.set_customer_id(customer);
    ask.set_num_offers(3);
    nbo::v1::RecommendResponse decision;
    grpc::ClientContext context;
    SetDeadline(&context);
    const grpc::Status decided = nbo->Recommend(&context, ask, &decision);
    if (!decided.ok()) {
      if (!IsCrashCode(decided.error_code())) {
        ledger->AddUnexpected(
            absl::StrCat("Recommend: ", decided.error_message()));
      }
      continue;
    }
    // Offer 0 shown and taken, offer 1 declined, offer 2 shown.
    std::vector<std::pair<int, nbo::v1::FeedbackOutcome>> script = {
        {0, nbo::v1::FEEDBACK_OUTCOME_IMPRESSION},
        {0, nbo::v1::FEEDBACK_OUTCOME_ACCEPTED},
        {1, nbo::v1::FEEDBACK_OUTCOME_DECLINED},
        {2, nbo::v1::FEEDBACK_OUTCOME_IMPRESSION}};
    for (const auto& [offer, outcome] : script) {
      if (offer >= decision.offers_size()) continue;
      nbo::v1::RecordFeedbackRequest request;
      request.set_customer_id(customer);
      request.set_decision_id(decision.decision_id());
      request.set_product_id(decision.offers(offer).product_id());
      request.set_outcome(outcome);
      nbo::v1::RecordFeedbackResponse response;
      grpc::ClientContext feedback_context;
      SetDeadline(&feedback_context);
      const grpc::Status recorded =
          nbo->RecordFeedback(&feedback_context, request, &response);
      if (!recorded.ok()) {
        if (!IsCrashCode(recorded.error_code())) {
          ledger->AddUnexpected(
              absl::StrCat("RecordFeedback: ", recorded.error_message()));
        }
        break;
      }
      if (response.duplicate()) {
        ledger->AddUnexpected("first RecordFeedback answered duplicate");
      }
      ledger->AddFeedback(
          {customer, decision.decision_id(), request.product_id(), outcome});
    }
  }
}

// Sends RecordTransactions batches until `stop`.
void UnaryClient(std::shared_ptr<grpc::Channel> channel, int round,
                 const std::atomic<bool>* stop, Ledger* ledger) {
  auto ingest = IngestService::NewStub(channel);
  for (int k = 0; !stop->load(); ++k) {
    const std::string customer =
        absl::StrCat("T", round, "-u-", k / kBatchesPerCustomer);
    nbo::v1::RecordTransactionsRequest request;
    for (int i = 0; i < kUnaryBatch; ++i) {
      *request.add_transactions() = MakeTxn(
          customer, (k + i) % 12, absl::StrCat("r", round, "-u-", k, "-", i));
    }
    nbo::v1::RecordTransactionsResponse response;
    grpc::ClientContext context;
    SetDeadline(&context);
    const grpc::Status status =
        ingest->RecordTransactions(&context, request, &response);
    if (!status.ok()) {
      if (!IsCrashCode(status.error_code())) {
        ledger->AddUnexpected(
            absl::StrCat("RecordTransactions: ", status.error_message()));
      }
      continue;
    }
    if (response.accepted() != kUnaryBatch || response.duplicates() != 0 ||
        response.rejected_size() != 0) {
      ledger->AddUnexpected(
          absl::StrCat("RecordTransactions: ", response.ShortDebugString()));
    }
    ledger->AddBatch(
        {request.transactions().begin(), request.transactions().end()});
  }
}

// Sends StreamTransactions streams until `stop`; a stream is acknowledged
// as a whole, by its response.
void StreamClient(std::shared_ptr<grpc::Channel> channel, int round,
                  const std::atomic<bool>* stop, Ledger* ledger) {
  auto ingest = IngestService::NewStub(channel);
  for (int k = 0; !stop->load(); ++k) {
    const std::string customer =
        absl::StrCat("T", round, "-s-", k / kBatchesPerCustomer);
    grpc::ClientContext context;
    SetDeadline(&context);
    nbo::v1::RecordTransactionsResponse response;
    auto writer = ingest->StreamTransactions(&context, &response);
    std::vector<nbo::v1::Transaction> sent;
    for (int m = 0; m < kStreamMessages; ++m) {
      nbo::v1::RecordTransactionsRequest message;
      for (int i = 0; i < kStreamBatch; ++i) {
        *message.add_transactions() =
            MakeTxn(customer, (k + m + i) % 12,
                    absl::StrCat("r", round, "-s-", k, "-", m, "-", i));
      }
      if (!writer->Write(message)) break;
      sent.insert(sent.end(), message.transactions().begin(),
                  message.transactions().end());
    }
    writer->WritesDone();
    const grpc::Status status = writer->Finish();
    if (!status.ok()) {
      if (!IsCrashCode(status.error_code())) {
        ledger->AddUnexpected(
            absl::StrCat("StreamTransactions: ", status.error_message()));
      }
      continue;
    }
    if (sent.size() != kStreamMessages * kStreamBatch ||
        response.accepted() != static_cast<int>(sent.size()) ||
        response.duplicates() != 0 || response.rejected_size() != 0) {
      ledger->AddUnexpected(
          absl::StrCat("StreamTransactions: ", response.ShortDebugString()));
    }
    ledger->AddBatch(std::move(sent));
  }
}

class IngestCrashTest : public ::testing::Test {
 protected:
  void Connect() {
    nbo_ = NBOService::NewStub(server_->channel());
    models_ = ModelService::NewStub(server_->channel());
    ingest_ = IngestService::NewStub(server_->channel());
  }

  // Every acknowledged feedback event of the round is in GetCustomer, and
  // is a duplicate when sent again.
  void VerifyFeedback(const std::vector<AckedFeedback>& acked) {
    std::map<std::string, std::vector<const AckedFeedback*>> by_customer;
    for (const AckedFeedback& f : acked) by_customer[f.customer].push_back(&f);
    for (const auto& [customer, events] : by_customer) {
      SCOPED_TRACE(customer);
      nbo::v1::GetCustomerRequest request;
      request.set_customer_id(customer);
      absl::StatusOr<nbo::v1::GetCustomerResponse> view =
          Unary(*nbo_, &NBOService::Stub::GetCustomer, request);
      EXPECT_THAT(view, IsOk()) << "the customer is gone";
      if (!view.ok()) continue;
      std::set<std::tuple<std::string, std::string, int>> present;
      for (const nbo::v1::DecisionRecord& d : view->decisions()) {
        for (const nbo::v1::FeedbackEvent& e : d.feedback()) {
          present.emplace(d.decision_id(), e.product_id(), e.outcome());
        }
      }
      for (const AckedFeedback* f : events) {
        EXPECT_TRUE(present.contains(
            std::make_tuple(f->decision_id, f->product, f->outcome)))
            << "acknowledged feedback lost: decision " << f->decision_id
            << " product " << f->product << " outcome " << f->outcome;
      }
    }
    for (const AckedFeedback& f : acked) {
      nbo::v1::RecordFeedbackRequest request;
      request.set_customer_id(f.customer);
      request.set_decision_id(f.decision_id);
      request.set_product_id(f.product);
      request.set_outcome(f.outcome);
      ASSERT_OK_AND_ASSIGN(
          nbo::v1::RecordFeedbackResponse again,
          Unary(*nbo_, &NBOService::Stub::RecordFeedback, request));
      EXPECT_TRUE(again.duplicate())
          << "acknowledged feedback was not there: " << f.customer << " "
          << f.decision_id << " " << f.product;
    }
  }

  // Every acknowledged transaction of the round is in GetCustomer (and its
  // purchases in the holdings), and is a duplicate when sent again.
  void VerifyTransactions(
      const std::vector<std::vector<nbo::v1::Transaction>>& acked) {
    std::map<std::string, std::vector<const nbo::v1::Transaction*>> by_customer;
    for (const auto& batch : acked) {
      for (const nbo::v1::Transaction& t : batch) {
        by_customer[t.customer_id()].push_back(&t);
      }
    }
    for (const auto& [customer, transactions] : by_customer) {
      SCOPED_TRACE(customer);
      ASSERT_LT(transactions.size(), 1000u);
      nbo::v1::GetCustomerRequest request;
      request.set_customer_id(customer);
      request.set_max_transactions(1000);
      absl::StatusOr<nbo::v1::GetCustomerResponse> view =
          Unary(*nbo_, &NBOService::Stub::GetCustomer, request);
      EXPECT_THAT(view, IsOk()) << "the customer is gone";
      if (!view.ok()) continue;
      std::set<std::string> ids;
      for (const nbo::v1::Transaction& t : view->transactions()) {
        ids.insert(t.transaction_id());
      }
      std::set<std::string> held;
      for (const nbo::v1::Holding& h : view->holdings()) {
        held.insert(h.product_id());
      }
      for (const nbo::v1::Transaction* t : transactions) {
        EXPECT_TRUE(ids.contains(t->transaction_id()))
            << "acknowledged transaction lost: " << t->transaction_id();
        if (t->event() == nbo::v1::TRANSACTION_EVENT_PURCHASE) {
          EXPECT_TRUE(held.contains(t->product_id()))
              << "purchase " << t->transaction_id() << " holds nothing";
        }
      }
    }
    for (const auto& batch : acked) {
      nbo::v1::RecordTransactionsRequest request;
      request.mutable_transactions()->Assign(batch.begin(), batch.end());
      ASSERT_OK_AND_ASSIGN(
          nbo::v1::RecordTransactionsResponse again,
          Unary(*ingest_, &IngestService::Stub::RecordTransactions, request));
      EXPECT_EQ(again.accepted(), 0)
          << "acknowledged transactions were missing, starting with "
          << batch.front().transaction_id();
      EXPECT_EQ(again.duplicates(), static_cast<int>(batch.size()));
    }
  }

  nbo::testing::TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<NBOService::Stub> nbo_;
  std::unique_ptr<ModelService::Stub> models_;
  std::unique_ptr<IngestService::Stub> ingest_;
};

TEST_F(IngestCrashTest, EveryAcknowledgedRecordSurvivesKillNine) {
  const int rounds = Rounds();
  // A new seed every run (printed; NBO_INGEST_CRASH_SEED replays one).
  uint32_t seed = static_cast<uint32_t>(absl::ToUnixMicros(absl::Now()));
  if (const char* env = std::getenv("NBO_INGEST_CRASH_SEED"); env != nullptr) {
    EXPECT_TRUE(absl::SimpleAtoi(env, &seed)) << "NBO_INGEST_CRASH_SEED";
  }
  std::fprintf(stderr, "ingest_crash_test: %d rounds, seed %u\n", rounds, seed);
  std::mt19937 gen(seed);
  ASSERT_OK_AND_ASSIGN(server_, ServerProcess::Start(dir_.Sub("data")));
  Connect();
  ASSERT_OK_AND_ASSIGN(nbo::v1::PublishModelResponse published,
                       Publish(*models_, Model().Messages()));
  ASSERT_EQ(published.state(), nbo::v1::VERSION_STATE_AVAILABLE);

  // Across rounds: distinct offers with feedback, acceptances, declines.
  std::set<std::pair<std::string, std::string>> offers_with_feedback;
  int64_t accepted = 0;
  int64_t declined = 0;
  for (int round = 0; round < rounds && !HasFatalFailure(); ++round) {
    // Kill once this many acknowledgements are in: a random point in the
    // stream of acknowledgements, with calls of every kind in flight.
    const size_t feedback_target =
        std::uniform_int_distribution<size_t>(4, 60)(gen);
    const size_t batch_target =
        std::uniform_int_distribution<size_t>(2, 12)(gen);
    SCOPED_TRACE(absl::StrCat("round ", round, ": kill after ", feedback_target,
                              " feedback and ", batch_target, " batches"));
    Ledger ledger;
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int t = 0; t < kFeedbackThreads; ++t) {
      clients.emplace_back(FeedbackClient, server_->NewChannel(), round, t,
                           &stop, &ledger);
    }
    clients.emplace_back(UnaryClient, server_->NewChannel(), round, &stop,
                         &ledger);
    clients.emplace_back(StreamClient, server_->NewChannel(), round, &stop,
                         &ledger);
    const bool reached =
        ledger.AwaitAcks(feedback_target, batch_target, absl::Seconds(120));
    EXPECT_THAT(server_->Kill9(), IsOk());
    stop = true;
    for (std::thread& t : clients) t.join();
    ASSERT_TRUE(reached) << "the clients never got that many acknowledgements";
    EXPECT_THAT(ledger.unexpected(), ::testing::IsEmpty());

    const std::vector<AckedFeedback> acked_feedback = ledger.feedback();
    const std::vector<std::vector<nbo::v1::Transaction>> acked_batches =
        ledger.batches();
    for (const AckedFeedback& f : acked_feedback) {
      offers_with_feedback.emplace(f.decision_id, f.product);
      accepted += f.outcome == nbo::v1::FEEDBACK_OUTCOME_ACCEPTED;
      declined += f.outcome == nbo::v1::FEEDBACK_OUTCOME_DECLINED;
    }
    std::fprintf(stderr,
                 "ingest_crash_test: round %d killed after %zu feedback and "
                 "%zu transaction batches acknowledged\n",
                 round, acked_feedback.size(), acked_batches.size());

    ASSERT_THAT(server_->Restart(), IsOk());
    Connect();
    // The statistics first: the checks below send records again, which
    // would restore a lost one.
    ASSERT_OK_AND_ASSIGN(
        nbo::v1::GetExperimentStatsResponse stats,
        Unary(*models_, &ModelService::Stub::GetExperimentStats,
              nbo::v1::GetExperimentStatsRequest()));
    // No split: one arm, "".
    nbo::v1::ArmStats counted;
    for (const nbo::v1::ArmStats& arm : stats.arms()) {
      if (arm.arm().empty()) counted = arm;
    }
    EXPECT_EQ(stats.arms_size(), 1);
    EXPECT_GE(counted.impressions(),
              static_cast<int64_t>(offers_with_feedback.size()));
    EXPECT_GE(counted.accepted(), accepted);
    EXPECT_GE(counted.declined(), declined);
    ASSERT_NO_FATAL_FAILURE(VerifyFeedback(acked_feedback));
    ASSERT_NO_FATAL_FAILURE(VerifyTransactions(acked_batches));
  }
}

}  // namespace
}  // namespace nbo::integration
