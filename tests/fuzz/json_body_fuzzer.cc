// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Fuzzes JSON body transcoding and response printing. The first byte picks
// a route (test service and nbo.v1, each `body` form); the rest is the
// body. Properties, besides no crash, leak or undefined behaviour:
//   - failures are INVALID_ARGUMENT;
//   - a built request parses, and what strict mode accepts relaxed mode
//     accepts alike;
//   - a test request built from a whole body, printed back by
//     ResponseToJson (as EchoThing's response_body), is valid UTF-8 and
//     parses back to the same message.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>

#include "google/protobuf/util/field_comparator.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "lib/gateway/json_text.h"
#include "lib/gateway/route_table.h"
#include "lib/gateway/transcoder.h"
#include "tests/fuzz/fuzz_scratch.h"
#include "tests/fuzz/gateway_fuzz.h"
#include "tests/unit/gateway/testdata/gateway_test.pb.h"

namespace nbo::fuzz {
namespace {

struct Target {
  bool nbo;  // the nbo.v1 table, else the test one
  const char* method;
  const char* path;
};

constexpr Target kTargets[] = {
    {false, "POST", "/v1/things"},         // body "*"
    {false, "PATCH", "/v1/things/T1"},     // body "inner" (a message)
    {false, "PUT", "/v1/things/T1/tags"},  // body "tags" (repeated)
    {false, "GET", "/v1/things/T1"},       // no body
    {true, "POST", "/v1/recommend"},
    {true, "POST", "/v1/models/m1/labels/stable"},  // path and body "*"
    {true, "POST", "/v1/customers:upsert"},
    {true, "POST", "/v1/training_jobs"},
};

// The request printed as EchoThing prints its response_body, and read back.
void CheckRoundTrip(const std::string& request_bytes) {
  test::ThingResponse response;
  Check(response.mutable_request()->ParseFromString(request_bytes),
        "the request parses");
  const gateway::RouteMatch echo = TestRoutes().Find("GET", "/v1/echo/E1");
  Check(echo.route != nullptr, "EchoThing routes");
  absl::StatusOr<std::string> json = gateway::ResponseToJson(
      *echo.route, response.SerializeAsString(), gateway::TranscodeOptions());
  Check(json.ok(), "a valid response prints");
  Check(gateway::IsValidUtf8(*json), "printed JSON is UTF-8");
  test::ThingRequest back;
  Check(google::protobuf::util::JsonStringToMessage(*json, &back).ok(),
        "printed JSON parses");
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  Check(differencer.Compare(response.request(), back),
        "printed JSON reads back to the same message");
}

}  // namespace
}  // namespace nbo::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nbo::fuzz;
  if (size == 0) return 0;
  const size_t index = data[0] % std::size(kTargets);
  const Target& target = kTargets[index];
  const absl::string_view body(reinterpret_cast<const char*>(data) + 1,
                               size - 1);
  const nbo::gateway::RouteMatch match =
      (target.nbo ? NboRoutes() : TestRoutes())
          .Find(target.method, target.path);
  Check(match.route != nullptr, "the target routes");
  const absl::StatusOr<std::string> request =
      TranscodeBothWays(match, "", body);
  if (index == 0 && request.ok()) CheckRoundTrip(*request);
  return 0;
}
