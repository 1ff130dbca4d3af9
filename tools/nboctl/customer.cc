// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nboctl customer: the compliance view of one customer (GetCustomer).

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "grpcpp/grpcpp.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "tools/nboctl/cli_format.h"
#include "tools/nboctl/cli_util.h"
#include "tools/nboctl/client.h"
#include "tools/nboctl/commands.h"
#include "tools/nboctl/common_flags.h"

ABSL_FLAG(int, max_transactions, 0,
          "customer: most recent transactions to show (0: the server's "
          "default, 20)");
ABSL_FLAG(int, max_decisions, 0,
          "customer: most recent decisions to show (0: the server's default, "
          "20)");

// Defined in recommend.cc.
ABSL_DECLARE_FLAG(std::string, customer);

namespace nbo::nboctl {
namespace {

constexpr std::chrono::seconds kRpcTimeout(30);

}  // namespace

int Customer(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return UsageError("customer", "unexpected argument '" + args[0] + "'");
  }
  std::string customer = absl::GetFlag(FLAGS_customer_id);
  if (customer.empty()) customer = absl::GetFlag(FLAGS_customer);
  if (customer.empty()) {
    return UsageError("customer", "--customer_id=ID is required");
  }
  v1::GetCustomerRequest request;
  request.set_customer_id(customer);
  request.set_max_transactions(absl::GetFlag(FLAGS_max_transactions));
  request.set_max_decisions(absl::GetFlag(FLAGS_max_decisions));
  if (request.max_transactions() < 0 || request.max_decisions() < 0) {
    return UsageError("customer",
                      "--max_transactions and --max_decisions must be >= 0");
  }

  std::unique_ptr<v1::NBOService::Stub> stub =
      NewServerStub<v1::NBOService>("customer");
  if (stub == nullptr) return 1;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
  v1::GetCustomerResponse response;
  const grpc::Status status = stub->GetCustomer(&context, request, &response);
  if (!status.ok()) return ReportRpcError("customer", status);
  if (absl::GetFlag(FLAGS_json)) return PrintJson(response);
  std::fputs(FormatCustomer(customer, response).c_str(), stdout);
  return 0;
}

}  // namespace nbo::nboctl
