// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/nbo_server/server_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "lib/serving/names.h"
#include "prometheus/client_metric.h"
#include "prometheus/metric_family.h"

namespace nbo::server {
namespace {

constexpr const char* kMethodNames[] = {
    "Recommend",       "BatchRecommend", "PublishModel",
    "ListModels",      "GetModelStatus", "SetVersionLabel",
    "SetTrafficSplit", "DeleteVersion",  "ExportModel",
};

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

void ServerMetrics::UpdateModelState(const serving::ModelManager& manager) {
  const auto counts = manager.CountByState();
  for (int s = 1; s < 7; ++s) {
    auto it = counts.find(static_cast<nbo::v1::VersionState>(s));
    versions_[s]->Set(it == counts.end() ? 0 : it->second);
  }
  const double delta = static_cast<double>(manager.swaps()) - swaps_->Value();
  if (delta > 0) swaps_->Increment(delta);
}

}  // namespace nbo::server
