// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nboctl similar: NBOService.SimilarProducts as a table.

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "grpcpp/grpcpp.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "tools/nboctl/cli_format.h"
#include "tools/nboctl/cli_util.h"
#include "tools/nboctl/client.h"
#include "tools/nboctl/commands.h"
#include "tools/nboctl/common_flags.h"

ABSL_FLAG(int, k, 0, "similar: products to list, 1..100 (0: the server's 5)");

namespace nbo::nboctl {
namespace {

constexpr std::chrono::seconds kRpcTimeout(30);

}  // namespace

int Similar(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return UsageError("similar", "unexpected argument '" + args[0] + "'");
  }
  v1::SimilarProductsRequest request;
  request.set_product_id(absl::GetFlag(FLAGS_product_id));
  request.set_k(absl::GetFlag(FLAGS_k));
  if (request.product_id().empty()) {
    return UsageError("similar", "--product_id=ID is required");
  }
  if (request.k() < 0) return UsageError("similar", "--k must be >= 0");
  if (const std::string model = absl::GetFlag(FLAGS_model); !model.empty()) {
    request.mutable_model()->set_model_name(model);
  }

  std::unique_ptr<v1::NBOService::Stub> stub =
      NewServerStub<v1::NBOService>("similar");
  if (stub == nullptr) return 1;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
  v1::SimilarProductsResponse response;
  const grpc::Status status =
      stub->SimilarProducts(&context, request, &response);
  if (!status.ok()) return ReportRpcError("similar", status);
  if (absl::GetFlag(FLAGS_json)) return PrintJson(response);
  std::printf("products like %s in model %s v%lld:\n",
              response.product_id().c_str(),
              response.model_name().empty() ? "(default)"
                                            : response.model_name().c_str(),
              static_cast<long long>(response.model_version()));
  PrintTable(SimilarTable(response));
  return 0;
}

}  // namespace nbo::nboctl
