// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The gateway's Prometheus metrics. Labels are route templates
// ("GET /v1/customers/{customer_id}"), fixed endpoint names and codes:
// never a customer id or any other client text. Thread-safe.

#ifndef NBO_SERVICES_GATEWAY_GATEWAY_METRICS_H_
#define NBO_SERVICES_GATEWAY_GATEWAY_METRICS_H_

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace nbo::gateway {

class GatewayMetrics;

// One route's series. Recording takes no lock once a status code has been
// seen for the route (its counter is created then). Thread-safe.
class RouteMetrics {
 public:
  // One answered request.
  void Record(int http_status, absl::Duration latency);

 private:
  friend class GatewayMetrics;
  static constexpr int kStatuses = 600;

  GatewayMetrics* owner_ = nullptr;
  std::string label_;
  prometheus::Histogram* latency_ = nullptr;
  std::array<std::atomic<prometheus::Counter*>, kStatuses> by_status_{};
};

class GatewayMetrics {
 public:
  GatewayMetrics();

  // The series of `route` (a template or an endpoint name), created on the
  // first call; the pointer stays valid as long as this object.
  RouteMetrics* ForRoute(const std::string& route);
  // A call upstream that failed with `code`.
  void UpstreamError(absl::StatusCode code);
  // Requests being answered (handed to the handler, not yet answered).
  void SetInFlight(int n);

  // The text exposition of every metric.
  std::string Scrape() const;

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

 private:
  friend class RouteMetrics;
  // The counter of (route, status), created under the lock.
  prometheus::Counter* Counter(const std::string& route, int http_status);

  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<RouteMetrics>> routes_
      ABSL_GUARDED_BY(mu_);
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Counter>& upstream_errors_;
  prometheus::Gauge& in_flight_;
};

}  // namespace nbo::gateway

#endif  // NBO_SERVICES_GATEWAY_GATEWAY_METRICS_H_
