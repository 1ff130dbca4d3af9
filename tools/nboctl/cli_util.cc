// Copyright (c) 2026 The nbo Authors. MIT License.

#include "tools/nboctl/cli_util.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"

namespace nbo::nboctl {

int ReportError(absl::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "nboctl: %s: %s: %s\n", std::string(what).c_str(),
               absl::StatusCodeToString(status.code()).c_str(),
               std::string(status.message()).c_str());
  return 1;
}

int UsageError(absl::string_view command, absl::string_view message) {
  std::fprintf(stderr, "nboctl %s: %s\n(see nboctl --help)\n",
               std::string(command).c_str(), std::string(message).c_str());
  return 2;
}

int PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  const auto status =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    std::fprintf(stderr, "nboctl: cannot print %s as JSON: %s\n",
                 message.GetTypeName().c_str(), status.ToString().c_str());
    return 1;
  }
  std::fputs(json.c_str(), stdout);
  if (json.empty() || json.back() != '\n') std::fputc('\n', stdout);
  return 0;
}

std::string StateName(nbo::v1::VersionState state) {
  const std::string& name = nbo::v1::VersionState_Name(state);
  if (name.empty()) return absl::StrCat("STATE_", static_cast<int>(state));
  return std::string(absl::StripPrefix(name, "VERSION_STATE_"));
}

void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    std::puts(line.c_str());
  }
}

}  // namespace nbo::nboctl
