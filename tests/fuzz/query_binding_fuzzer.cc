// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Fuzzes query binding. The first byte picks one of the test service's
// routes (every field type is reachable from its request); the rest is the
// query string. Properties, besides no crash, leak or undefined behaviour:
//   - failures are INVALID_ARGUMENT;
//   - a built request parses as the route's request type, with valid UTF-8
//     in every string;
//   - a query strict mode accepts is accepted alike when relaxed (relaxed
//     mode only ignores more).

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>

#include "lib/gateway/field_path.h"
#include "lib/gateway/route_table.h"
#include "tests/fuzz/fuzz_scratch.h"
#include "tests/fuzz/gateway_fuzz.h"
#include "tests/unit/gateway/testdata/gateway_test.pb.h"

namespace nbo::fuzz {
namespace {

struct Target {
  const char* method;
  const char* path;
};

// Routes with every kind of binding: path only, path and body field,
// whole body, nested and multi-segment variables.
constexpr Target kTargets[] = {
    {"GET", "/v1/things/T1"},
    {"PATCH", "/v1/things/T1"},
    {"PUT", "/v1/things/T1/tags"},
    {"POST", "/v1/things"},
    {"GET", "/v1/projects/p/things/t/inner/n"},
    {"GET", "/v1/files/a/b%2Fc"},
};

}  // namespace
}  // namespace nbo::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nbo::fuzz;
  if (size == 0) return 0;
  const Target& target = kTargets[data[0] % std::size(kTargets)];
  const absl::string_view query(reinterpret_cast<const char*>(data) + 1,
                                size - 1);
  const nbo::gateway::RouteMatch match =
      TestRoutes().Find(target.method, target.path);
  Check(match.route != nullptr, "the target routes");
  const absl::StatusOr<std::string> request =
      TranscodeBothWays(match, query, "");
  if (request.ok()) {
    nbo::test::ThingRequest parsed;
    Check(parsed.ParseFromString(*request) &&
              nbo::gateway::FindInvalidUtf8(parsed).empty(),
          "every string of a built request is UTF-8");
  }
  return 0;
}
