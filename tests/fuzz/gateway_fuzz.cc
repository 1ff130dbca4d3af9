// Copyright (c) 2026 The nbo Authors. MIT License.

#include "tests/fuzz/gateway_fuzz.h"

#include <memory>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "lib/gateway/field_path.h"
#include "lib/gateway/transcoder.h"
#include "nbo/v1/ingest_service.pb.h"
#include "nbo/v1/model_service.pb.h"
#include "nbo/v1/nbo_service.pb.h"
#include "nbo/v1/trainer_service.pb.h"
#include "tests/fuzz/fuzz_scratch.h"
#include "tests/unit/gateway/testdata/gateway_test.pb.h"

namespace nbo::fuzz {
namespace {

const gateway::RouteTable& Build(const google::protobuf::DescriptorPool* pool,
                                 const std::vector<std::string>& services) {
  absl::StatusOr<std::unique_ptr<gateway::RouteTable>> table =
      gateway::RouteTable::Create(pool, services);
  Check(table.ok(), "the route table builds");
  return *table->release();
}

}  // namespace

const gateway::RouteTable& TestRoutes() {
  static const gateway::RouteTable& table =
      Build(test::ThingRequest::descriptor()->file()->pool(),
            {"nbo.test.GatewayTestService"});
  return table;
}

const gateway::RouteTable& NboRoutes() {
  // One generated type per file links its descriptors in.
  static const gateway::RouteTable& table = []() -> const gateway::RouteTable& {
    Check(v1::ListModelsRequest::descriptor() != nullptr &&
              v1::UpsertCustomersRequest::descriptor() != nullptr &&
              v1::StartTrainingRequest::descriptor() != nullptr,
          "nbo.v1 is linked");
    return Build(v1::RecommendRequest::descriptor()->file()->pool(),
                 {"nbo.v1.NBOService", "nbo.v1.ModelService",
                  "nbo.v1.IngestService", "nbo.v1.TrainerService"});
  }();
  return table;
}

namespace {

// `bytes` of the route's request type, parsed and serialized again with map
// entries in key order; "" if they do not parse.
std::string DeterministicBytes(const gateway::RouteMatch& match,
                               const std::string& bytes) {
  std::unique_ptr<google::protobuf::Message> message =
      gateway::NewMessage(match.route->method->input_type());
  if (!message->ParseFromString(bytes)) return "";
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message->SerializeToCodedStream(&coded);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> TranscodeBothWays(const gateway::RouteMatch& match,
                                              absl::string_view query,
                                              absl::string_view body) {
  absl::StatusOr<std::string> results[2];
  for (bool strict : {true, false}) {
    gateway::TranscodeOptions options;
    options.strict = strict;
    absl::StatusOr<std::string>& request = results[strict ? 0 : 1];
    request = gateway::BuildRequest(match, query, body, options);
    Check(request.ok() ||
              request.status().code() == absl::StatusCode::kInvalidArgument,
          "bad input is INVALID_ARGUMENT");
    if (!request.ok()) continue;
    std::unique_ptr<google::protobuf::Message> parsed =
        gateway::NewMessage(match.route->method->input_type());
    Check(parsed->ParseFromString(*request), "the request parses");
  }
  if (results[0].ok()) {
    // Compared re-serialized deterministically: map entries serialize in no
    // fixed order, so the same request can have different bytes (and a
    // field-by-field comparison would call NaN unequal to itself).
    bool alike = results[1].ok() && DeterministicBytes(match, *results[0]) ==
                                        DeterministicBytes(match, *results[1]);
    Check(alike, "what strict mode accepts, relaxed mode accepts alike");
  }
  return results[0];
}

}  // namespace nbo::fuzz
