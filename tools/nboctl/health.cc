// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nboctl health: grpc.health.v1.Health/Check of one service, for people and
// for Kubernetes exec probes where the kubelet's own gRPC probe cannot reach
// the port (it does not speak TLS).

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "tools/nboctl/cli_util.h"
#include "tools/nboctl/client.h"
#include "tools/nboctl/commands.h"
#include "tools/nboctl/common_flags.h"

ABSL_FLAG(std::string, service, "",
          "health: the health entry to check: \"\" (the whole server: "
          "SERVING once a version is AVAILABLE), nbo.storage, "
          "nbo.v1.NBOService, ...");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(5),
          "health: deadline of the check");

namespace nbo::nboctl {

int Health(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return UsageError("health", "unexpected argument '" + args[0] + "'");
  }
  const absl::Duration timeout = absl::GetFlag(FLAGS_timeout);
  if (timeout <= absl::ZeroDuration()) {
    return UsageError("health", "--timeout must be positive");
  }
  std::unique_ptr<grpc::health::v1::Health::Stub> stub =
      NewServerStub<grpc::health::v1::Health>("health");
  if (stub == nullptr) return 1;
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(absl::GetFlag(FLAGS_service));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return ReportRpcError("health", status);
  const std::string name =
      grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
          response.status());
  std::printf("%s\n", name.c_str());
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING
             ? 0
             : 1;
}

}  // namespace nbo::nboctl
