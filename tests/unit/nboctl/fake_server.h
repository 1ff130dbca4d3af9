// Copyright (c) 2026 The nbo Authors. MIT License.
//
// An in-process stand-in for nbo-server's IngestService, NBOService and
// ModelService on loopback port 0, for testing nboctl's clients without the
// real server: it keeps what it receives and answers just enough like the
// real one (per-record rejections, duplicate detection, decisions with
// offers, fold-in for customers it has transactions of).

#ifndef NBO_TESTS_UNIT_NBOCTL_FAKE_SERVER_H_
#define NBO_TESTS_UNIT_NBOCTL_FAKE_SERVER_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "nbo/v1/ingest_service.grpc.pb.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "nbo/v1/nbo_service.grpc.pb.h"

namespace nbo::nboctl::testing {

// What the fake has seen. Thread-safe: the services run on gRPC's threads.
class FakeState {
 public:
  // Products the fake's catalog lists; transactions of others are rejected.
  static const std::vector<std::string>& Catalog();

  // IngestService: upserts profiles, rejecting an age above 150.
  grpc::Status Upsert(const v1::UpsertCustomersRequest& request,
                      v1::UpsertCustomersResponse* response);
  // IngestService: applies transactions, indices counted from `base`.
  void Record(const v1::RecordTransactionsRequest& request, int32_t base,
              v1::RecordTransactionsResponse* response);
  // NBOService.Recommend: decision "d<N>", offering the first num_offers
  // (default 3) catalog products; FOLD_IN for customers with transactions
  // and an id starting "bench-foldin-", POPULARITY for other such ids,
  // PERSONALIZED otherwise.
  void Recommend(const v1::RecommendRequest& request,
                 v1::RecommendResponse* response);
  // NBOService.RecordFeedback with the real one's checks: NOT_FOUND for an
  // unknown decision, INVALID_ARGUMENT for another customer or a product
  // not offered.
  grpc::Status Feedback(const v1::RecordFeedbackRequest& request,
                        v1::RecordFeedbackResponse* response);

  void FailUpserts(grpc::Status status);

  std::vector<int> upsert_batch_sizes() const;
  std::vector<v1::CustomerProfile> profiles() const;
  std::vector<int> transaction_batch_sizes() const;
  std::vector<v1::Transaction> transactions() const;
  int64_t recommend_calls() const;
  // (decision, product, outcome) of every feedback acknowledged as new.
  int64_t feedback_records() const;
  int64_t feedback_duplicates() const;
  // Answers (ACCEPTED, DECLINED) received before the offer's impression.
  int64_t answers_before_impression() const;

 private:
  mutable absl::Mutex mu_;
  grpc::Status upsert_status_ ABSL_GUARDED_BY(mu_);
  std::vector<int> upsert_batches_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::CustomerProfile> profiles_ ABSL_GUARDED_BY(mu_);
  std::vector<int> transaction_batches_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::Transaction> transactions_ ABSL_GUARDED_BY(mu_);
  // customer + "/" + transaction_id.
  absl::flat_hash_set<std::string> transaction_keys_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> customers_with_transactions_
      ABSL_GUARDED_BY(mu_);
  int64_t decisions_ ABSL_GUARDED_BY(mu_) = 0;
  // decision id -> (customer, offered products).
  absl::flat_hash_map<std::string,
                      std::pair<std::string, std::set<std::string>>>
      offered_ ABSL_GUARDED_BY(mu_);
  std::set<std::tuple<std::string, std::string, int>> feedback_
      ABSL_GUARDED_BY(mu_);
  int64_t feedback_duplicates_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t answers_before_impression_ ABSL_GUARDED_BY(mu_) = 0;
};

// The fake's services, serving on 127.0.0.1 at a free port until destroyed.
// Owns the state and the services. state() is thread-safe.
class FakeServer {
 public:
  FakeServer();
  ~FakeServer();

  // "127.0.0.1:<port>".
  const std::string& address() const { return address_; }
  FakeState& state() { return state_; }

 private:
  FakeState state_;
  std::unique_ptr<grpc::Service> ingest_;
  std::unique_ptr<grpc::Service> nbo_;
  std::unique_ptr<grpc::Service> models_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace nbo::nboctl::testing

#endif  // NBO_TESTS_UNIT_NBOCTL_FAKE_SERVER_H_
