// Copyright (c) 2026 The nbo Authors. MIT License.
//
// What the gateway's fuzz targets share: route tables over the test-only
// service (tests/unit/gateway/testdata/gateway_test.proto, every
// google.api.http form) and over the nbo.v1 services, built once.

#ifndef NBO_TESTS_FUZZ_GATEWAY_FUZZ_H_
#define NBO_TESTS_FUZZ_GATEWAY_FUZZ_H_

#include <string>

#include "absl/status/status.h"
#include "lib/gateway/route_table.h"

namespace nbo::fuzz {

// nbo.test.GatewayTestService's routes. Aborts if they do not build.
const gateway::RouteTable& TestRoutes();

// nbo.v1's NBOService, ModelService, IngestService and TrainerService.
const gateway::RouteTable& NboRoutes();

// Aborts unless `status` is OK or INVALID_ARGUMENT: the transcoder's only
// code for bad client input.
void CheckOkOrInvalidArgument(const absl::Status& status);

}  // namespace nbo::fuzz

#endif  // NBO_TESTS_FUZZ_GATEWAY_FUZZ_H_
