// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The gateway's Prometheus metrics. Labels are route templates
// ("GET /v1/customers/{customer_id}"), fixed endpoint names and codes:
// never a customer id or any other client text. Thread-safe.

#ifndef NBO_SERVICES_GATEWAY_GATEWAY_METRICS_H_
#define NBO_SERVICES_GATEWAY_GATEWAY_METRICS_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace nbo::gateway {

class GatewayMetrics {
 public:
  GatewayMetrics();

  // One answered request: `route` is a template or endpoint name.
  void Request(const std::string& route, int http_status,
               absl::Duration latency);
  // A call upstream that failed with `code`.
  void UpstreamError(absl::StatusCode code);
  // Requests being answered (handed to the handler, not yet answered).
  void SetInFlight(int n);

  // The text exposition of every metric.
  std::string Scrape() const;

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Counter>& upstream_errors_;
  prometheus::Gauge& in_flight_;
};

}  // namespace nbo::gateway

#endif  // NBO_SERVICES_GATEWAY_GATEWAY_METRICS_H_
