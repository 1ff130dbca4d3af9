// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/nbo_server/server_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "lib/serving/names.h"
#include "prometheus/client_metric.h"
#include "prometheus/metric_family.h"

namespace nbo::server {
namespace {

constexpr const char* kMethodNames[] = {
    "Recommend",          "BatchRecommend",     "PublishModel",
    "ListModels",         "GetModelStatus",     "SetVersionLabel",
    "SetTrafficSplit",    "DeleteVersion",      "ExportModel",
    "RecordFeedback",     "SimilarProducts",    "GetCustomer",
    "UpsertCustomers",    "RecordTransactions", "StreamTransactions",
    "UpdateCatalog",      "GetCatalog",         "SetLevers",
    "GetExperimentStats", "ScoreCustomer",      "ExportFeedback",
    "ListCustomers",
};
static_assert(std::size(kMethodNames) == static_cast<size_t>(Method::kCount));

// The standard process_* metrics Prometheus clients export, read from /proc
// at scrape time.
class ProcessCollector : public prometheus::Collectable {
 public:
  ProcessCollector() : start_seconds_(absl::ToUnixSeconds(absl::Now())) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> families;
    families.push_back(Gauge("process_resident_memory_bytes",
                             "Resident memory size in bytes.",
                             static_cast<double>(ResidentBytes())));
    families.push_back(Family("process_cpu_seconds_total",
                              "Total user and system CPU time spent in "
                              "seconds.",
                              prometheus::MetricType::Counter, CpuSeconds()));
    families.push_back(Gauge("process_start_time_seconds",
                             "Start time of the process since unix epoch.",
                             static_cast<double>(start_seconds_)));
    return families;
  }

 private:
  static prometheus::MetricFamily Gauge(const std::string& name,
                                        const std::string& help, double value) {
    return Family(name, help, prometheus::MetricType::Gauge, value);
  }

  static prometheus::MetricFamily Family(const std::string& name,
                                         const std::string& help,
                                         prometheus::MetricType type,
                                         double value) {
    prometheus::MetricFamily family;
    family.name = name;
    family.help = help;
    family.type = type;
    prometheus::ClientMetric metric;
    if (type == prometheus::MetricType::Counter) {
      metric.counter.value = value;
    } else {
      metric.gauge.value = value;
    }
    family.metric.push_back(metric);
    return family;
  }

  // User + system CPU of every thread of the process.
  static double CpuSeconds() {
    struct rusage usage;
    if (::getrusage(RUSAGE_SELF, &usage) != 0) return 0;
    auto seconds = [](const struct timeval& t) {
      return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
  }

  static long ResidentBytes() {
    long pages = 0;
    long resident = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
      if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
      std::fclose(f);
    }
    return resident * ::sysconf(_SC_PAGESIZE);
  }

  const int64_t start_seconds_;
};

}  // namespace

ServerMetrics::ServerMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      process_(std::make_shared<ProcessCollector>()) {
  auto& requests = prometheus::BuildCounter()
                       .Name("nbo_grpc_requests_total")
                       .Help("RPCs handled, by method and status code.")
                       .Register(*registry_);
  auto& latency = prometheus::BuildHistogram()
                      .Name("nbo_grpc_request_duration_seconds")
                      .Help("RPC handling time, by method.")
                      .Register(*registry_);
  // 25us .. ~26s, doubling: sub-millisecond serving needs fine low buckets.
  prometheus::Histogram::BucketBoundaries buckets;
  for (double b = 25e-6; b < 30; b *= 2) buckets.push_back(b);
  for (int m = 0; m < kMethods; ++m) {
    for (int c = 0; c < kCodes; ++c) {
      requests_[m][c] = &requests.Add(
          {{"method", kMethodNames[m]},
           {"code",
            absl::StatusCodeToString(static_cast<absl::StatusCode>(c))}});
    }
    latency_[m] = &latency.Add({{"method", kMethodNames[m]}}, buckets);
  }
  auto& strategy = prometheus::BuildCounter()
                       .Name("nbo_recommend_strategy_total")
                       .Help("Recommend answers, by strategy served.")
                       .Register(*registry_);
  strategy_[0] = &strategy.Add({{"strategy", "unspecified"}});
  strategy_[1] = &strategy.Add({{"strategy", "personalized"}});
  strategy_[2] = &strategy.Add({{"strategy", "popularity"}});
  strategy_[3] = &strategy.Add({{"strategy", "fold_in"}});
  strategy_[4] = &strategy.Add({{"strategy", "profile"}});
  auto& decisions = prometheus::BuildCounter()
                        .Name("nbo_decisions_total")
                        .Help(
                            "Decisions made, by whether anything was "
                            "offered.")
                        .Register(*registry_);
  decisions_[0] = &decisions.Add({{"outcome", "offered"}});
  decisions_[1] = &decisions.Add({{"outcome", "no_action"}});
  unlogged_ = &prometheus::BuildCounter()
                   .Name("nbo_decisions_unlogged_total")
                   .Help(
                       "Decisions answered without a decision id because "
                       "the decision log could not take them (storage "
                       "full or failing).")
                   .Register(*registry_)
                   .Add({});
  auto& writable = prometheus::BuildGauge()
                       .Name("nbo_storage_writable")
                       .Help(
                           "1 while the store takes writes; 0 while they "
                           "fail (reads keep working).")
                       .Register(*registry_);
  auto& full = prometheus::BuildGauge()
                   .Name("nbo_storage_full")
                   .Help(
                       "1 while the store's writes fail because the disk "
                       "is full.")
                   .Register(*registry_);
  for (StorageKind kind : {StorageKind::kModel, StorageKind::kCustomer}) {
    const char* name = kind == StorageKind::kModel ? "model" : "customer";
    const int i = static_cast<int>(kind);
    storage_writable_[i] = &writable.Add({{"store", name}});
    storage_writable_[i]->Set(1);
    storage_full_[i] = &full.Add({{"store", name}});
  }
  auto& suppressions = prometheus::BuildCounter()
                           .Name("nbo_suppressions_total")
                           .Help("Scored products not offered, by reason.")
                           .Register(*registry_);
  for (int r = 0; r < 6; ++r) {
    std::string name(
        absl::StripPrefix(nbo::v1::SuppressionReason_Name(
                              static_cast<nbo::v1::SuppressionReason>(r)),
                          "SUPPRESSION_REASON_"));
    suppressions_[r] =
        &suppressions.Add({{"reason", absl::AsciiStrToLower(name)}});
  }
  feedback_ = &prometheus::BuildCounter()
                   .Name("nbo_feedback_total")
                   .Help(
                       "Feedback recorded (duplicates excluded), by model, "
                       "experiment arm and outcome.")
                   .Register(*registry_);
  offers_shown_ = &prometheus::BuildCounter()
                       .Name("nbo_experiment_offers_shown_total")
                       .Help(
                           "Offers with a first feedback event, by model and "
                           "experiment arm: the denominator of the "
                           "acceptance rate.")
                       .Register(*registry_);
  auto& ingest = prometheus::BuildCounter()
                     .Name("nbo_ingest_records_total")
                     .Help("Ingested records, by RPC and result.")
                     .Register(*registry_);
  const Method ingest_methods[] = {Method::kUpsertCustomers,
                                   Method::kRecordTransactions,
                                   Method::kStreamTransactions};
  const char* results[] = {"accepted", "duplicate", "rejected"};
  for (int m = 0; m < 3; ++m) {
    for (int r = 0; r < 3; ++r) {
      ingest_[m][r] = &ingest.Add(
          {{"rpc", kMethodNames[static_cast<int>(ingest_methods[m])]},
           {"result", results[r]}});
    }
  }
  publish_bytes_ = &prometheus::BuildCounter()
                        .Name("nbo_model_publish_bytes_total")
                        .Help("Bytes received by PublishModel streams.")
                        .Register(*registry_)
                        .Add({});
  swaps_ = &prometheus::BuildCounter()
                .Name("nbo_model_swaps_total")
                .Help("Versions that became AVAILABLE since start.")
                .Register(*registry_)
                .Add({});
  auto& versions = prometheus::BuildGauge()
                       .Name("nbo_model_versions")
                       .Help("Model versions known to the manager, by state.")
                       .Register(*registry_);
  // Index 0 (UNSPECIFIED) is never a state a version is in; no series.
  versions_[0] = nullptr;
  for (int s = 1; s < 7; ++s) {
    versions_[s] = &versions.Add(
        {{"state",
          serving::VersionStateName(static_cast<nbo::v1::VersionState>(s))}});
  }
}

void ServerMetrics::RecordRequest(Method method, grpc::StatusCode code,
                                  absl::Duration latency) {
  const int m = static_cast<int>(method);
  const int c = static_cast<int>(code);
  if (c >= 0 && c < kCodes) requests_[m][c]->Increment();
  latency_[m]->Observe(absl::ToDoubleSeconds(latency));
}

void ServerMetrics::RecordStrategy(nbo::v1::Strategy strategy) {
  const int s = static_cast<int>(strategy);
  if (s >= 0 && s < static_cast<int>(strategy_.size())) {
    strategy_[s]->Increment();
  }
}

void ServerMetrics::RecordPublishBytes(uint64_t bytes) {
  publish_bytes_->Increment(static_cast<double>(bytes));
}

void ServerMetrics::RecordDecision(const nbo::v1::RecommendResponse& response) {
  decisions_[response.offers().empty() ? 1 : 0]->Increment();
  if (response.unlogged()) unlogged_->Increment();
  for (const nbo::v1::Suppression& s : response.suppressions()) {
    const int r = static_cast<int>(s.reason());
    if (r >= 0 && r < static_cast<int>(suppressions_.size())) {
      suppressions_[r]->Increment();
    }
  }
}

void ServerMetrics::RecordFeedback(const std::string& model,
                                   const std::string& arm,
                                   nbo::v1::FeedbackOutcome outcome,
                                   bool first_for_offer) {
  std::string name(absl::StripPrefix(nbo::v1::FeedbackOutcome_Name(outcome),
                                     "FEEDBACK_OUTCOME_"));
  feedback_
      ->Add({{"model", model},
             {"arm", arm},
             {"outcome", absl::AsciiStrToLower(name)}})
      .Increment();
  if (first_for_offer) {
    offers_shown_->Add({{"model", model}, {"arm", arm}}).Increment();
  }
}

void ServerMetrics::RecordIngest(Method method, int64_t accepted,
                                 int64_t duplicates, int64_t rejected) {
  int m = 0;
  if (method == Method::kRecordTransactions) m = 1;
  if (method == Method::kStreamTransactions) m = 2;
  ingest_[m][0]->Increment(static_cast<double>(accepted));
  ingest_[m][1]->Increment(static_cast<double>(duplicates));
  ingest_[m][2]->Increment(static_cast<double>(rejected));
}

void ServerMetrics::UpdateModelState(const serving::ModelManager& manager) {
  const auto counts = manager.CountByState();
  for (int s = 1; s < 7; ++s) {
    auto it = counts.find(static_cast<nbo::v1::VersionState>(s));
    versions_[s]->Set(it == counts.end() ? 0 : it->second);
  }
  const double delta = static_cast<double>(manager.swaps()) - swaps_->Value();
  if (delta > 0) swaps_->Increment(delta);
}

void ServerMetrics::UpdateStorage(StorageKind store,
                                  const absl::Status& health) {
  const int i = static_cast<int>(store);
  storage_writable_[i]->Set(health.ok() ? 1 : 0);
  storage_full_[i]->Set(absl::IsResourceExhausted(health) ? 1 : 0);
}

}  // namespace nbo::server
