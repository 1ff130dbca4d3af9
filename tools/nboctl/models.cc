// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nboctl models list|status|label|split|delete: ModelService from the
// command line. Tables by default, the RPC's response as JSON with --json.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "lib/common/status_macros.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "services/common/grpc_status.h"
#include "tools/nboctl/cli_util.h"
#include "tools/nboctl/client.h"
#include "tools/nboctl/commands.h"
#include "tools/nboctl/common_flags.h"

ABSL_FLAG(std::string, label, "",
          "models label: the label to set (e.g. stable, canary). recommend: "
          "answer with the version this label points at");
ABSL_FLAG(std::string, arms, "unset",
          "models split: comma-separated TARGET:WEIGHT arms, where TARGET is "
          "a version number or a label (stable:90,canary:10 or 3:50,4:50); "
          "--arms= clears the split");
ABSL_FLAG(std::string, salt, "",
          "models split: salt of the customer hash; changing it reshuffles "
          "customers between arms");

namespace nbo::nboctl {
namespace {

// The default of --arms, telling "not given" apart from "--arms=" (clear).
constexpr absl::string_view kArmsUnset = "unset";

// Deadline of each ModelService call.
constexpr std::chrono::seconds kRpcTimeout(30);

std::string ModelName(const std::string& name) {
  return name.empty() ? "(default)" : name;
}

std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S",
                          absl::FromUnixSeconds(timestamp.seconds()),
                          absl::UTCTimeZone());
}

std::string FormatArm(const v1::TrafficArm& arm) {
  const std::string target =
      arm.has_label() ? arm.label() : absl::StrCat("v", arm.version());
  return absl::StrCat(target, ":", arm.weight());
}

// "als", "ease", or a kind this nboctl does not know by its number.
std::string KindName(v1::ModelKind kind) {
  switch (kind) {
    case v1::MODEL_KIND_UNSPECIFIED:
    case v1::MODEL_KIND_IMPLICIT_ALS:
      return "als";
    case v1::MODEL_KIND_EASE:
      return "ease";
    default:
      return absl::StrCat("kind ", static_cast<int>(kind));
  }
}

// Appends one table row per version of `model` to `rows`.
void AddVersionRows(const v1::ModelStatus& model,
                    std::vector<std::vector<std::string>>* rows) {
  for (const v1::VersionStatus& version : model.versions()) {
    std::string state = StateName(version.state());
    if (!version.error_message().empty()) {
      absl::StrAppend(&state, " (", version.error_message(), ")");
    }
    rows->push_back(
        {ModelName(model.model_name()), absl::StrCat(version.version()), state,
         KindName(version.model_kind()), absl::StrCat(version.rank()),
         absl::StrCat(version.customer_count()),
         absl::StrCat(version.product_count()),
         version.labels().empty() ? "-" : absl::StrJoin(version.labels(), ","),
         FormatTimestamp(version.created_time())});
  }
}

std::vector<std::string> VersionHeader() {
  return {"MODEL",     "VERSION",  "STATE",  "KIND",         "RANK",
          "CUSTOMERS", "PRODUCTS", "LABELS", "CREATED (UTC)"};
}

// Prints the lines under the version table: labels and the traffic split.
void PrintRouting(const v1::ModelStatus& model) {
  std::vector<std::string> labels;
  for (const auto& [label, version] : model.labels()) {
    labels.push_back(absl::StrCat(label, " -> v", version));
  }
  std::sort(labels.begin(), labels.end());
  std::vector<std::string> arms;
  for (const v1::TrafficArm& arm : model.traffic_split()) {
    arms.push_back(FormatArm(arm));
  }
  const std::string name = ModelName(model.model_name());
  if (!labels.empty()) {
    std::printf("%s labels: %s\n", name.c_str(),
                absl::StrJoin(labels, ", ").c_str());
  }
  if (!arms.empty()) {
    std::string salt;
    if (!model.split_salt().empty()) {
      salt = absl::StrCat(" (salt \"", model.split_salt(), "\")");
    }
    std::printf("%s traffic split: %s%s\n", name.c_str(),
                absl::StrJoin(arms, ", ").c_str(), salt.c_str());
  }
}

void PrintModel(const v1::ModelStatus& model) {
  std::vector<std::vector<std::string>> rows = {VersionHeader()};
  AddVersionRows(model, &rows);
  PrintTable(rows);
  PrintRouting(model);
}

// Parses --arms: "stable:90,canary:10", "3:50,4:50". A target that parses
// as an integer is a version, anything else a label.
absl::StatusOr<std::vector<v1::TrafficArm>> ParseArms(const std::string& text) {
  std::vector<v1::TrafficArm> arms;
  for (absl::string_view part :
       absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    part = absl::StripAsciiWhitespace(part);
    const size_t colon = part.rfind(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "arm '", part, "' is not TARGET:WEIGHT (e.g. stable:90 or 3:50)"));
    }
    const absl::string_view target =
        absl::StripAsciiWhitespace(part.substr(0, colon));
    const absl::string_view weight_text =
        absl::StripAsciiWhitespace(part.substr(colon + 1));
    uint32_t weight = 0;
    if (!absl::SimpleAtoi(weight_text, &weight) || weight == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("arm '", part, "': weight must be a positive integer"));
    }
    if (target.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("arm '", part, "' has no target"));
    }
    v1::TrafficArm arm;
    int64_t version = 0;
    if (absl::SimpleAtoi(target, &version)) {
      if (version <= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("arm '", part, "': version must be positive"));
      }
      arm.set_version(version);
    } else {
      arm.set_label(std::string(target));
    }
    arm.set_weight(weight);
    arms.push_back(std::move(arm));
  }
  return arms;
}

// Runs one unary ModelService call with the shared deadline and token.
template <typename Request, typename Response, typename Method>
absl::Status Call(Method method, const Request& request, Response* response) {
  NBO_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, ServerChannel());
  std::unique_ptr<v1::ModelService::Stub> stub =
      v1::ModelService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
  return services::FromGrpcStatus(
      ((*stub).*method)(&context, request, response));
}

int List() {
  v1::ListModelsResponse response;
  absl::Status status = Call(&v1::ModelService::Stub::ListModels,
                             v1::ListModelsRequest(), &response);
  if (!status.ok()) return ReportError("models list", status);
  if (absl::GetFlag(FLAGS_json)) return PrintJson(response);
  if (response.models().empty()) {
    std::printf("no models\n");
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {VersionHeader()};
  for (const v1::ModelStatus& model : response.models()) {
    AddVersionRows(model, &rows);
  }
  PrintTable(rows);
  for (const v1::ModelStatus& model : response.models()) PrintRouting(model);
  return 0;
}

int Status() {
  v1::GetModelStatusRequest request;
  request.set_model_name(absl::GetFlag(FLAGS_model));
  v1::GetModelStatusResponse response;
  absl::Status status =
      Call(&v1::ModelService::Stub::GetModelStatus, request, &response);
  if (!status.ok()) return ReportError("models status", status);
  if (absl::GetFlag(FLAGS_json)) return PrintJson(response);
  PrintModel(response.model());
  return 0;
}

int Label() {
  const std::string label = absl::GetFlag(FLAGS_label);
  const int64_t version = absl::GetFlag(FLAGS_version);
  if (label.empty()) return UsageError("models label", "--label=L is required");
  if (version <= 0) {
    return UsageError("models label", "--version=N with N > 0 is required");
  }
  v1::SetVersionLabelRequest request;
  request.set_model_name(absl::GetFlag(FLAGS_model));
  request.set_label(label);
  request.set_version(version);
  v1::SetVersionLabelResponse response;
  absl::Status status =
      Call(&v1::ModelService::Stub::SetVersionLabel, request, &response);
  if (!status.ok()) return ReportError("models label", status);
  if (absl::GetFlag(FLAGS_json)) return PrintJson(response);
  std::printf("%s: label %s -> version %lld\n\n",
              ModelName(response.model().model_name()).c_str(), label.c_str(),
              static_cast<long long>(version));
  PrintModel(response.model());
  return 0;
}

int Split() {
  const std::string arms_flag = absl::GetFlag(FLAGS_arms);
  if (arms_flag == kArmsUnset) {
    return UsageError("models split",
                      "--arms=TARGET:WEIGHT,... is required (--arms= clears "
                      "the split)");
  }
  absl::StatusOr<std::vector<v1::TrafficArm>> arms = ParseArms(arms_flag);
  if (!arms.ok()) return UsageError("models split", arms.status().message());
  v1::SetTrafficSplitRequest request;
  request.set_model_name(absl::GetFlag(FLAGS_model));
  for (v1::TrafficArm& arm : *arms) *request.add_arms() = std::move(arm);
  request.set_salt(absl::GetFlag(FLAGS_salt));
  v1::SetTrafficSplitResponse response;
  absl::Status status =
      Call(&v1::ModelService::Stub::SetTrafficSplit, request, &response);
  if (!status.ok()) return ReportError("models split", status);
  if (absl::GetFlag(FLAGS_json)) return PrintJson(response);
  if (request.arms().empty()) {
    std::printf("%s: traffic split cleared\n\n",
                ModelName(response.model().model_name()).c_str());
  } else {
    std::vector<std::string> parts;
    for (const v1::TrafficArm& arm : request.arms()) {
      parts.push_back(FormatArm(arm));
    }
    std::printf("%s: traffic split set to %s\n\n",
                ModelName(response.model().model_name()).c_str(),
                absl::StrJoin(parts, ", ").c_str());
  }
  PrintModel(response.model());
  return 0;
}

int Delete() {
  const int64_t version = absl::GetFlag(FLAGS_version);
  if (version <= 0) {
    return UsageError("models delete", "--version=N with N > 0 is required");
  }
  v1::DeleteVersionRequest request;
  request.set_model_name(absl::GetFlag(FLAGS_model));
  request.set_version(version);
  v1::DeleteVersionResponse response;
  absl::Status status =
      Call(&v1::ModelService::Stub::DeleteVersion, request, &response);
  if (!status.ok()) return ReportError("models delete", status);
  if (absl::GetFlag(FLAGS_json)) return PrintJson(response);
  std::printf("%s: deleted version %lld\n",
              ModelName(request.model_name()).c_str(),
              static_cast<long long>(version));
  return 0;
}

}  // namespace

int Models(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return UsageError(
        "models", args.empty() ? "expected a subcommand: list, status, label, "
                                 "split or delete"
                               : "expected exactly one subcommand");
  }
  const std::string& command = args[0];
  if (command == "list") return List();
  if (command == "status") return Status();
  if (command == "label") return Label();
  if (command == "split") return Split();
  if (command == "delete") return Delete();
  return UsageError("models", "unknown subcommand '" + command +
                                  "'; expected list, status, label, split "
                                  "or delete");
}

}  // namespace nbo::nboctl
