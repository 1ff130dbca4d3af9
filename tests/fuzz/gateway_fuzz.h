// Copyright (c) 2026 The nbo Authors. MIT License.
//
// What the gateway's fuzz targets share: route tables over the test-only
// service (tests/unit/gateway/testdata/gateway_test.proto, every
// google.api.http form) and over the nbo.v1 services, built once.

#ifndef NBO_TESTS_FUZZ_GATEWAY_FUZZ_H_
#define NBO_TESTS_FUZZ_GATEWAY_FUZZ_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/gateway/route_table.h"

namespace nbo::fuzz {

// nbo.test.GatewayTestService's routes. Aborts if they do not build.
const gateway::RouteTable& TestRoutes();

// nbo.v1's NBOService, ModelService, IngestService and TrainerService.
const gateway::RouteTable& NboRoutes();

// BuildRequest(match, query, body) in strict and in relaxed mode. Aborts
// unless each fails with INVALID_ARGUMENT (the only code for bad client
// input) or builds a request that parses as the route's request type, and
// unless a request strict mode builds is built alike in relaxed mode
// (which only ignores more). Returns the strict result.
absl::StatusOr<std::string> TranscodeBothWays(const gateway::RouteMatch& match,
                                              absl::string_view query,
                                              absl::string_view body);

}  // namespace nbo::fuzz

#endif  // NBO_TESTS_FUZZ_GATEWAY_FUZZ_H_
