// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Small helpers shared by nboctl's publish, models and recommend commands:
// errors, JSON and table output.

#ifndef NBO_TOOLS_NBOCTL_CLI_UTIL_H_
#define NBO_TOOLS_NBOCTL_CLI_UTIL_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "nbo/v1/common.pb.h"

namespace nbo::nboctl {

// Prints "nboctl: <what>: <code name>: <message>" to stderr and returns 1.
int ReportError(absl::string_view what, const absl::Status& status);

// Prints "nboctl <command>: <message>" to stderr and returns 2 (bad usage).
int UsageError(absl::string_view command, absl::string_view message);

// Prints `message` to stdout as indented JSON with proto field names and
// every field, defaults included. Returns 0, or 1 if it cannot be printed.
int PrintJson(const google::protobuf::Message& message);

// "AVAILABLE" for VERSION_STATE_AVAILABLE, and so on.
std::string StateName(nbo::v1::VersionState state);

// Writes `rows` (the first one the header) to stdout with columns padded to
// their widest cell.
void PrintTable(const std::vector<std::vector<std::string>>& rows);

}  // namespace nbo::nboctl

#endif  // NBO_TOOLS_NBOCTL_CLI_UTIL_H_
