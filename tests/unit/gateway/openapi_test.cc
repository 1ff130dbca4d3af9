// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/gateway/openapi.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "nbo/v1/ingest_service.pb.h"
#include "nbo/v1/model_service.pb.h"
#include "nbo/v1/nbo_service.pb.h"
#include "nbo/v1/trainer_service.pb.h"
#include "tests/unit/gateway/testdata/gateway_test.pb.h"

namespace nbo::gateway {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;
using ::nbo::testing::IsOk;
using ::testing::HasSubstr;

std::unique_ptr<RouteTable> TableOf(
    const google::protobuf::DescriptorPool* pool,
    const std::vector<std::string>& services) {
  auto table = RouteTable::Create(pool, services);
  EXPECT_THAT(table, IsOk());
  return table.ok() ? *std::move(table) : nullptr;
}

std::unique_ptr<RouteTable> TestTable() {
  return TableOf(test::ThingRequest::descriptor()->file()->pool(),
                 {"nbo.test.GatewayTestService"});
}

std::unique_ptr<RouteTable> NboTable() {
  EXPECT_NE(v1::ListModelsRequest::descriptor(), nullptr);
  EXPECT_NE(v1::UpsertCustomersRequest::descriptor(), nullptr);
  EXPECT_NE(v1::StartTrainingRequest::descriptor(), nullptr);
  return TableOf(v1::RecommendRequest::descriptor()->file()->pool(),
                 {"nbo.v1.NBOService", "nbo.v1.ModelService",
                  "nbo.v1.IngestService", "nbo.v1.TrainerService"});
}

Struct Parse(const std::string& json) {
  Struct document;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &document).ok())
      << json;
  return document;
}

// document["a"]["b"]... or a null Value if a key is missing.
Value At(const Struct& document, std::initializer_list<std::string> keys) {
  Value value;
  *value.mutable_struct_value() = document;
  for (const std::string& key : keys) {
    if (!value.has_struct_value()) return Value();
    auto it = value.struct_value().fields().find(key);
    if (it == value.struct_value().fields().end()) return Value();
    Value next = it->second;
    value = next;
  }
  return value;
}

bool Has(const Struct& document, std::initializer_list<std::string> keys) {
  return At(document, keys).kind_case() != Value::KIND_NOT_SET;
}

// The names of an operation's parameters, "in:name".
std::vector<std::string> Parameters(const Struct& document,
                                    const std::string& path,
                                    const std::string& method) {
  std::vector<std::string> names;
  const Value parameters = At(document, {"paths", path, method, "parameters"});
  for (const Value& p : parameters.list_value().values()) {
    names.push_back(p.struct_value().fields().at("in").string_value() + ":" +
                    p.struct_value().fields().at("name").string_value());
  }
  return names;
}

TEST(OpenApiTest, HasAnOperationForEveryRoute) {
  std::unique_ptr<RouteTable> table = NboTable();
  ASSERT_NE(table, nullptr);
  const Struct document = Parse(OpenApiJson(*table, {}));
  EXPECT_EQ(At(document, {"openapi"}).string_value(), "3.0.3");
  EXPECT_EQ(At(document, {"info", "title"}).string_value(), "nbo");
  int operations = 0;
  const Value paths = At(document, {"paths"});
  for (const auto& [path, item] : paths.struct_value().fields()) {
    operations += item.struct_value().fields_size();
  }
  EXPECT_EQ(operations, static_cast<int>(table->routes().size()));
  EXPECT_EQ(At(document, {"paths", "/v1/customers/{customer_id}/offers", "get",
                          "operationId"})
                .string_value(),
            "NBOService_Recommend2");
  EXPECT_EQ(At(document, {"paths", "/v1/recommend", "post", "operationId"})
                .string_value(),
            "NBOService_Recommend");
  EXPECT_TRUE(
      Has(document, {"paths", "/v1/training_jobs/{job_id}:watch", "get"}));
  EXPECT_TRUE(Has(document, {"paths", "/v1/customers:upsert", "post"}));
}

TEST(OpenApiTest, ListsPathAndQueryParameters) {
  std::unique_ptr<RouteTable> table = NboTable();
  ASSERT_NE(table, nullptr);
  const Struct document = Parse(OpenApiJson(*table, {}));
  const std::vector<std::string> parameters =
      Parameters(document, "/v1/customers/{customer_id}/offers", "get");
  EXPECT_THAT(parameters, ::testing::Contains("path:customer_id"));
  EXPECT_THAT(parameters, ::testing::Contains("query:numOffers"));
  EXPECT_THAT(parameters, ::testing::Contains("query:excludeProducts"));
  EXPECT_THAT(parameters,
              ::testing::Not(::testing::Contains("query:customerId")));
  // The body binds everything: no query parameters.
  EXPECT_TRUE(Parameters(document, "/v1/recommend", "post").empty());
  EXPECT_TRUE(Has(document, {"paths", "/v1/recommend", "post", "requestBody"}));
  OpenApiOptions proto_names;
  proto_names.proto_names = true;
  EXPECT_THAT(Parameters(Parse(OpenApiJson(*table, proto_names)),
                         "/v1/customers/{customer_id}/offers", "get"),
              ::testing::Contains("query:num_offers"));
}

TEST(OpenApiTest, DescribesTheTestServicesEveryForm) {
  std::unique_ptr<RouteTable> table = TestTable();
  ASSERT_NE(table, nullptr);
  const Struct document = Parse(OpenApiJson(*table, {}));
  const std::vector<std::string> parameters =
      Parameters(document, "/v1/things/{id}", "get");
  for (const char* expected :
       {"path:id", "query:limit", "query:inner.name", "query:inner.tags",
        "query:displayName", "query:at", "query:timeout", "query:maybe",
        "query:colors", "query:times"}) {
    EXPECT_THAT(parameters, ::testing::Contains(expected));
  }
  for (const char* absent : {"query:id", "query:labels", "query:items",
                             "query:inner", "query:items.name"}) {
    EXPECT_THAT(parameters, ::testing::Not(::testing::Contains(absent)));
  }
  // body: "inner" takes inner's fields out of the query.
  const std::vector<std::string> patch =
      Parameters(document, "/v1/things/{id}", "patch");
  EXPECT_THAT(patch, ::testing::Not(::testing::Contains("query:inner.name")));
  EXPECT_THAT(patch, ::testing::Contains("query:limit"));
  EXPECT_EQ(At(document, {"paths", "/v1/things/{id}", "patch", "requestBody",
                          "content", "application/json", "schema", "$ref"})
                .string_value(),
            "#/components/schemas/nbo.test.Inner");
  EXPECT_EQ(At(document, {"paths", "/v1/things/{id}/tags", "put", "requestBody",
                          "content", "application/json", "schema", "type"})
                .string_value(),
            "array");
  // Multi-segment variables carry their pattern.
  const Value nested = At(document, {"paths", "/v1/{name}/inner/{inner.name}",
                                     "get", "parameters"});
  const Value name = nested.list_value().values(0);
  EXPECT_EQ(name.struct_value()
                .fields()
                .at("schema")
                .struct_value()
                .fields()
                .at("pattern")
                .string_value(),
            "^projects/[^/]+/things/[^/]+$");
  EXPECT_TRUE(Has(document, {"paths", "/v1/things/{id}", "head"}));
  EXPECT_TRUE(Has(document, {"paths", "/v1/files/{path}", "get"}));
  EXPECT_TRUE(Has(document, {"paths", "/v1/tree/**/meta", "get"}));
  EXPECT_EQ(At(document, {"paths", "/v1/multi/{id}/alt", "get", "operationId"})
                .string_value(),
            "GatewayTestService_MultiBound3");
}

TEST(OpenApiTest, WritesSchemasInTheJsonMapping) {
  std::unique_ptr<RouteTable> table = TestTable();
  ASSERT_NE(table, nullptr);
  const Struct document = Parse(OpenApiJson(*table, {}));
  const auto property = [&](const std::string& name) {
    return At(document, {"components", "schemas", "nbo.test.ThingRequest",
                         "properties", name});
  };
  EXPECT_EQ(property("big").struct_value().fields().at("type").string_value(),
            "string");
  EXPECT_EQ(property("limit").struct_value().fields().at("type").string_value(),
            "integer");
  EXPECT_EQ(property("at").struct_value().fields().at("format").string_value(),
            "date-time");
  EXPECT_EQ(
      property("timeout").struct_value().fields().at("format").string_value(),
      "duration");
  EXPECT_EQ(
      property("blob").struct_value().fields().at("format").string_value(),
      "byte");
  EXPECT_TRUE(
      property("maybe").struct_value().fields().at("nullable").bool_value());
  EXPECT_EQ(
      property("labels").struct_value().fields().at("type").string_value(),
      "object");
  EXPECT_TRUE(Has(document, {"components", "schemas", "nbo.test.ThingRequest",
                             "properties", "displayName"}));
  EXPECT_EQ(At(document, {"components", "schemas", "nbo.test.Color", "enum"})
                .list_value()
                .values(1)
                .string_value(),
            "COLOR_RED");
  EXPECT_TRUE(Has(document, {"components", "schemas", "google.rpc.Status"}));
}

TEST(OpenApiTest, StreamsAsNdjsonAndErrorsAsStatus) {
  std::unique_ptr<RouteTable> table = TestTable();
  ASSERT_NE(table, nullptr);
  const Struct document = Parse(OpenApiJson(*table, {}));
  EXPECT_EQ(At(document, {"paths", "/v1/things/{id}:watch", "get", "responses",
                          "200", "content", "application/x-ndjson", "schema",
                          "properties", "result", "$ref"})
                .string_value(),
            "#/components/schemas/nbo.test.ThingResponse");
  EXPECT_EQ(
      At(document, {"paths", "/v1/things/{id}", "get", "responses", "default",
                    "content", "application/json", "schema", "$ref"})
          .string_value(),
      "#/components/schemas/google.rpc.Status");
  EXPECT_EQ(
      At(document, {"paths", "/v1/things/{id}/values", "get", "responses",
                    "200", "content", "application/json", "schema", "type"})
          .string_value(),
      "array");
}

// The test proto's descriptor set, written by protoc with source info
// (tests/unit/gateway/CMakeLists.txt), as a pool of its own.
std::unique_ptr<google::protobuf::DescriptorPool> PoolWithSourceInfo() {
  std::ifstream in(NBO_GATEWAY_TEST_DESCRIPTOR_SET, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  google::protobuf::FileDescriptorSet set;
  EXPECT_TRUE(set.ParseFromString(bytes.str()));
  auto pool = std::make_unique<google::protobuf::DescriptorPool>();
  for (const google::protobuf::FileDescriptorProto& file : set.file()) {
    EXPECT_NE(pool->BuildFile(file), nullptr) << file.name();
  }
  return pool;
}

TEST(OpenApiTest, UsesCommentsWhenThePoolHasSourceInfo) {
  std::unique_ptr<google::protobuf::DescriptorPool> pool = PoolWithSourceInfo();
  std::unique_ptr<RouteTable> table =
      TableOf(pool.get(), {"nbo.test.GatewayTestService"});
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->routes().size(), TestTable()->routes().size());
  const Struct document = Parse(OpenApiJson(*table, {}));
  EXPECT_EQ(At(document, {"paths", "/v1/things/{id}", "get", "description"})
                .string_value(),
            "A single-segment variable.");
  EXPECT_EQ(
      At(document, {"components", "schemas", "nbo.test.Color", "description"})
          .string_value(),
      "What colour a thing is.");
  EXPECT_THAT(At(document, {"tags"})
                  .list_value()
                  .values(0)
                  .struct_value()
                  .fields()
                  .at("description")
                  .string_value(),
              HasSubstr("The test service."));
  EXPECT_EQ(At(document, {"components", "schemas", "nbo.test.ThingRequest",
                          "properties", "id", "description"})
                .string_value(),
            "The thing's id.");
}

// Runs the npm validator (tests/unit/gateway/openapi_validator) on `json`.
void ExpectValidOpenApi(const std::string& json) {
  if (std::system("node --version >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "node is not installed: the OpenAPI document is not "
                    "validated (tools/test.sh installs it)";
  }
  const std::string validator =
      absl::StrCat(NBO_SOURCE_DIR, "/tests/unit/gateway/openapi_validator");
  ASSERT_TRUE(std::ifstream(validator + "/node_modules/@seriousme/"
                                        "openapi-schema-validator/package.json")
                  .good())
      << "run `npm ci` in " << validator << " (tools/test.sh does)";
  nbo::testing::TempDir dir;
  const std::string path = dir.Sub("openapi.json");
  std::ofstream(path) << json;
  const std::string command = absl::StrCat("node ", validator, "/validate.mjs ",
                                           path, " 2>", dir.Sub("errors.txt"));
  const int status = std::system(command.c_str());
  std::stringstream errors;
  errors << std::ifstream(dir.Sub("errors.txt")).rdbuf();
  EXPECT_EQ(status, 0) << errors.str();
}

TEST(OpenApiTest, TheNboDocumentPassesTheOpenApiValidator) {
  std::unique_ptr<RouteTable> table = NboTable();
  ASSERT_NE(table, nullptr);
  ExpectValidOpenApi(OpenApiJson(*table, {}));
}

TEST(OpenApiTest, TheTestServiceDocumentPassesTheOpenApiValidator) {
  std::unique_ptr<google::protobuf::DescriptorPool> pool = PoolWithSourceInfo();
  std::unique_ptr<RouteTable> table =
      TableOf(pool.get(), {"nbo.test.GatewayTestService"});
  ASSERT_NE(table, nullptr);
  OpenApiOptions options;
  options.proto_names = true;
  ExpectValidOpenApi(OpenApiJson(*table, options));
}

TEST(OpenApiTest, TheValidatorRejectsABrokenDocument) {
  // The validator must be able to fail for its pass to mean anything.
  if (std::system("node --version >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "node is not installed";
  }
  nbo::testing::TempDir dir;
  const std::string path = dir.Sub("broken.json");
  std::ofstream(path) << R"({"openapi":"3.0.3","info":{"title":"x"},)"
                         R"("paths":{"v1/no-slash":{}}})";
  const std::string command =
      absl::StrCat("node ", NBO_SOURCE_DIR,
                   "/tests/unit/gateway/openapi_validator/validate.mjs ", path,
                   " >/dev/null 2>&1");
  EXPECT_NE(std::system(command.c_str()), 0);
}

}  // namespace
}  // namespace nbo::gateway
