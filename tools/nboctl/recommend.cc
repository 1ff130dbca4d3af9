// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nboctl recommend: one NBOService.Recommend call, printed as JSON (or, with
// --text, for people).

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/marshalling.h"
#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "tools/nboctl/cli_format.h"
#include "tools/nboctl/cli_util.h"
#include "tools/nboctl/client.h"
#include "tools/nboctl/commands.h"
#include "tools/nboctl/common_flags.h"

// Defined in models.cc, where `models label` sets it; here it selects.
ABSL_DECLARE_FLAG(std::string, label);

ABSL_FLAG(std::string, customer, "",
          "recommend: the bank's customer id, e.g. C0000042");
ABSL_FLAG(std::optional<int>, num_offers, std::nullopt,
          "recommend: offers to return; unset means the server's default");
ABSL_FLAG(int64_t, model_version, 0,
          "recommend: answer with this version (instead of --label or the "
          "server's routing)");
ABSL_FLAG(bool, explain, false,
          "recommend: ask for reason codes per offer (contributing products, "
          "eligibility, business priority)");
ABSL_FLAG(std::string, exclude, "",
          "recommend: comma-separated products not to offer this time");
ABSL_FLAG(bool, text, false,
          "recommend: print offers, reasons, suppressions and the no-action "
          "for people instead of JSON");

namespace nbo::nboctl {
namespace {

constexpr std::chrono::seconds kRpcTimeout(30);

}  // namespace

int Recommend(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return UsageError("recommend", "unexpected argument '" + args[0] + "'");
  }
  const std::string customer = absl::GetFlag(FLAGS_customer);
  const int64_t version = absl::GetFlag(FLAGS_model_version);
  const std::string label = absl::GetFlag(FLAGS_label);
  if (customer.empty()) {
    return UsageError("recommend", "--customer=ID is required");
  }
  if (version < 0) {
    return UsageError("recommend", "--model_version must be positive");
  }
  if (version > 0 && !label.empty()) {
    return UsageError("recommend", "give --model_version or --label, not both");
  }

  v1::RecommendRequest request;
  request.set_customer_id(customer);
  if (const std::optional<int> num_offers = absl::GetFlag(FLAGS_num_offers);
      num_offers.has_value()) {
    if (*num_offers < 1) {
      return UsageError("recommend", "--num_offers must be at least 1");
    }
    request.set_num_offers(*num_offers);
  }
  request.set_channel(absl::GetFlag(FLAGS_channel));
  request.set_explain(absl::GetFlag(FLAGS_explain));
  for (std::string& product : ParseList(absl::GetFlag(FLAGS_exclude))) {
    request.add_exclude_products(std::move(product));
  }
  const std::string model = absl::GetFlag(FLAGS_model);
  if (!model.empty() || version > 0 || !label.empty()) {
    v1::ModelSelector* selector = request.mutable_model();
    selector->set_model_name(model);
    if (version > 0) {
      selector->set_version(version);
    } else if (!label.empty()) {
      selector->set_label(label);
    }
  }

  std::unique_ptr<v1::NBOService::Stub> stub =
      NewServerStub<v1::NBOService>("recommend");
  if (stub == nullptr) return 1;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
  v1::RecommendResponse response;
  const grpc::Status status = stub->Recommend(&context, request, &response);
  if (!status.ok()) return ReportRpcError("recommend", status);
  if (absl::GetFlag(FLAGS_text)) {
    std::fputs(FormatRecommendation(response).c_str(), stdout);
    return 0;
  }
  return PrintJson(response);
}

}  // namespace nbo::nboctl
