// Copyright (c) 2026 The nbo Authors. MIT License.
//
// What the in-process server tests share: an NboServer on loopback port 0
// over a temp dir, and a publish stream sent to it.

#ifndef NBO_TESTS_UNIT_SERVER_TEST_SERVER_H_
#define NBO_TESTS_UNIT_SERVER_TEST_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "lib/testing/temp_dir.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "services/common/model_stream_client.h"
#include "services/nbo_server/server.h"

namespace nbo::server::testing {

// Starts `options` with the data dir in `dir`, gRPC on 127.0.0.1:0, no
// metrics and unsynced writes (durability is the integration tests'
// business).
inline absl::StatusOr<std::unique_ptr<NboServer>> StartTestServer(
    NboServer::Options options, const nbo::testing::TempDir& dir) {
  options.data_dir = dir.Sub("db");
  options.grpc_addr = "127.0.0.1:0";
  options.metrics_addr = "";
  options.sync_writes = false;
  return NboServer::Start(options);
}

// Sends `stream` as one PublishModel call (with the bearer `token` when not
// empty), half-closes and returns the call's status.
inline absl::Status PublishStream(
    nbo::v1::ModelService::Stub& models,
    const std::vector<nbo::v1::PublishModelRequest>& stream,
    const std::string& token = "") {
  services::StreamCallOptions options;
  options.bearer_token = token;
  return services::PublishModel(models, stream, options).status();
}

}  // namespace nbo::server::testing

#endif  // NBO_TESTS_UNIT_SERVER_TEST_SERVER_H_
