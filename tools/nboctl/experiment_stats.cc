// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nboctl experiment-stats: ModelService.GetExperimentStats as a table.

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "grpcpp/grpcpp.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "tools/nboctl/cli_format.h"
#include "tools/nboctl/cli_util.h"
#include "tools/nboctl/client.h"
#include "tools/nboctl/commands.h"
#include "tools/nboctl/common_flags.h"

ABSL_FLAG(double, confidence, 0,
          "experiment-stats: confidence level of the interval, in (0, 1) "
          "(0: the server's 0.95)");

namespace nbo::nboctl {
namespace {

constexpr std::chrono::seconds kRpcTimeout(30);

}  // namespace

int ExperimentStats(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return UsageError("experiment-stats",
                      "unexpected argument '" + args[0] + "'");
  }
  v1::GetExperimentStatsRequest request;
  request.set_model_name(absl::GetFlag(FLAGS_model));
  request.set_confidence(absl::GetFlag(FLAGS_confidence));
  // Written as !(x >= 0) so that NaN is refused too.
  if (!(request.confidence() >= 0) || request.confidence() >= 1) {
    return UsageError("experiment-stats", "--confidence must be in [0, 1)");
  }
  std::unique_ptr<v1::ModelService::Stub> stub =
      NewServerStub<v1::ModelService>("experiment-stats");
  if (stub == nullptr) return 1;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
  v1::GetExperimentStatsResponse response;
  const grpc::Status status =
      stub->GetExperimentStats(&context, request, &response);
  if (!status.ok()) return ReportRpcError("experiment-stats", status);
  if (absl::GetFlag(FLAGS_json)) return PrintJson(response);
  std::printf("model %s, %d arms\n",
              response.model_name().empty() ? "(default)"
                                            : response.model_name().c_str(),
              response.arms_size());
  PrintTable(ExperimentTable(response));
  return 0;
}

}  // namespace nbo::nboctl
