// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nboctl levers: show (GetCatalog) or replace (SetLevers) a model's levers.

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "grpcpp/grpcpp.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "tools/nboctl/cli_format.h"
#include "tools/nboctl/cli_util.h"
#include "tools/nboctl/client.h"
#include "tools/nboctl/commands.h"
#include "tools/nboctl/common_flags.h"

ABSL_FLAG(bool, clear, false,
          "levers: reset every lever to 1 (SetLevers with none)");

namespace nbo::nboctl {
namespace {

constexpr std::chrono::seconds kRpcTimeout(30);

void PrintLevers(const std::map<std::string, double>& levers) {
  if (levers.empty()) {
    std::printf("no levers set: every product's lever is 1\n");
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"PRODUCT", "LEVER"}};
  for (const auto& [product, lever] : levers) {
    rows.push_back({product, absl::StrFormat("%g", lever)});
  }
  PrintTable(rows);
}

}  // namespace

int Levers(const std::vector<std::string>& args) {
  const bool clear = absl::GetFlag(FLAGS_clear);
  if (args.size() > 1 || (clear && !args.empty())) {
    return UsageError(
        "levers", "want `levers [P01=1.5,P02=0.5,...]` or `levers --clear`");
  }
  const std::string model = absl::GetFlag(FLAGS_model);
  std::unique_ptr<v1::ModelService::Stub> stub =
      NewServerStub<v1::ModelService>("levers");
  if (stub == nullptr) return 1;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);

  if (args.empty() && !clear) {
    v1::GetCatalogRequest request;
    request.set_model_name(model);
    v1::GetCatalogResponse response;
    const grpc::Status status = stub->GetCatalog(&context, request, &response);
    if (!status.ok()) return ReportRpcError("levers", status);
    if (absl::GetFlag(FLAGS_json)) {
      v1::SetLeversResponse levers;
      *levers.mutable_levers() = response.levers();
      return PrintJson(levers);
    }
    PrintLevers({response.levers().begin(), response.levers().end()});
    return 0;
  }

  v1::SetLeversRequest request;
  request.set_model_name(model);
  if (!clear) {
    absl::StatusOr<std::map<std::string, double>> levers = ParseLevers(args[0]);
    if (!levers.ok()) {
      return UsageError("levers", std::string(levers.status().message()));
    }
    if (levers->empty()) {
      return UsageError("levers", "no levers given (use --clear to reset)");
    }
    request.mutable_levers()->insert(levers->begin(), levers->end());
  }
  v1::SetLeversResponse response;
  const grpc::Status status = stub->SetLevers(&context, request, &response);
  if (!status.ok()) return ReportRpcError("levers", status);
  if (absl::GetFlag(FLAGS_json)) return PrintJson(response);
  PrintLevers({response.levers().begin(), response.levers().end()});
  return 0;
}

}  // namespace nbo::nboctl
