// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nboctl feedback: one NBOService.RecordFeedback call.

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "tools/nboctl/cli_format.h"
#include "tools/nboctl/cli_util.h"
#include "tools/nboctl/client.h"
#include "tools/nboctl/commands.h"
#include "tools/nboctl/common_flags.h"

ABSL_FLAG(std::string, decision_id, "",
          "feedback: RecommendResponse.decision_id of the offer");
ABSL_FLAG(std::string, outcome, "",
          "feedback: impression, accepted or declined");

// Defined in recommend.cc.
ABSL_DECLARE_FLAG(std::string, customer);

namespace nbo::nboctl {
namespace {

constexpr std::chrono::seconds kRpcTimeout(30);

}  // namespace

int Feedback(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return UsageError("feedback", "unexpected argument '" + args[0] + "'");
  }
  v1::RecordFeedbackRequest request;
  request.set_decision_id(absl::GetFlag(FLAGS_decision_id));
  std::string customer = absl::GetFlag(FLAGS_customer_id);
  if (customer.empty()) customer = absl::GetFlag(FLAGS_customer);
  request.set_customer_id(customer);
  request.set_product_id(absl::GetFlag(FLAGS_product_id));
  request.set_channel(absl::GetFlag(FLAGS_channel));
  if (request.decision_id().empty() || request.customer_id().empty() ||
      request.product_id().empty()) {
    return UsageError("feedback",
                      "--decision_id, --customer_id and --product_id are "
                      "required");
  }
  absl::StatusOr<v1::FeedbackOutcome> outcome =
      ParseOutcome(absl::GetFlag(FLAGS_outcome));
  if (!outcome.ok()) {
    return UsageError("feedback",
                      absl::GetFlag(FLAGS_outcome).empty()
                          ? "--outcome=impression|accepted|declined is required"
                          : std::string(outcome.status().message()));
  }
  request.set_outcome(*outcome);

  std::unique_ptr<v1::NBOService::Stub> stub =
      NewServerStub<v1::NBOService>("feedback");
  if (stub == nullptr) return 1;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
  v1::RecordFeedbackResponse response;
  const grpc::Status status =
      stub->RecordFeedback(&context, request, &response);
  if (!status.ok()) return ReportRpcError("feedback", status);
  if (absl::GetFlag(FLAGS_json)) return PrintJson(response);
  std::printf(
      "%s %s of %s for decision %s%s%s\n",
      response.duplicate() ? "already recorded (duplicate):" : "recorded",
      OutcomeName(*outcome).c_str(), request.product_id().c_str(),
      request.decision_id().c_str(),
      response.experiment_arm().empty() ? "" : ", experiment arm ",
      response.experiment_arm().c_str());
  return 0;
}

}  // namespace nbo::nboctl
