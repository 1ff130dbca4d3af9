// Copyright (c) 2026 The nbo Authors. MIT License.

#include "tests/fuzz/gateway_fuzz.h"

#include <memory>

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
    Check(results[1].ok() && *results[1] == *results[0],
          "what strict mode accepts, relaxed mode accepts alike");
  }
  return results[0];
}

}  // namespace nbo::fuzz
