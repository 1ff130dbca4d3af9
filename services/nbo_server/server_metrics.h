// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_SERVICES_NBO_SERVER_SERVER_METRICS_H_
#define NBO_SERVICES_NBO_SERVER_SERVER_METRICS_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"
#include "lib/serving/model_manager.h"
#include "nbo/v1/nbo_service.pb.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace nbo::server {

// The RPC methods nbo-server measures.
enum class Method {
  kRecommend,
  kBatchRecommend,
  kPublishModel,
  kListModels,
  kGetModelStatus,
  kSetVersionLabel,
  kSetTrafficSplit,
  kDeleteVersion,
  kExportModel,
  kRecordFeedback,
  kSimilarProducts,
  kGetCustomer,
  kUpsertCustomers,
  kRecordTransactions,
  kStreamTransactions,
  kUpdateCatalog,
  kGetCatalog,
  kSetLevers,
  kGetExperimentStats,
  kScoreCustomer,
  kExportFeedback,
  kListCustomers,
  kCount,
};

// nbo-server's two RocksDB databases.
enum class StorageKind { kModel = 0, kCustomer = 1 };

// nbo-server's Prometheus metrics. Every series is created up front, so the
// request path only increments (no label lookups, no allocation), and no
// label ever carries a customer id.
//
// Thread-safe.
class ServerMetrics {
 public:
  ServerMetrics();

  // The registry to expose, and a process collector exporting the standard
  // process_resident_memory_bytes, process_cpu_seconds_total and
  // process_start_time_seconds.
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }
  std::shared_ptr<prometheus::Collectable> process_collector() const {
    return process_;
  }

  // nbo_grpc_requests_total{method,code} and
  // nbo_grpc_request_duration_seconds{method}.
  void RecordRequest(Method method, grpc::StatusCode code,
                     absl::Duration latency);
  // nbo_recommend_strategy_total{strategy}.
  void RecordStrategy(nbo::v1::Strategy strategy);
  // nbo_model_publish_bytes_total.
  void RecordPublishBytes(uint64_t bytes);
  // nbo_decisions_total{outcome="offered"|"no_action"},
  // nbo_suppressions_total{reason} and, when the log could not take it,
  // nbo_decisions_unlogged_total for one answered Recommend.
  void RecordDecision(const nbo::v1::RecommendResponse& response);
  // nbo_feedback_total{model,arm,outcome} and, for the first feedback of an
  // offer, nbo_experiment_offers_shown_total{model,arm}: the live experiment
  // counts (GetExperimentStats has the totals since the store began).
  void RecordFeedback(const std::string& model, const std::string& arm,
                      nbo::v1::FeedbackOutcome outcome, bool first_for_offer);
  // nbo_ingest_records_total{rpc,result="accepted"|"duplicate"|"rejected"}.
  void RecordIngest(Method method, int64_t accepted, int64_t duplicates,
                    int64_t rejected);
  // nbo_model_versions{state} and nbo_model_swaps_total from the manager.
  void UpdateModelState(const serving::ModelManager& manager);
  // nbo_storage_writable{store} (1 while writes work) and
  // nbo_storage_full{store} (1 while they fail because the disk is full),
  // from a store's CheckStorage().
  void UpdateStorage(StorageKind store, const absl::Status& health);

 private:
  static constexpr int kCodes = 17;
  static constexpr int kMethods = static_cast<int>(Method::kCount);

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<prometheus::Collectable> process_;
  std::array<std::array<prometheus::Counter*, kCodes>, kMethods> requests_;
  std::array<prometheus::Histogram*, kMethods> latency_;
  std::array<prometheus::Counter*, 5> strategy_;
  std::array<prometheus::Counter*, 2> decisions_;
  prometheus::Counter* unlogged_;
  // By StorageKind.
  std::array<prometheus::Gauge*, 2> storage_writable_;
  std::array<prometheus::Gauge*, 2> storage_full_;
  // By nbo::v1::SuppressionReason.
  std::array<prometheus::Counter*, 6> suppressions_;
  prometheus::Family<prometheus::Counter>* feedback_;
  prometheus::Family<prometheus::Counter>* offers_shown_;
  // accepted, duplicate, rejected for UpsertCustomers, RecordTransactions,
  // StreamTransactions.
  std::array<std::array<prometheus::Counter*, 3>, 3> ingest_;
  prometheus::Counter* publish_bytes_;
  prometheus::Counter* swaps_;
  std::array<prometheus::Gauge*, 7> versions_;
};

// Measures one synchronous RPC and records it when it goes out of scope:
//   CallRecorder call(metrics, Method::kGetCustomer);
//   return call.Done(status);
class CallRecorder {
 public:
  CallRecorder(ServerMetrics* metrics, Method method)
      : metrics_(metrics), method_(method), start_(absl::Now()) {}
  ~CallRecorder() {
    metrics_->RecordRequest(method_, code_, absl::Now() - start_);
  }
  CallRecorder(const CallRecorder&) = delete;
  CallRecorder& operator=(const CallRecorder&) = delete;

  const grpc::Status& Done(const grpc::Status& status) {
    code_ = status.error_code();
    return status;
  }

 private:
  ServerMetrics* const metrics_;
  const Method method_;
  const absl::Time start_;
  grpc::StatusCode code_ = grpc::StatusCode::UNKNOWN;
};

}  // namespace nbo::server

#endif  // NBO_SERVICES_NBO_SERVER_SERVER_METRICS_H_
