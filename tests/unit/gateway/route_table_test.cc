// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/gateway/route_table.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "nbo/v1/ingest_service.pb.h"
#include "nbo/v1/model_service.pb.h"
#include "nbo/v1/nbo_service.pb.h"
#include "nbo/v1/trainer_service.pb.h"
#include "tests/unit/gateway/testdata/gateway_test.pb.h"

namespace nbo::gateway {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::unique_ptr<RouteTable> TestTable() {
  // Referencing the generated type links its descriptors in.
  const google::protobuf::Descriptor* linked = test::ThingRequest::descriptor();
  auto table = RouteTable::Create(linked->file()->pool(),
                                  {"nbo.test.GatewayTestService"});
  EXPECT_THAT(table, IsOk());
  return table.ok() ? *std::move(table) : nullptr;
}

// "Method field=value ..." for a match, "405 GET,POST" or "404".
std::string Describe(const RouteMatch& match) {
  if (match.route == nullptr) {
    if (match.allowed_methods.empty()) return "404";
    std::string out = "405";
    for (const std::string& m : match.allowed_methods) out += " " + m;
    return out;
  }
  std::string out = match.route->method->name();
  for (const PathBinding& b : match.bindings) {
    out += " " + b.field_path + "=" + b.value;
  }
  return out;
}

std::string Find(const RouteTable& table, absl::string_view method,
                 absl::string_view path) {
  return Describe(table.Find(method, path));
}

TEST(RouteTableTest, RoutesEveryAnnotatedBindingOfTheTestService) {
  std::unique_ptr<RouteTable> table = TestTable();
  ASSERT_NE(table, nullptr);
  std::vector<std::string> routes;
  for (const Route& route : table->routes()) {
    routes.push_back(route.http_method + " " + route.path_template);
  }
  EXPECT_THAT(
      routes,
      ElementsAre("GET /v1/things/{id}", "GET /v1/things/special",
                  "GET /v1/star/{id=*}/*", "GET /v1/files/{path=**}",
                  "GET /v1/tree/**/meta",
                  "GET /v1/{name=projects/*/things/*}/inner/{inner.name}",
                  "POST /v1/things", "PATCH /v1/things/{id}",
                  "PUT /v1/things/{id}/tags", "DELETE /v1/things/{id}",
                  "GET /v1/things/{id}:watch", "POST /v1/things:batch",
                  "GET /v1/things/{id}/values", "GET /v1/echo/{id}",
                  "GET /v1/multi/{id}", "POST /v1/multi",
                  "GET /v1/multi/{id}/alt", "HEAD /v1/things/{id}"));
}

TEST(RouteTableTest, FillsEachRoute) {
  std::unique_ptr<RouteTable> table = TestTable();
  ASSERT_NE(table, nullptr);
  const RouteMatch match = table->Find("GET", "/v1/things/T1:watch");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->grpc_path, "/nbo.test.GatewayTestService/WatchThing");
  EXPECT_TRUE(match.route->server_streaming);
  EXPECT_THAT(match.route->path_fields, ElementsAre("id"));
  EXPECT_EQ(match.route->body, "");

  const RouteMatch update = table->Find("PATCH", "/v1/things/T1");
  ASSERT_NE(update.route, nullptr);
  EXPECT_EQ(update.route->body, "inner");
  EXPECT_FALSE(update.route->server_streaming);
  const RouteMatch values = table->Find("GET", "/v1/things/T1/values");
  ASSERT_NE(values.route, nullptr);
  EXPECT_EQ(values.route->response_body, "values");
  const RouteMatch nested =
      table->Find("GET", "/v1/projects/p/things/t/inner/n");
  ASSERT_NE(nested.route, nullptr);
  EXPECT_THAT(nested.route->path_fields, ElementsAre("name", "inner.name"));
}

TEST(RouteTableTest, FindsEveryGrammarForm) {
  std::unique_ptr<RouteTable> table = TestTable();
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(Find(*table, "GET", "/v1/things/T1"), "GetThing id=T1");
  EXPECT_EQ(Find(*table, "GET", "/v1/star/S1/anything"), "GetStar id=S1");
  EXPECT_EQ(Find(*table, "GET", "/v1/files/a/b/c.txt"),
            "GetFile path=a/b/c.txt");
  EXPECT_EQ(Find(*table, "GET", "/v1/tree/x/y/meta"), "GetTreeMeta");
  EXPECT_EQ(Find(*table, "GET", "/v1/projects/p1/things/t1/inner/n1"),
            "GetNested name=projects/p1/things/t1 inner.name=n1");
  EXPECT_EQ(Find(*table, "POST", "/v1/things"), "CreateThing");
  EXPECT_EQ(Find(*table, "DELETE", "/v1/things/T1"), "DeleteThing id=T1");
  EXPECT_EQ(Find(*table, "HEAD", "/v1/things/T1"), "HeadThing id=T1");
  EXPECT_EQ(Find(*table, "POST", "/v1/multi"), "MultiBound");
  EXPECT_EQ(Find(*table, "GET", "/v1/multi/M1/alt"), "MultiBound id=M1");
}

TEST(RouteTableTest, ALiteralBeatsAVariable) {
  std::unique_ptr<RouteTable> table = TestTable();
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(Find(*table, "GET", "/v1/things/special"), "GetSpecialThing");
  EXPECT_EQ(Find(*table, "GET", "/v1/things/specia"), "GetThing id=specia");
  // Encoded, it is still the literal.
  EXPECT_EQ(Find(*table, "GET", "/v1/things/sp%65cial"), "GetSpecialThing");
}

TEST(RouteTableTest, RoutesVerbs) {
  std::unique_ptr<RouteTable> table = TestTable();
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(Find(*table, "GET", "/v1/things/T1:watch"), "WatchThing id=T1");
  EXPECT_EQ(Find(*table, "POST", "/v1/things:batch"), "BatchThings");
  // Without the verb the template does not match; the colon is then part
  // of the id, as a template without a verb reads it.
  EXPECT_EQ(Find(*table, "GET", "/v1/things/T1:other"), "GetThing id=T1:other");
  EXPECT_EQ(Find(*table, "POST", "/v1/things:other"), "404");
}

TEST(RouteTableTest, KeepsEncodedSlashesInsideAValue) {
  std::unique_ptr<RouteTable> table = TestTable();
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(Find(*table, "GET", "/v1/things/a%2Fb"), "GetThing id=a/b");
  EXPECT_EQ(Find(*table, "GET", "/v1/things/a%2Fb:watch"), "WatchThing id=a/b");
  EXPECT_EQ(Find(*table, "GET", "/v1/files/a%2Fb/c"), "GetFile path=a%2Fb/c");
}

TEST(RouteTableTest, IgnoresOneTrailingSlash) {
  std::unique_ptr<RouteTable> table = TestTable();
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(Find(*table, "GET", "/v1/things/T1/"), "GetThing id=T1");
  EXPECT_EQ(Find(*table, "POST", "/v1/things/"), "CreateThing");
  EXPECT_EQ(Find(*table, "POST", "/v1/things//"), "404");
}

TEST(RouteTableTest, TellsNotFoundFromMethodNotAllowed) {
  std::unique_ptr<RouteTable> table = TestTable();
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(Find(*table, "GET", "/v2/things"), "404");
  EXPECT_EQ(Find(*table, "GET", ""), "404");
  EXPECT_EQ(Find(*table, "GET", "things"), "404");
  const RouteMatch match = table->Find("PUT", "/v1/things/T1");
  EXPECT_EQ(match.route, nullptr);
  EXPECT_THAT(match.allowed_methods,
              ElementsAre("DELETE", "GET", "HEAD", "PATCH"));
  EXPECT_THAT(table->Find("GET", "/v1/things").allowed_methods,
              ElementsAre("POST"));
  EXPECT_THAT(table->Find("GET", "/v1/things/T1").allowed_methods, IsEmpty());
  // Methods are case-sensitive.
  EXPECT_EQ(Find(*table, "get", "/v1/things/T1"), "405 DELETE GET HEAD PATCH");
}

TEST(RouteTableTest, RoutesTheNboServices) {
  // Referencing one generated type per file links its descriptors in.
  const google::protobuf::DescriptorPool* pool =
      v1::RecommendRequest::descriptor()->file()->pool();
  ASSERT_NE(v1::ListModelsRequest::descriptor(), nullptr);
  ASSERT_NE(v1::UpsertCustomersRequest::descriptor(), nullptr);
  ASSERT_NE(v1::StartTrainingRequest::descriptor(), nullptr);
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<RouteTable> table,
      RouteTable::Create(pool,
                         {"nbo.v1.NBOService", "nbo.v1.ModelService",
                          "nbo.v1.IngestService", "nbo.v1.TrainerService"}));
  EXPECT_EQ(Find(*table, "GET", "/v1/customers/C1/offers"),
            "Recommend customer_id=C1");
  EXPECT_EQ(Find(*table, "POST", "/v1/recommend"), "Recommend");
  const RouteMatch batch = table->Find("POST", "/v1/recommend:batch");
  ASSERT_NE(batch.route, nullptr);
  EXPECT_EQ(batch.route->method->name(), "BatchRecommend");
  EXPECT_TRUE(batch.route->server_streaming);
  EXPECT_EQ(batch.route->grpc_path, "/nbo.v1.NBOService/BatchRecommend");
  EXPECT_EQ(Find(*table, "GET", "/v1/customers/C1"),
            "GetCustomer customer_id=C1");
  EXPECT_EQ(Find(*table, "POST", "/v1/customers:upsert"), "UpsertCustomers");
  EXPECT_EQ(Find(*table, "GET", "/v1/training_jobs/J1:watch"),
            "WatchJob job_id=J1");
  EXPECT_EQ(Find(*table, "GET", "/v1/training_jobs/J1"), "GetJob job_id=J1");
  EXPECT_EQ(Find(*table, "POST", "/v1/training_jobs/J1:cancel"),
            "CancelJob job_id=J1");
  EXPECT_EQ(Find(*table, "DELETE", "/v1/models/m/versions/3"),
            "DeleteVersion model_name=m version=3");
  EXPECT_EQ(Find(*table, "DELETE", "/v1/recommend"), "405 POST");
  // Client streams without an annotation are not routed.
  for (const Route& route : table->routes()) {
    EXPECT_FALSE(route.method->client_streaming()) << route.grpc_path;
  }
}

TEST(RouteTableTest, UnknownServiceIsNotFound) {
  EXPECT_THAT(
      RouteTable::Create(google::protobuf::DescriptorPool::generated_pool(),
                         {"nbo.test.NoSuchService"}),
      StatusIs(absl::StatusCode::kNotFound));
}

// A pool with one service whose one method carries `rule`, over
// message Req { string id = 1; repeated string tags = 2; Sub sub = 3;
// int64 n = 4; } message Sub { string name = 1; }.
class RuleTest : public ::testing::Test {
 protected:
  absl::StatusOr<std::unique_ptr<RouteTable>> Build(
      const std::vector<google::api::HttpRule>& rules) {
    google::protobuf::FileDescriptorProto file;
    file.set_name("rule_test.proto");
    file.set_package("rt");
    file.set_syntax("proto3");
    google::protobuf::DescriptorProto* sub = file.add_message_type();
    sub->set_name("Sub");
    AddField(sub, "name", 1,
             google::protobuf::FieldDescriptorProto::TYPE_STRING);
    google::protobuf::DescriptorProto* req = file.add_message_type();
    req->set_name("Req");
    AddField(req, "id", 1, google::protobuf::FieldDescriptorProto::TYPE_STRING);
    AddField(req, "tags", 2,
             google::protobuf::FieldDescriptorProto::TYPE_STRING)
        ->set_label(google::protobuf::FieldDescriptorProto::LABEL_REPEATED);
    AddField(req, "sub", 3,
             google::protobuf::FieldDescriptorProto::TYPE_MESSAGE)
        ->set_type_name(".rt.Sub");
    AddField(req, "n", 4, google::protobuf::FieldDescriptorProto::TYPE_INT64);
    google::protobuf::ServiceDescriptorProto* service = file.add_service();
    service->set_name("S");
    for (size_t i = 0; i < rules.size(); ++i) {
      google::protobuf::MethodDescriptorProto* method = service->add_method();
      method->set_name("M" + std::to_string(i));
      method->set_input_type(".rt.Req");
      method->set_output_type(".rt.Req");
      *method->mutable_options()->MutableExtension(google::api::http) =
          rules[i];
    }
    pool_ = std::make_unique<google::protobuf::DescriptorPool>();
    if (pool_->BuildFile(file) == nullptr) {
      return absl::InternalError("the test file does not build");
    }
    return RouteTable::Create(pool_.get(), {"rt.S"});
  }

  static google::api::HttpRule Get(const std::string& path) {
    google::api::HttpRule rule;
    rule.set_get(path);
    return rule;
  }

 private:
  static google::protobuf::FieldDescriptorProto* AddField(
      google::protobuf::DescriptorProto* message, const std::string& name,
      int number, google::protobuf::FieldDescriptorProto::Type type) {
    google::protobuf::FieldDescriptorProto* field = message->add_field();
    field->set_name(name);
    field->set_number(number);
    field->set_type(type);
    field->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
    return field;
  }

  std::unique_ptr<google::protobuf::DescriptorPool> pool_;
};

TEST_F(RuleTest, BuildsFromAPoolOtherThanTheGeneratedOne) {
  ASSERT_OK_AND_ASSIGN(auto table, Build({Get("/v1/{sub.name}/{n}")}));
  EXPECT_EQ(Find(*table, "GET", "/v1/a/7"), "M0 sub.name=a n=7");
}

TEST_F(RuleTest, RejectsATemplateThatDoesNotParse) {
  EXPECT_THAT(Build({Get("/v1/{id")}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("method rt.S.M0")));
}

TEST_F(RuleTest, RejectsAVariableTheRequestDoesNotHave) {
  EXPECT_THAT(Build({Get("/v1/{nope}")}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("path variable nope has no field")));
  EXPECT_THAT(Build({Get("/v1/{sub.nope}")}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Build({Get("/v1/{id.x}")}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(RuleTest, RejectsRepeatedAndMessageVariables) {
  EXPECT_THAT(
      Build({Get("/v1/{tags}")}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("repeated")));
  EXPECT_THAT(
      Build({Get("/v1/{sub}")}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("message")));
}

TEST_F(RuleTest, RejectsMissingBodyAndResponseBodyFields) {
  google::api::HttpRule body = Get("/v1/x");
  body.set_body("nope");
  EXPECT_THAT(Build({body}), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("body 'nope'")));
  google::api::HttpRule nested_body = Get("/v1/x");
  nested_body.set_body("sub.name");
  EXPECT_THAT(Build({nested_body}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  google::api::HttpRule response = Get("/v1/x");
  response.set_response_body("nope");
  EXPECT_THAT(Build({response}), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("response_body 'nope'")));
  google::api::HttpRule fine = Get("/v1/x");
  fine.set_body("sub");
  fine.set_response_body("tags");
  EXPECT_THAT(Build({fine}), IsOk());
}

TEST_F(RuleTest, RejectsARuleWithoutAPatternOrKind) {
  EXPECT_THAT(Build({google::api::HttpRule()}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  google::api::HttpRule custom;
  custom.mutable_custom()->set_path("/v1/x");
  EXPECT_THAT(Build({custom}), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(RuleTest, RejectsNestedAdditionalBindings) {
  google::api::HttpRule rule = Get("/v1/a");
  *rule.add_additional_bindings() = Get("/v1/b");
  *rule.mutable_additional_bindings(0)->add_additional_bindings() =
      Get("/v1/c");
  EXPECT_THAT(Build({rule}), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(RuleTest, TwoBindingsOfOneMethodAndShapeAlreadyExist) {
  EXPECT_THAT(Build({Get("/v1/{id}"), Get("/v1/{n}")}),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("rt.S.M0 and rt.S.M1")));
  google::api::HttpRule rule = Get("/v1/x");
  *rule.add_additional_bindings() = Get("/v1/x");
  EXPECT_THAT(Build({rule}), StatusIs(absl::StatusCode::kAlreadyExists));
  // Another method, or another verb, is another binding.
  google::api::HttpRule post;
  post.set_post("/v1/{id}");
  EXPECT_THAT(Build({Get("/v1/{id}"), post, Get("/v1/{id}:x")}), IsOk());
}

}  // namespace
}  // namespace nbo::gateway
