// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/gateway/gateway_metrics.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "prometheus/text_serializer.h"

namespace nbo::gateway {

GatewayMetrics::GatewayMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("nbo_gateway_requests_total")
                    .Help("HTTP requests answered, by route template and "
                          "HTTP status code.")
                    .Register(*registry_)),
      latency_(prometheus::BuildHistogram()
                   .Name("nbo_gateway_request_duration_seconds")
                   .Help("Time from a complete request to its answer (for "
                         "streams, to the last byte), by route template.")
                   .Register(*registry_)),
      upstream_errors_(prometheus::BuildCounter()
                           .Name("nbo_gateway_upstream_errors_total")
                           .Help("Upstream gRPC calls that ended with an "
                                 "error, by gRPC code.")
                           .Register(*registry_)),
      in_flight_(prometheus::BuildGauge()
                     .Name("nbo_gateway_in_flight_requests")
                     .Help("Requests being answered.")
                     .Register(*registry_)
                     .Add({})) {}

RouteMetrics* GatewayMetrics::ForRoute(const std::string& route) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<RouteMetrics>& slot = routes_[route];
  if (slot == nullptr) {
    static const prometheus::Histogram::BucketBoundaries kBuckets = {
        0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025,
        0.05,   0.1,    0.25,  0.5,   1,     2.5,  10};
    slot = std::make_unique<RouteMetrics>();
    slot->owner_ = this;
    slot->label_ = route;
    slot->latency_ = &latency_.Add({{"route", route}}, kBuckets);
  }
  return slot.get();
}

prometheus::Counter* GatewayMetrics::Counter(const std::string& route,
                                             int http_status) {
  absl::MutexLock lock(&mu_);
  return &requests_.Add(
      {{"route", route}, {"code", absl::StrCat(http_status)}});
}

void RouteMetrics::Record(int http_status, absl::Duration latency) {
  const int slot =
      http_status >= 0 && http_status < kStatuses ? http_status : 0;
  prometheus::Counter* counter =
      by_status_[slot].load(std::memory_order_acquire);
  if (counter == nullptr) {
    counter = owner_->Counter(label_, http_status);
    by_status_[slot].store(counter, std::memory_order_release);
  }
  counter->Increment();
  latency_->Observe(absl::ToDoubleSeconds(latency));
}

void GatewayMetrics::UpstreamError(absl::StatusCode code) {
  upstream_errors_.Add({{"code", absl::StatusCodeToString(code)}}).Increment();
}

void GatewayMetrics::SetInFlight(int n) { in_flight_.Set(n); }

std::string GatewayMetrics::Scrape() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace nbo::gateway
