// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The customer-data side of nbo-server, without gRPC: IngestService's
// validation and durable writes, RecordFeedback, the GetCustomer compliance
// view, experiment statistics and the feedback export. Each RPC edge in
// services/nbo_server calls one method here.

#ifndef NBO_LIB_SERVING_CUSTOMER_SERVICE_H_
#define NBO_LIB_SERVING_CUSTOMER_SERVICE_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/serving/catalog_registry.h"
#include "lib/store/customer_store.h"
#include "nbo/v1/ingest_service.pb.h"
#include "nbo/v1/model_service.pb.h"
#include "nbo/v1/nbo_service.pb.h"

namespace nbo::serving {

// Thread-safe.
class CustomerService {
 public:
  struct Options {
    // Most records in one UpsertCustomers or RecordTransactions request (or
    // one message of a stream).
    // Default: 1000.
    int32_t max_batch = 1000;
    // How far ahead of the server's clock a timestamp may be, and how far
    // feedback may be dated before its decision (the client's clock may lag
    // the server's by as much).
    // Default: 5 minutes.
    absl::Duration max_clock_skew = absl::Minutes(5);
    // Transactions dated longer ago than this are rejected: retention
    // (--transaction_retention) would delete them, so acknowledging them
    // would be a lie.
    // Default: infinite (none are too old).
    absl::Duration transaction_retention = absl::InfiniteDuration();
  };

  // Neither pointer is owned; both must outlive the service.
  CustomerService(store::CustomerStore* store, const CatalogRegistry* catalogs,
                  Options options, std::function<absl::Time()> now = absl::Now);

  // Validates every profile, applies the valid ones durably (one synced
  // batch) and lists the others in response->rejected. INVALID_ARGUMENT,
  // applying nothing, for an empty or oversized request.
  absl::Status UpsertCustomers(const nbo::v1::UpsertCustomersRequest& request,
                               nbo::v1::UpsertCustomersResponse* response);

  // As UpsertCustomers, for transactions; a transaction dated before
  // now - transaction_retention is rejected with the reason. `index_base` is
  // added to the indices of rejected records (a stream's earlier records);
  // counts are added to what `response` already holds.
  absl::Status RecordTransactions(
      const nbo::v1::RecordTransactionsRequest& request, int32_t index_base,
      nbo::v1::RecordTransactionsResponse* response);

  // Validates and records one feedback event durably. INVALID_ARGUMENT for
  // a malformed field, an unset outcome, a future timestamp or one more
  // than max_clock_skew before the decision (its id says when it was made);
  // NOT_FOUND /
  // INVALID_ARGUMENT from the store (unknown decision, product not offered).
  // `result` (optional) receives what the store did.
  absl::Status RecordFeedback(const nbo::v1::RecordFeedbackRequest& request,
                              nbo::v1::RecordFeedbackResponse* response,
                              store::FeedbackResult* result = nullptr);

  // The compliance view. NOT_FOUND when the store has nothing for the
  // customer.
  absl::Status GetCustomer(const nbo::v1::GetCustomerRequest& request,
                           nbo::v1::GetCustomerResponse* response) const;

  // A page of customer ids. INVALID_ARGUMENT for a page_size outside
  // [0, kMaxListPageSize], a malformed segment or id_prefix, or a page_token
  // this server did not issue for the same id_prefix.
  absl::Status ListCustomers(const nbo::v1::ListCustomersRequest& request,
                             nbo::v1::ListCustomersResponse* response) const;

  // Feedback counts per arm with Wilson score intervals.
  absl::Status GetExperimentStats(
      const nbo::v1::GetExperimentStatsRequest& request,
      nbo::v1::GetExperimentStatsResponse* response) const;

  // Calls `write` with chunks of at most 500 feedback records, oldest
  // first within a customer; stops when `write` returns false (the client
  // went away) with CANCELLED.
  absl::Status ExportFeedback(
      const nbo::v1::ExportFeedbackRequest& request,
      const std::function<bool(const nbo::v1::ExportFeedbackResponse&)>& write)
      const;

 private:
  // Empty when `t` is acceptable; else why not.
  std::string CheckTimestamp(const google::protobuf::Timestamp& t,
                             absl::Time now) const;
  // Empty when `t` is within the transaction retention; else why not.
  std::string CheckRetained(const google::protobuf::Timestamp& t,
                            absl::Time now) const;
  // Empty when `t` is not before `decided` (less the clock skew); else why.
  std::string CheckAfterDecision(const google::protobuf::Timestamp& t,
                                 absl::Time decided) const;

  store::CustomerStore* const store_;
  const CatalogRegistry* const catalogs_;
  const Options options_;
  const std::function<absl::Time()> now_;
};

// The Wilson score interval of `successes` in `trials` at `confidence`
// (e.g. 0.95). [0, 1] when trials is 0.
std::pair<double, double> WilsonInterval(int64_t successes, int64_t trials,
                                         double confidence);

}  // namespace nbo::serving

#endif  // NBO_LIB_SERVING_CUSTOMER_SERVICE_H_
