// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Fuzzes path templates and route matching. The input is
// "METHOD\nPATH\nTEMPLATE": the template is parsed and matched against the
// path; the method and path are looked up in the test and nbo.v1 tables.
// Properties, besides no crash, leak or undefined behaviour:
//   - a template that parses has a shape that parses to the same shape;
//   - a found route has the request's method, one binding per path field
//     in order, and no Allow list; otherwise the Allow list is sorted,
//     unique, and lacks the method;
//   - one trailing '/' changes nothing.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "lib/gateway/path_template.h"
#include "lib/gateway/route_table.h"
#include "tests/fuzz/fuzz_scratch.h"
#include "tests/fuzz/gateway_fuzz.h"

namespace nbo::fuzz {
namespace {

using gateway::PathBinding;
using gateway::RouteMatch;

bool SameMatch(const RouteMatch& a, const RouteMatch& b) {
  if (a.route != b.route || a.allowed_methods != b.allowed_methods ||
      a.bindings.size() != b.bindings.size()) {
    return false;
  }
  for (size_t i = 0; i < a.bindings.size(); ++i) {
    if (a.bindings[i].field_path != b.bindings[i].field_path ||
        a.bindings[i].value != b.bindings[i].value) {
      return false;
    }
  }
  return true;
}

void CheckFind(const gateway::RouteTable& table, absl::string_view method,
               absl::string_view path) {
  const RouteMatch match = table.Find(method, path);
  if (match.route != nullptr) {
    Check(match.route->http_method == method, "a route has the method");
    Check(match.allowed_methods.empty(), "a found route has no Allow list");
    Check(match.bindings.size() == match.route->path_fields.size(),
          "one binding per path field");
    for (size_t i = 0; i < match.bindings.size(); ++i) {
      Check(match.bindings[i].field_path == match.route->path_fields[i],
            "bindings in template order");
    }
  } else {
    const std::vector<std::string>& allowed = match.allowed_methods;
    Check(
        std::is_sorted(allowed.begin(), allowed.end()) &&
            std::adjacent_find(allowed.begin(), allowed.end()) == allowed.end(),
        "the Allow list is sorted and unique");
    Check(std::find(allowed.begin(), allowed.end(), method) == allowed.end(),
          "the Allow list lacks the request's method");
  }
  if (absl::StartsWith(path, "/") && !absl::EndsWith(path, "/")) {
    Check(SameMatch(match, table.Find(method, std::string(path) + "/")),
          "one trailing '/' changes nothing");
  }
}

void CheckTemplate(absl::string_view text, absl::string_view path) {
  absl::StatusOr<gateway::PathTemplate> parsed =
      gateway::PathTemplate::Parse(text);
  if (!parsed.ok()) {
    Check(parsed.status().code() == absl::StatusCode::kInvalidArgument,
          "a bad template is INVALID_ARGUMENT");
    return;
  }
  absl::StatusOr<gateway::PathTemplate> reparsed =
      gateway::PathTemplate::Parse(parsed->Shape());
  Check(reparsed.ok() && reparsed->Shape() == parsed->Shape(),
        "a template's shape parses to itself");
  std::vector<PathBinding> bindings;
  if (parsed->Match(gateway::RequestPath(path), &bindings)) {
    Check(bindings.size() == parsed->variables().size(),
          "one binding per variable");
  }
}

}  // namespace
}  // namespace nbo::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nbo::fuzz;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<absl::string_view> parts =
      absl::StrSplit(input, absl::MaxSplits('\n', 2));
  parts.resize(3);
  CheckTemplate(parts[2], parts[1]);
  CheckFind(TestRoutes(), parts[0], parts[1]);
  CheckFind(NboRoutes(), parts[0], parts[1]);
  return 0;
}
