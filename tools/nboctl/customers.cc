// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nboctl customers: the ids of the customers nbo holds data for
// (ListCustomers), one per line, following pages up to --limit.

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "grpcpp/grpcpp.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "tools/nboctl/cli_util.h"
#include "tools/nboctl/client.h"
#include "tools/nboctl/commands.h"
#include "tools/nboctl/common_flags.h"

ABSL_FLAG(std::string, segment, "",
          "customers: only this profile segment (e.g. mass)");
ABSL_FLAG(std::string, id_prefix, "", "customers: only ids starting so");
ABSL_FLAG(int, limit, 50, "customers: most ids to print (0: all)");

namespace nbo::nboctl {
namespace {

constexpr std::chrono::seconds kRpcTimeout(30);
constexpr int kPageSize = 500;

}  // namespace

int Customers(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return UsageError("customers", "unexpected argument '" + args[0] + "'");
  }
  const int limit = absl::GetFlag(FLAGS_limit);
  if (limit < 0) return UsageError("customers", "--limit must be >= 0");
  std::unique_ptr<v1::NBOService::Stub> stub =
      NewServerStub<v1::NBOService>("customers");
  if (stub == nullptr) return 1;
  v1::ListCustomersRequest request;
  request.set_segment(absl::GetFlag(FLAGS_segment));
  request.set_id_prefix(absl::GetFlag(FLAGS_id_prefix));
  int printed = 0;
  do {
    const int left = limit == 0 ? kPageSize : limit - printed;
    request.set_page_size(left < kPageSize ? left : kPageSize);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
    v1::ListCustomersResponse response;
    const grpc::Status status =
        stub->ListCustomers(&context, request, &response);
    if (!status.ok()) return ReportRpcError("customers", status);
    for (const std::string& id : response.customer_ids()) {
      std::printf("%s\n", id.c_str());
      ++printed;
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty() && (limit == 0 || printed < limit));
  return 0;
}

}  // namespace nbo::nboctl
