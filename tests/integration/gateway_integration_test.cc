// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The real nbo-gateway in front of the real nbo-server (and nbo-trainer),
// all child processes on loopback: every annotated route is called over
// HTTP and its JSON compared with the direct gRPC answer to the same
// request; then the HTTP edges (errors, limits, streams, tokens,
// deadlines, a missing upstream, two replicas, HTTPS).

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "lib/auth/token_file.h"
#include "lib/common/file_util.h"
#include "lib/data/bank_datagen.h"
#include "lib/gateway/http_status.h"
#include "lib/gateway/route_table.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "lib/testing/test_pki.h"
#include "nbo/v1/ingest_service.grpc.pb.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "nbo/v1/trainer_service.grpc.pb.h"
#include "services/common/client_channel.h"
#include "services/common/http_client.h"
#include "tests/integration/server_process.h"
#include "tests/integration/test_model.h"

namespace nbo::integration {
namespace {

using ::nbo::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

using ::nbo::services::HttpAnswer;
using ::nbo::services::HttpCallOptions;

// One HTTP request to 127.0.0.1:port.
absl::StatusOr<HttpAnswer> CallPort(int port, const std::string& method,
                                    const std::string& target,
                                    const HttpCallOptions& options = {}) {
  HttpCallOptions with_timeout = options;
  with_timeout.timeout = absl::Seconds(30);
  return ::nbo::services::HttpCall(absl::StrCat("127.0.0.1:", port), method,
                                   target, with_timeout);
}

constexpr char kToken[] = "gateway-test-admin-token";
// A token of role read only, for the 403 path.
constexpr char kReaderToken[] = "gateway-test-reader-token";

const google::protobuf::DescriptorPool* Pool() {
  return google::protobuf::DescriptorPool::generated_pool();
}

std::unique_ptr<google::protobuf::Message> NewMessage(
    const google::protobuf::Descriptor* type) {
  return std::unique_ptr<google::protobuf::Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(type)
          ->New());
}

// Clears every field named in `names`, at any depth.
void ClearFieldsNamed(const std::set<std::string>& names,
                      google::protobuf::Message* message) {
  const google::protobuf::Reflection* reflection = message->GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (names.count(field->name()) > 0) {
      reflection->ClearField(message, field);
    } else if (field->cpp_type() ==
               google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
          ClearFieldsNamed(
              names, reflection->MutableRepeatedMessage(message, field, i));
        }
      } else {
        ClearFieldsNamed(names, reflection->MutableMessage(message, field));
      }
    }
  }
}

// A direct gRPC answer: status and serialized response.
struct Direct {
  grpc::Status status;
  std::string response;
};

// Calls unary `method` with the request written as JSON, through
// GenericStub, with the admin token.
Direct CallDirect(grpc::Channel* channel,
                  const google::protobuf::MethodDescriptor* method,
                  const std::string& request_json) {
  std::unique_ptr<google::protobuf::Message> request =
      NewMessage(method->input_type());
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(request_json, request.get())
          .ok())
      << request_json;
  grpc::GenericStub stub(channel->shared_from_this());
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  grpc::Slice slice(request->SerializeAsString());
  grpc::ByteBuffer request_bytes(&slice, 1);
  grpc::ByteBuffer response_bytes;
  Direct direct;
  absl::Notification done;
  stub.UnaryCall(
      &context,
      absl::StrCat("/", method->service()->full_name(), "/", method->name()),
      grpc::StubOptions(), &request_bytes, &response_bytes,
      [&](grpc::Status status) {
        direct.status = status;
        done.Notify();
      });
  done.WaitForNotification();
  std::vector<grpc::Slice> slices;
  if (direct.status.ok() && response_bytes.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices) {
      direct.response.append(reinterpret_cast<const char*>(s.begin()),
                             s.size());
    }
  }
  return direct;
}

// The "result" objects of an NDJSON body, and its "error" line if any.
struct Ndjson {
  std::vector<std::string> results;
  std::string error;
};

Ndjson SplitNdjson(const std::string& body) {
  Ndjson out;
  for (absl::string_view line : absl::StrSplit(body, '\n', absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&line, "{\"result\":") &&
        absl::ConsumeSuffix(&line, "}")) {
      out.results.emplace_back(line);
    } else {
      out.error = std::string(line);
    }
  }
  return out;
}

// Expects the HTTP answer and the direct one to say the same thing: the
// same error (canonical HTTP code, same message) or equal messages once
// `volatile_fields` are cleared.
void ExpectSameAnswer(const HttpAnswer& http, const Direct& direct,
                      const google::protobuf::Descriptor* type,
                      const std::set<std::string>& volatile_fields,
                      const std::string& what) {
  SCOPED_TRACE(what);
  if (!direct.status.ok()) {
    EXPECT_EQ(http.status, gateway::HttpStatusFor(static_cast<absl::StatusCode>(
                               direct.status.error_code())))
        << http.body;
    EXPECT_EQ(http.body, gateway::ErrorJson(static_cast<absl::StatusCode>(
                                                direct.status.error_code()),
                                            direct.status.error_message()));
    return;
  }
  ASSERT_EQ(http.status, 200) << http.body;
  EXPECT_THAT(http.Header("content-type"), StartsWith("application/json"));
  std::unique_ptr<google::protobuf::Message> from_http = NewMessage(type);
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(http.body, from_http.get())
          .ok())
      << http.body;
  std::unique_ptr<google::protobuf::Message> from_grpc = NewMessage(type);
  ASSERT_TRUE(from_grpc->ParseFromString(direct.response));
  ClearFieldsNamed(volatile_fields, from_http.get());
  ClearFieldsNamed(volatile_fields, from_grpc.get());
  std::string diff;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differencer.Compare(*from_grpc, *from_http)) << diff;
}

// A channel to `server` that sends the admin token on every call.
absl::StatusOr<std::shared_ptr<grpc::Channel>> AdminChannel(
    const ServerProcess& server) {
  services::ClientOptions options;
  options.target = server.grpc_target();
  options.bearer_token = kToken;
  return services::MakeChannel(options);
}

// The descriptors of every routed service, linked in by naming one message
// of each proto file.
std::vector<std::string> RoutedServices() {
  for (const google::protobuf::Descriptor* d :
       {nbo::v1::RecommendRequest::descriptor(),
        nbo::v1::ListModelsRequest::descriptor(),
        nbo::v1::UpsertCustomersRequest::descriptor(),
        nbo::v1::StartTrainingRequest::descriptor()}) {
    EXPECT_NE(d, nullptr);
  }
  return {"nbo.v1.NBOService", "nbo.v1.ModelService", "nbo.v1.IngestService",
          "nbo.v1.TrainerService"};
}

class GatewayTest : public ::testing::Test {
 protected:
  // nbo-server with a published model and a token file (kToken with every
  // role, kReaderToken with read), and the gateway in front of it (and of
  // `trainer` if given, which takes kToken as its admin token).
  void StartAll(bool with_trainer) {
    ASSERT_THAT(
        common::WriteFileAtomically(
            dir_.Sub("tokens"),
            auth::TokenFileLine("everything", "read,act,ingest,customer,admin",
                                kToken) +
                auth::TokenFileLine("reader", "read", kReaderToken)),
        IsOk());
    ASSERT_OK_AND_ASSIGN(
        server_, ServerProcess::Start(
                     dir_.Sub("server"),
                     {absl::StrCat("--tokens_file=", dir_.Sub("tokens"))}));
    ASSERT_OK_AND_ASSIGN(admin_, AdminChannel(*server_));
    models_ = nbo::v1::ModelService::NewStub(admin_);
    nbo_ = nbo::v1::NBOService::NewStub(admin_);
    ASSERT_THAT(Publish(*models_, SyntheticModel({}).Messages()), IsOk());
    std::vector<std::string> flags = {
        absl::StrCat("--upstream=dns:///127.0.0.1:", server_->grpc_port())};
    if (with_trainer) {
      ServerProcess::Options trainer;
      trainer.binary = NBO_TRAINER_PATH;
      trainer.command = {"serve"};
      trainer.metrics = false;
      trainer.data_dir = dir_.Sub("trainer");
      trainer.extra_flags = {absl::StrCat("--admin_token=", kToken)};
      ASSERT_OK_AND_ASSIGN(trainer_, ServerProcess::Start(trainer));
      flags.push_back(
          absl::StrCat("--trainer_upstream=127.0.0.1:", trainer_->grpc_port()));
    }
    ASSERT_NO_FATAL_FAILURE(StartGateway(flags));
  }

  void StartGateway(std::vector<std::string> flags) {
    ServerProcess::Options options;
    options.http = true;
    options.data_dir = dir_.Sub(absl::StrCat("gateway", ++gateways_));
    options.extra_flags = std::move(flags);
    ASSERT_OK_AND_ASSIGN(gateway_, ServerProcess::Start(options));
  }

  absl::StatusOr<HttpAnswer> Http(const std::string& method,
                                  const std::string& target,
                                  const std::string& body = "",
                                  bool admin = true) {
    HttpCallOptions options;
    options.body = body;
    if (admin) {
      options.headers.emplace_back("Authorization",
                                   absl::StrCat("Bearer ", kToken));
    }
    return CallPort(gateway_->http_port(), method, target, options);
  }

  nbo::testing::TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ServerProcess> trainer_;
  std::unique_ptr<ServerProcess> gateway_;
  std::shared_ptr<grpc::Channel> admin_;  // to the server, with the token
  std::unique_ptr<nbo::v1::ModelService::Stub> models_;
  std::unique_ptr<nbo::v1::NBOService::Stub> nbo_;
  int gateways_ = 0;
};

// One route of the walk: the HTTP request, the same request as JSON for
// the direct call (empty: compare only the HTTP code to `expect_status`),
// and the fields that differ between two calls.
struct RouteCase {
  RouteCase(std::string route, std::string method, std::string target,
            std::string body, std::string direct_json,
            std::set<std::string> volatile_fields = {})
      : route(std::move(route)),
        method(std::move(method)),
        target(std::move(target)),
        body(std::move(body)),
        direct_json(std::move(direct_json)),
        volatile_fields(std::move(volatile_fields)) {}

  std::string route;  // "GET /v1/models/{model_name}"
  std::string method;
  std::string target;
  std::string body;
  std::string direct_json;
  std::set<std::string> volatile_fields;
  int expect_status = 200;
};

TEST_F(GatewayTest, EveryAnnotatedRouteAnswersAsTheDirectCallDoes) {
  ASSERT_NO_FATAL_FAILURE(StartAll(/*with_trainer=*/true));
  data::BankDataGenerator::Options bank;
  bank.customers = 300;
  bank.seed = 3;
  ASSERT_OK_AND_ASSIGN(auto generator, data::BankDataGenerator::Create(bank));
  ASSERT_THAT(data::WriteBankData(*generator, dir_.Sub("bank"), nullptr),
              IsOk());
  ASSERT_OK_AND_ASSIGN(auto models, ListModels(*models_));
  ASSERT_EQ(models.models_size(), 1);
  const std::string m = models.models(0).model_name();
  // Versions 2 and 3 exist to be deleted, one per side; 4 is a split arm.
  for (int64_t v : {2, 3, 4}) {
    SyntheticModel::Options options;
    options.version = v;
    ASSERT_THAT(Publish(*models_, SyntheticModel(options).Messages()), IsOk());
  }
  // Two decisions to answer, one per side.
  ASSERT_OK_AND_ASSIGN(auto d1, Recommend(*nbo_, "C0000005"));
  ASSERT_OK_AND_ASSIGN(auto d2, Recommend(*nbo_, "C0000006"));
  ASSERT_GT(d1.offers_size(), 0);
  ASSERT_GT(d2.offers_size(), 0);
  const auto feedback = [](const nbo::v1::RecommendResponse& d) {
    return absl::StrCat("{\"decisionId\":\"", d.decision_id(),
                        "\",\"customerId\":\"", d.customer_id(),
                        "\",\"productId\":\"", d.offers(0).product_id(),
                        "\",\"outcome\":\"FEEDBACK_OUTCOME_ACCEPTED\"}");
  };
  const std::string txn_time = absl::FormatTime(
      absl::RFC3339_sec, absl::Now() - absl::Hours(1), absl::UTCTimeZone());
  const auto txn = [&](const std::string& id) {
    return absl::StrCat(
        "{\"transactions\":[{\"customerId\":\"C0000007\",\"productId\":\"P02\","
        "\"event\":\"TRANSACTION_EVENT_VIEW\",\"transactionId\":\"",
        id, "\",\"timestamp\":\"", txn_time, "\"}]}");
  };
  const auto profile = [](const std::string& id) {
    return absl::StrCat(
        "{\"customers\":[{\"customerId\":\"", id,
        "\",\"age\":41,\"income\":52000,\"segment\":\"mass\"}]}");
  };
  const std::string training =
      absl::StrCat("{\"spec\":{\"dataDir\":\"", dir_.Sub("bank"),
                   "\",\"factors\":4,\"iterations\":2,\"cgSteps\":3,"
                   "\"regularization\":10,\"alpha\":1,\"threads\":1,\"seed\":1,"
                   "\"k\":3,\"force\":true}}");

  const std::string mp = absl::StrCat("/v1/models/", m);
  std::vector<RouteCase> cases = {
      {"POST /v1/recommend",
       "POST",
       "/v1/recommend",
       "{\"customerId\":\"C0000001\",\"explain\":true}",
       "{\"customerId\":\"C0000001\",\"explain\":true}",
       {"decision_id", "timestamp"}},
      {"GET /v1/customers/{customer_id}/offers",
       "GET",
       "/v1/customers/C0000002/offers?numOffers=2&exclude_products=P01",
       "",
       "{\"customerId\":\"C0000002\",\"numOffers\":2,"
       "\"excludeProducts\":[\"P01\"]}",
       {"decision_id", "timestamp"}},
      {"POST /v1/feedback",
       "POST",
       "/v1/feedback",
       feedback(d1),
       feedback(d2),
       {"decision_id", "customer_id", "product_id", "timestamp",
        "feedback_id"}},
      {"GET /v1/products/{product_id}/similar", "GET",
       "/v1/products/P03/similar?k=3", "", "{\"productId\":\"P03\",\"k\":3}"},
      {"GET /v1/customers/{customer_id}", "GET", "/v1/customers/C0000001", "",
       "{\"customerId\":\"C0000001\"}"},
      {"GET /v1/customers", "GET", "/v1/customers?idPrefix=C&pageSize=2", "",
       "{\"idPrefix\":\"C\",\"pageSize\":2}"},
      {"GET /v1/models", "GET", "/v1/models", "", "{}"},
      {"GET /v1/models/{model_name}", "GET", mp, "",
       absl::StrCat("{\"modelName\":\"", m, "\"}")},
      {"POST /v1/models/{model_name}/labels/{label}", "POST",
       absl::StrCat(mp, "/labels/stable"), "{\"version\":\"1\"}",
       absl::StrCat("{\"modelName\":\"", m,
                    "\",\"label\":\"stable\",\"version\":\"1\"}")},
      {"POST /v1/models/{model_name}/traffic_split", "POST",
       absl::StrCat(mp, "/traffic_split"),
       "{\"arms\":[{\"version\":\"1\",\"weight\":9},{\"version\":\"4\","
       "\"weight\":1}],\"salt\":\"s\"}",
       absl::StrCat("{\"modelName\":\"", m,
                    "\",\"arms\":[{\"version\":\"1\",\"weight\":9},"
                    "{\"version\":\"4\",\"weight\":1}],\"salt\":\"s\"}")},
      {"GET /v1/models/{model_name}/catalog", "GET",
       absl::StrCat(mp, "/catalog"), "",
       absl::StrCat("{\"modelName\":\"", m, "\"}")},
      {"PUT /v1/models/{model_name}/levers", "PUT", absl::StrCat(mp, "/levers"),
       "{\"levers\":{\"P01\":1.5}}",
       absl::StrCat("{\"modelName\":\"", m, "\",\"levers\":{\"P01\":1.5}}")},
      {"GET /v1/models/{model_name}/experiment_stats", "GET",
       absl::StrCat(mp, "/experiment_stats?confidence=0.9"), "",
       absl::StrCat("{\"modelName\":\"", m, "\",\"confidence\":0.9}")},
      {"DELETE /v1/models/{model_name}/versions/{version}", "DELETE",
       absl::StrCat(mp, "/versions/3"), "",
       absl::StrCat("{\"modelName\":\"", m, "\",\"version\":\"2\"}")},
      {"POST /v1/customers:upsert", "POST", "/v1/customers:upsert",
       profile("X0000001"), profile("X0000002")},
      {"POST /v1/transactions", "POST", "/v1/transactions", txn("gw-1"),
       txn("direct-1")},
      {"GET /v1/training_jobs", "GET", "/v1/training_jobs", "", "{}"},
      {"POST /v1/training_jobs", "POST", "/v1/training_jobs", training, ""},
  };
  // UpdateCatalog: the current catalog sent back (a new revision).
  {
    ASSERT_OK_AND_ASSIGN(HttpAnswer catalog,
                         Http("GET", absl::StrCat(mp, "/catalog")));
    ASSERT_EQ(catalog.status, 200) << catalog.body;
    nbo::v1::GetCatalogResponse current;
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(catalog.body, &current)
            .ok());
    nbo::v1::UpdateCatalogRequest update;
    *update.mutable_catalog() = current.catalog();
    std::string body;
    ASSERT_TRUE(
        google::protobuf::util::MessageToJsonString(update, &body).ok());
    cases.push_back({"PUT /v1/models/{model_name}/catalog", "PUT",
                     absl::StrCat(mp, "/catalog"), body, ""});
  }

  // The gateway's own table, built the same way; matches point into it.
  ASSERT_OK_AND_ASSIGN(auto table,
                       gateway::RouteTable::Create(Pool(), RoutedServices()));
  std::set<std::string> covered;
  for (const RouteCase& c : cases) {
    covered.insert(c.route);
    ASSERT_OK_AND_ASSIGN(HttpAnswer http, Http(c.method, c.target, c.body));
    const gateway::RouteMatch match = table->Find(
        c.method,
        std::string(absl::string_view(c.target).substr(0, c.target.find('?'))));
    ASSERT_NE(match.route, nullptr) << c.route;
    EXPECT_EQ(
        absl::StrCat(match.route->http_method, " ", match.route->path_template),
        c.route);
    if (c.direct_json.empty()) {
      EXPECT_EQ(http.status, c.expect_status) << c.route << ": " << http.body;
      continue;
    }
    const Direct direct = CallDirect(
        match.route->grpc_path.find("TrainerService") != std::string::npos
            ? trainer_->channel().get()
            : server_->channel().get(),
        match.route->method, c.direct_json);
    ExpectSameAnswer(http, direct, match.route->method->output_type(),
                     c.volatile_fields, c.route);
  }

  // The training job both sides look at; wait until it is over.
  ASSERT_OK_AND_ASSIGN(HttpAnswer jobs, Http("GET", "/v1/training_jobs"));
  nbo::v1::ListJobsResponse listed;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(jobs.body, &listed).ok());
  ASSERT_EQ(listed.jobs_size(), 1) << jobs.body;
  const std::string job = listed.jobs(0).job_id();
  const std::string job_json = absl::StrCat("{\"jobId\":\"", job, "\"}");
  {
    // WatchJob streams until the job ends: NDJSON, one line per event.
    ASSERT_OK_AND_ASSIGN(
        HttpAnswer watched,
        Http("GET", absl::StrCat("/v1/training_jobs/", job, ":watch")));
    covered.insert("GET /v1/training_jobs/{job_id}:watch");
    ASSERT_EQ(watched.status, 200) << watched.body;
    EXPECT_EQ(watched.Header("content-type"), "application/x-ndjson");
    const Ndjson lines = SplitNdjson(watched.body);
    EXPECT_EQ(lines.error, "");
    auto stub = nbo::v1::TrainerService::NewStub(trainer_->channel());
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
    nbo::v1::WatchJobRequest request;
    request.set_job_id(job);
    auto reader = stub->WatchJob(&context, request);
    std::vector<std::string> direct;
    nbo::v1::WatchJobResponse event;
    while (reader->Read(&event)) {
      std::string json;
      ASSERT_TRUE(
          google::protobuf::util::MessageToJsonString(event, &json).ok());
      direct.push_back(json);
    }
    ASSERT_TRUE(reader->Finish().ok());
    EXPECT_EQ(lines.results.size(), direct.size()) << watched.body;
  }
  for (const auto& [route, target, method] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"GET /v1/training_jobs/{job_id}",
            absl::StrCat("/v1/training_jobs/", job), "GET"},
           {"POST /v1/training_jobs/{job_id}:cancel",
            absl::StrCat("/v1/training_jobs/", job, ":cancel"), "POST"}}) {
    covered.insert(route);
    ASSERT_OK_AND_ASSIGN(HttpAnswer http,
                         Http(method, target, method == "POST" ? "{}" : ""));
    const gateway::RouteMatch match = table->Find(method, target);
    ASSERT_NE(match.route, nullptr) << route;
    const Direct direct =
        CallDirect(trainer_->channel().get(), match.route->method, job_json);
    ExpectSameAnswer(http, direct, match.route->method->output_type(), {},
                     route);
  }
  {
    // BatchRecommend: NDJSON, one line per customer.
    covered.insert("POST /v1/recommend:batch");
    ASSERT_OK_AND_ASSIGN(
        HttpAnswer batch,
        Http("POST", "/v1/recommend:batch",
             "{\"customerIds\":[\"C0000001\",\"C0000002\",\"C0000003\"]}"));
    ASSERT_EQ(batch.status, 200) << batch.body;
    const Ndjson lines = SplitNdjson(batch.body);
    EXPECT_EQ(lines.error, "");
    ASSERT_EQ(lines.results.size(), 3u) << batch.body;
    nbo::v1::BatchRecommendResponse first;
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(lines.results[0], &first)
            .ok());
    EXPECT_EQ(first.recommendation().customer_id(), "C0000001");
  }

  // Every route of the table was called.
  for (const gateway::Route& route : table->routes()) {
    EXPECT_TRUE(covered.count(
        absl::StrCat(route.http_method, " ", route.path_template)))
        << "route not walked: " << route.http_method << " "
        << route.path_template;
  }
}

// The "message" of a JSON error body.
std::string ErrorMessage(const HttpAnswer& result) {
  google::protobuf::Struct body;
  if (!google::protobuf::util::JsonStringToMessage(result.body, &body).ok()) {
    return "<not JSON: " + result.body + ">";
  }
  return body.fields().at("message").string_value();
}

TEST_F(GatewayTest, ClientMistakesAreJsonErrorsWithCanonicalCodes) {
  ASSERT_NO_FATAL_FAILURE(StartAll(/*with_trainer=*/false));
  struct Case {
    std::string method, target, body, content_type;
    int status;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"GET", "/v1/nothing", "", "", 404, "no route"},
      {"POST", "/v1/recommend", "{\"customerId\":", "", 400, "JSON"},
      {"POST", "/v1/recommend", "{\"customerId\":\"C1\",\"bogus\":1}", "", 400,
       "bogus"},
      {"POST", "/v1/recommend", "{\"customerId\":7}", "", 400, "customer"},
      {"POST", "/v1/recommend", "{\"numOffers\":99999999999}", "", 400, "num"},
      {"POST", "/v1/recommend", "{\"customerId\":\"\xff\xfe\"}", "", 400, ""},
      {"GET", "/v1/customers/C0000001/offers?bogus=1", "", "", 400, "bogus"},
      {"GET", "/v1/customers/C0000001/offers?numOffers=1&numOffers=2", "", "",
       400, "num"},
      {"GET", "/v1/customers/C0000001/offers", "{}", "", 400, "body"},
      {"POST", "/v1/recommend", "customer=C1", "text/plain", 415, "json"},
      {"GET", "/v1/customers/NOBODY", "", "", 404, "no data"},
  };
  for (const Case& c : cases) {
    HttpCallOptions options;
    options.body = c.body;
    options.headers.emplace_back("Authorization",
                                 absl::StrCat("Bearer ", kToken));
    if (!c.content_type.empty()) {
      options.headers.emplace_back("Content-Type", c.content_type);
    }
    ASSERT_OK_AND_ASSIGN(HttpAnswer r, CallPort(gateway_->http_port(), c.method,
                                                c.target, options));
    EXPECT_EQ(r.status, c.status)
        << c.method << " " << c.target << " " << c.body << ": " << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/json") << c.target;
    EXPECT_THAT(absl::AsciiStrToLower(ErrorMessage(r)),
                HasSubstr(absl::AsciiStrToLower(c.message_part)))
        << c.target;
  }
  // The wrong method is 405 and says which are allowed.
  ASSERT_OK_AND_ASSIGN(HttpAnswer wrong, Http("DELETE", "/v1/recommend"));
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.Header("allow"), "POST");
  // Still alive and answering after all of that.
  ASSERT_OK_AND_ASSIGN(HttpAnswer fine, Http("GET", "/v1/models"));
  EXPECT_EQ(fine.status, 200);
}

TEST_F(GatewayTest, SizeLimitsHoldAtTheBoundAndRejectOnePast) {
  ASSERT_NO_FATAL_FAILURE(StartAll(/*with_trainer=*/false));
  ASSERT_NO_FATAL_FAILURE(
      StartGateway({absl::StrCat("--upstream=127.0.0.1:", server_->grpc_port()),
                    "--max_body_bytes=1024", "--max_url_bytes=300",
                    "--max_header_bytes=2048"}));
  // Body: exactly 1024 bytes passes the limit (and is then parsed), 1025 is
  // 413.
  const std::string prefix = "{\"customerId\":\"C0000001\",\"channel\":\"";
  const std::string at_bound =
      prefix + std::string(1024 - prefix.size() - 2, 'a') + "\"}";
  ASSERT_EQ(at_bound.size(), 1024u);
  ASSERT_OK_AND_ASSIGN(HttpAnswer ok_body,
                       Http("POST", "/v1/recommend", at_bound));
  EXPECT_NE(ok_body.status, 413) << ok_body.body;
  ASSERT_OK_AND_ASSIGN(
      HttpAnswer big_body,
      Http("POST", "/v1/recommend", prefix + std::string(1024, 'a') + "\"}"));
  EXPECT_EQ(big_body.status, 413);
  // URL: 300 bytes pass, 301 is 414.
  const std::string path = "/v1/customers/";
  ASSERT_OK_AND_ASSIGN(HttpAnswer ok_url,
                       Http("GET", path + std::string(300 - path.size(), 'C')));
  EXPECT_NE(ok_url.status, 414);
  ASSERT_OK_AND_ASSIGN(HttpAnswer long_url,
                       Http("GET", path + std::string(301 - path.size(), 'C')));
  EXPECT_EQ(long_url.status, 414);
  // Header fields: 431 past 2 KiB.
  HttpCallOptions big_header;
  big_header.headers.emplace_back("X-Big", std::string(4096, 'h'));
  ASSERT_OK_AND_ASSIGN(
      HttpAnswer too_big,
      CallPort(gateway_->http_port(), "GET", "/v1/models", big_header));
  EXPECT_EQ(too_big.status, 431);
  EXPECT_EQ(too_big.Header("content-type"), "application/json");
}

TEST_F(GatewayTest, TokensPassThroughAndMapTo401And403) {
  ASSERT_NO_FATAL_FAILURE(StartAll(/*with_trainer=*/false));
  ASSERT_OK_AND_ASSIGN(auto models, ListModels(*models_));
  const std::string levers =
      absl::StrCat("/v1/models/", models.models(0).model_name(), "/levers");
  const std::string body = "{\"levers\":{\"P01\":2}}";
  ASSERT_OK_AND_ASSIGN(HttpAnswer without,
                       Http("PUT", levers, body, /*admin=*/false));
  EXPECT_EQ(without.status, 401) << without.body;
  EXPECT_EQ(without.Header("www-authenticate"), "Bearer realm=\"nbo\"");
  EXPECT_THAT(ErrorMessage(without), HasSubstr("authorization: Bearer"));

  HttpCallOptions wrong;
  wrong.body = body;
  wrong.headers.emplace_back("Authorization", "Bearer not-a-token");
  ASSERT_OK_AND_ASSIGN(HttpAnswer invalid,
                       CallPort(gateway_->http_port(), "PUT", levers, wrong));
  EXPECT_EQ(invalid.status, 401) << invalid.body;
  EXPECT_THAT(invalid.body, Not(HasSubstr("not-a-token")));

  HttpCallOptions reader;
  reader.body = body;
  reader.headers.emplace_back("Authorization",
                              absl::StrCat("Bearer ", kReaderToken));
  ASSERT_OK_AND_ASSIGN(HttpAnswer denied,
                       CallPort(gateway_->http_port(), "PUT", levers, reader));
  EXPECT_EQ(denied.status, 403) << denied.body;
  EXPECT_EQ(denied.Header("www-authenticate"), "");
  EXPECT_THAT(ErrorMessage(denied), HasSubstr("role 'admin'"));
  EXPECT_THAT(denied.body, Not(HasSubstr(kReaderToken)));
  // The reader reads offers, not a customer's personal data.
  reader.body.clear();
  ASSERT_OK_AND_ASSIGN(HttpAnswer offers,
                       CallPort(gateway_->http_port(), "GET",
                                "/v1/customers/C0000001/offers", reader));
  EXPECT_EQ(offers.status, 200) << offers.body;
  ASSERT_OK_AND_ASSIGN(
      HttpAnswer profile,
      CallPort(gateway_->http_port(), "GET", "/v1/customers/C0000001", reader));
  EXPECT_EQ(profile.status, 403) << profile.body;
  EXPECT_THAT(ErrorMessage(profile), HasSubstr("role 'customer'"));
  // The demo's endpoint too.
  ASSERT_OK_AND_ASSIGN(
      HttpAnswer legacy,
      Http("GET", "/api/recommend?user_id=C0000001", "", /*admin=*/false));
  EXPECT_EQ(legacy.status, 401) << legacy.body;

  ASSERT_OK_AND_ASSIGN(HttpAnswer with, Http("PUT", levers, body));
  EXPECT_EQ(with.status, 200) << with.body;
}

TEST_F(GatewayTest, RequestIdIsForwardedOrMadeAndEchoed) {
  ASSERT_NO_FATAL_FAILURE(StartAll(/*with_trainer=*/false));
  HttpCallOptions options;
  options.headers.emplace_back("X-Request-Id", "trace-42");
  ASSERT_OK_AND_ASSIGN(HttpAnswer given, CallPort(gateway_->http_port(), "GET",
                                                  "/v1/models", options));
  EXPECT_EQ(given.Header("x-request-id"), "trace-42");
  ASSERT_OK_AND_ASSIGN(HttpAnswer made, Http("GET", "/v1/models"));
  EXPECT_THAT(made.Header("x-request-id"),
              ::testing::MatchesRegex("[0-9a-f]{32}"));
  EXPECT_EQ(made.Header("cache-control"), "no-store");
}

TEST_F(GatewayTest, ExpiredDeadlineIs504) {
  ASSERT_NO_FATAL_FAILURE(StartAll(/*with_trainer=*/false));
  HttpCallOptions options;
  options.headers.emplace_back("Grpc-Timeout", "1n");
  ASSERT_OK_AND_ASSIGN(HttpAnswer r,
                       CallPort(gateway_->http_port(), "GET",
                                "/v1/customers/C0000001/offers", options));
  EXPECT_EQ(r.status, 504) << r.body;
  options.headers.clear();
  options.headers.emplace_back("Grpc-Timeout", "soon");
  ASSERT_OK_AND_ASSIGN(HttpAnswer bad,
                       CallPort(gateway_->http_port(), "GET",
                                "/v1/customers/C0000001/offers", options));
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(ErrorMessage(bad), HasSubstr("Grpc-Timeout"));
}

TEST_F(GatewayTest, UpstreamDownIs503AndNotReady) {
  ASSERT_NO_FATAL_FAILURE(StartAll(/*with_trainer=*/false));
  const int port = server_->grpc_port();
  ASSERT_OK_AND_ASSIGN(HttpAnswer ready, Http("GET", "/readyz"));
  EXPECT_EQ(ready.status, 200);
  ASSERT_THAT(server_->Kill9(), IsOk());
  ASSERT_OK_AND_ASSIGN(HttpAnswer down, Http("GET", "/v1/models"));
  EXPECT_EQ(down.status, 503) << down.body;
  ASSERT_OK_AND_ASSIGN(HttpAnswer not_ready, Http("GET", "/readyz"));
  EXPECT_EQ(not_ready.status, 503);
  ASSERT_OK_AND_ASSIGN(HttpAnswer alive, Http("GET", "/healthz"));
  EXPECT_EQ(alive.status, 200);
  // TrainerService without --trainer_upstream: 503 saying how to set it.
  ASSERT_OK_AND_ASSIGN(HttpAnswer no_trainer, Http("GET", "/v1/training_jobs"));
  EXPECT_EQ(no_trainer.status, 503);
  EXPECT_THAT(ErrorMessage(no_trainer), HasSubstr("--trainer_upstream"));
  (void)port;
}

TEST_F(GatewayTest, TwoReplicasBothReceiveTraffic) {
  ASSERT_NO_FATAL_FAILURE(StartAll(/*with_trainer=*/false));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ServerProcess> second,
      ServerProcess::Start(dir_.Sub("server2"),
                           {absl::StrCat("--admin_token=", kToken)}));
  ASSERT_OK_AND_ASSIGN(auto second_admin, AdminChannel(*second));
  auto second_models = nbo::v1::ModelService::NewStub(second_admin);
  ASSERT_THAT(Publish(*second_models, SyntheticModel({}).Messages()), IsOk());
  ASSERT_NO_FATAL_FAILURE(StartGateway(
      {absl::StrCat("--upstream=ipv4:127.0.0.1:", server_->grpc_port(),
                    ",127.0.0.1:", second->grpc_port())}));
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK_AND_ASSIGN(HttpAnswer r,
                         Http("GET", "/v1/customers/C0000001/offers"));
    ASSERT_EQ(r.status, 200) << r.body;
  }
  for (ServerProcess* s : {server_.get(), second.get()}) {
    ASSERT_OK_AND_ASSIGN(std::string metrics, s->FetchMetrics());
    ASSERT_OK_AND_ASSIGN(
        double served, MetricValue(metrics, "nbo_grpc_requests_total",
                                   {{"method", "Recommend"}, {"code", "OK"}}));
    EXPECT_GE(served, 3) << "a replica got too little of 20 requests";
  }
}

TEST_F(GatewayTest, StreamThatFailsMidwayEndsWithAnErrorLine) {
  ASSERT_NO_FATAL_FAILURE(StartAll(/*with_trainer=*/true));
  data::BankDataGenerator::Options bank;
  bank.customers = 2000;
  bank.seed = 5;
  ASSERT_OK_AND_ASSIGN(auto generator, data::BankDataGenerator::Create(bank));
  ASSERT_THAT(data::WriteBankData(*generator, dir_.Sub("bank"), nullptr),
              IsOk());
  // A job long enough to outlive the watch's deadline.
  ASSERT_OK_AND_ASSIGN(
      HttpAnswer started,
      Http("POST", "/v1/training_jobs",
           absl::StrCat("{\"spec\":{\"dataDir\":\"", dir_.Sub("bank"),
                        "\",\"factors\":128,\"iterations\":1000,\"cgSteps\":3,"
                        "\"regularization\":10,\"alpha\":1,"
                        "\"threads\":1,\"k\":3,\"force\":true}}")));
  ASSERT_EQ(started.status, 200) << started.body;
  nbo::v1::StartTrainingResponse job;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(started.body, &job).ok());
  HttpCallOptions options;
  options.headers.emplace_back("Authorization",
                               absl::StrCat("Bearer ", kToken));
  options.headers.emplace_back("Grpc-Timeout", "1500m");
  // While the watch holds the gateway's only upstream slot
  // (--max_inflight=1), other API calls are 503; the gateway's own
  // endpoints still answer.
  ASSERT_NO_FATAL_FAILURE(StartGateway(
      {absl::StrCat("--upstream=127.0.0.1:", server_->grpc_port()),
       absl::StrCat("--trainer_upstream=127.0.0.1:", trainer_->grpc_port()),
       "--max_inflight=1"}));
  absl::StatusOr<HttpAnswer> watch_answer;
  std::atomic<bool> watch_over{false};
  std::thread watcher([&] {
    watch_answer = CallPort(
        gateway_->http_port(), "GET",
        absl::StrCat("/v1/training_jobs/", job.job().job_id(), ":watch"),
        options);
    watch_over = true;
  });
  // The watch is in progress once the gateway counts two requests in
  // flight: it and the scrape asking.
  bool watching = false;
  while (!watching && !watch_over) {
    ASSERT_OK_AND_ASSIGN(HttpAnswer scrape, Http("GET", "/metrics"));
    ASSERT_OK_AND_ASSIGN(
        double in_flight,
        MetricValue(scrape.body, "nbo_gateway_in_flight_requests"));
    watching = in_flight >= 2;
  }
  ASSERT_TRUE(watching) << "the watch ended before it was seen";
  ASSERT_OK_AND_ASSIGN(HttpAnswer refused, Http("GET", "/v1/models"));
  EXPECT_EQ(refused.status, 503);
  EXPECT_THAT(ErrorMessage(refused), HasSubstr("too many requests"));
  ASSERT_OK_AND_ASSIGN(HttpAnswer healthz, Http("GET", "/healthz"));
  EXPECT_EQ(healthz.status, 200);
  watcher.join();
  ASSERT_OK_AND_ASSIGN(HttpAnswer watched, watch_answer);
  EXPECT_EQ(watched.status, 200);
  const Ndjson lines = SplitNdjson(watched.body);
  EXPECT_GE(lines.results.size(), 1u) << watched.body;
  ASSERT_THAT(lines.error, StartsWith("{\"error\":{\"code\":4,"))
      << watched.body;
  ASSERT_OK_AND_ASSIGN(
      HttpAnswer cancelled,
      Http("POST",
           absl::StrCat("/v1/training_jobs/", job.job().job_id(), ":cancel"),
           "{}"));
  EXPECT_EQ(cancelled.status, 200) << cancelled.body;
}

TEST_F(GatewayTest, OldDemoEndpointAnswersInItsShape) {
  ASSERT_NO_FATAL_FAILURE(StartAll(/*with_trainer=*/false));
  for (const char* target :
       {"/api/recommend?user_id=C0000001", "/api/recommend?id=C0000001"}) {
    ASSERT_OK_AND_ASSIGN(HttpAnswer r, Http("GET", target));
    ASSERT_EQ(r.status, 200) << r.body;
    google::protobuf::Struct body;
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(r.body, &body).ok());
    const auto& f = body.fields();
    EXPECT_EQ(f.at("user_id").string_value(), "C0000001");
    EXPECT_FALSE(f.at("recommended_product").string_value().empty());
    const double confidence = f.at("confidence_score").number_value();
    EXPECT_GE(confidence, 0);
    EXPECT_LE(confidence, 1);
    EXPECT_FALSE(f.at("timestamp").string_value().empty());
    ASSERT_GT(f.at("recommendations").list_value().values_size(), 0);
    const auto& first =
        f.at("recommendations").list_value().values(0).struct_value().fields();
    EXPECT_EQ(first.at("product_id").string_value(),
              f.at("recommended_product").string_value());
    for (const char* key : {"name", "category", "prediction_score"}) {
      EXPECT_TRUE(first.contains(key)) << key;
    }
  }
  ASSERT_OK_AND_ASSIGN(HttpAnswer missing, Http("GET", "/api/recommend"));
  EXPECT_EQ(missing.status, 400);
  ASSERT_OK_AND_ASSIGN(HttpAnswer unknown,
                       Http("GET", "/api/recommend?user_id=NOBODY"));
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_EQ(unknown.Header("content-type"), "application/json");
}

TEST_F(GatewayTest, ServesOpenApiStaticPageAndStopsOnSigterm) {
  ASSERT_NO_FATAL_FAILURE(StartAll(/*with_trainer=*/false));
  ASSERT_OK_AND_ASSIGN(HttpAnswer openapi, Http("GET", "/openapi.json"));
  EXPECT_EQ(openapi.status, 200);
  EXPECT_THAT(openapi.body, HasSubstr("\"openapi\""));
  EXPECT_THAT(openapi.body, HasSubstr("/v1/customers/{customer_id}/offers"));
  // The protos' comments, from the embedded descriptor set.
  EXPECT_THAT(openapi.body, HasSubstr("Top-N offers for one customer."));
  ASSERT_OK_AND_ASSIGN(HttpAnswer page, Http("GET", "/"));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.Header("x-content-type-options"), "nosniff");
  EXPECT_THAT(page.Header("content-type"), StartsWith("text/html"));
  ASSERT_OK_AND_ASSIGN(HttpAnswer escape, Http("GET", "/../../etc/passwd"));
  EXPECT_EQ(escape.status, 404);
  ASSERT_OK_AND_ASSIGN(HttpAnswer metrics, Http("GET", "/metrics"));
  EXPECT_THAT(metrics.body, HasSubstr("nbo_gateway_requests_total"));
  EXPECT_THAT(metrics.body, Not(HasSubstr("C0000001")));
  ASSERT_THAT(gateway_->Terminate(), IsOk());
  ASSERT_OK_AND_ASSIGN(ExitStatus exit,
                       gateway_->WaitForExit(absl::Seconds(20)));
  EXPECT_TRUE(exit.ExitedWith(0)) << exit.ToString();
}

TEST_F(GatewayTest, CorsAllowlistAndStaticFilesWithEtags) {
  ASSERT_NO_FATAL_FAILURE(StartAll(/*with_trainer=*/false));
  std::filesystem::create_directories(dir_.Sub("site"));
  std::ofstream(dir_.Sub("site/index.html")) << "<html>rm desk</html>";
  ASSERT_NO_FATAL_FAILURE(
      StartGateway({absl::StrCat("--upstream=127.0.0.1:", server_->grpc_port()),
                    "--cors_origins=https://rm.bank.example",
                    absl::StrCat("--static_dir=", dir_.Sub("site"))}));
  // Preflight from the allowed origin; another origin gets no grant.
  HttpCallOptions preflight;
  preflight.headers = {{"Origin", "https://rm.bank.example"},
                       {"Access-Control-Request-Method", "POST"}};
  ASSERT_OK_AND_ASSIGN(
      HttpAnswer allowed,
      CallPort(gateway_->http_port(), "OPTIONS", "/v1/recommend", preflight));
  EXPECT_EQ(allowed.status, 204);
  EXPECT_EQ(allowed.Header("access-control-allow-origin"),
            "https://rm.bank.example");
  EXPECT_THAT(allowed.Header("access-control-allow-methods"),
              HasSubstr("POST"));
  preflight.headers[0].second = "https://evil.example";
  ASSERT_OK_AND_ASSIGN(
      HttpAnswer refused,
      CallPort(gateway_->http_port(), "OPTIONS", "/v1/recommend", preflight));
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.Header("access-control-allow-origin"), "");
  HttpCallOptions cross;
  cross.headers = {{"Origin", "https://rm.bank.example"}};
  ASSERT_OK_AND_ASSIGN(HttpAnswer models, CallPort(gateway_->http_port(), "GET",
                                                   "/v1/models", cross));
  EXPECT_EQ(models.Header("access-control-allow-origin"),
            "https://rm.bank.example");
  EXPECT_EQ(models.Header("vary"), "Origin");
  // The dashboard's files, then a revalidation.
  ASSERT_OK_AND_ASSIGN(HttpAnswer page, Http("GET", "/"));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body, "<html>rm desk</html>");
  HttpCallOptions revalidate;
  revalidate.headers = {{"If-None-Match", page.Header("etag")}};
  ASSERT_OK_AND_ASSIGN(HttpAnswer same, CallPort(gateway_->http_port(), "GET",
                                                 "/index.html", revalidate));
  EXPECT_EQ(same.status, 304);
  EXPECT_EQ(same.body, "");
}

TEST_F(GatewayTest, ServesHttpsInFrontOfAPlaintextServer) {
  ASSERT_NO_FATAL_FAILURE(StartAll(/*with_trainer=*/false));
  ASSERT_OK_AND_ASSIGN(nbo::testing::TestPki pki,
                       nbo::testing::MakeTestPki(dir_.Sub("pki")));
  ASSERT_NO_FATAL_FAILURE(
      StartGateway({absl::StrCat("--upstream=127.0.0.1:", server_->grpc_port()),
                    absl::StrCat("--tls_cert=", pki.server_cert),
                    absl::StrCat("--tls_key=", pki.server_key)}));
  HttpCallOptions options;
  options.ca_file = pki.ca_cert;
  options.headers.emplace_back("Authorization",
                               absl::StrCat("Bearer ", kToken));
  ASSERT_OK_AND_ASSIGN(HttpAnswer models, CallPort(gateway_->http_port(), "GET",
                                                   "/v1/models", options));
  EXPECT_EQ(models.status, 200) << models.body;
  EXPECT_THAT(models.body, HasSubstr("\"models\""));
  // Plaintext HTTP to the HTTPS port gets no answer.
  EXPECT_THAT(CallPort(gateway_->http_port(), "GET", "/v1/models"),
              Not(IsOk()));
}

// With mutual TLS on the listener, kubelet probes and Prometheus (no client
// certificate) use --metrics_addr: plain HTTP, /healthz, /readyz and
// /metrics only.
TEST_F(GatewayTest, MutualTlsListenerKeepsProbesAndMetricsOnAPlainPort) {
  ASSERT_NO_FATAL_FAILURE(StartAll(/*with_trainer=*/false));
  ASSERT_OK_AND_ASSIGN(nbo::testing::TestPki pki,
                       nbo::testing::MakeTestPki(dir_.Sub("pki")));
  ASSERT_NO_FATAL_FAILURE(
      StartGateway({absl::StrCat("--upstream=127.0.0.1:", server_->grpc_port()),
                    absl::StrCat("--tls_cert=", pki.server_cert),
                    absl::StrCat("--tls_key=", pki.server_key),
                    absl::StrCat("--tls_client_ca=", pki.ca_cert),
                    "--metrics_addr=127.0.0.1:0"}));
  const int plain = gateway_->metrics_port();
  ASSERT_GT(plain, 0);
  EXPECT_EQ(gateway_->CountInLog("/healthz, /readyz and /metrics over HTTP"),
            1);
  ASSERT_OK_AND_ASSIGN(HttpAnswer ready, CallPort(plain, "GET", "/readyz"));
  EXPECT_EQ(ready.status, 200) << ready.body;
  ASSERT_OK_AND_ASSIGN(HttpAnswer live, CallPort(plain, "GET", "/healthz"));
  EXPECT_EQ(live.status, 200);
  ASSERT_OK_AND_ASSIGN(HttpAnswer metrics, CallPort(plain, "GET", "/metrics"));
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("nbo_gateway_requests_total"));
  // Nothing else is served there, and the API needs a client certificate.
  ASSERT_OK_AND_ASSIGN(HttpAnswer api, CallPort(plain, "GET", "/v1/models"));
  EXPECT_EQ(api.status, 404);
  HttpCallOptions without_certificate;
  without_certificate.ca_file = pki.ca_cert;
  EXPECT_THAT(
      CallPort(gateway_->http_port(), "GET", "/healthz", without_certificate),
      Not(IsOk()));
  HttpCallOptions with_certificate = without_certificate;
  with_certificate.cert_file = pki.client_cert;
  with_certificate.key_file = pki.client_key;
  ASSERT_OK_AND_ASSIGN(
      HttpAnswer secure,
      CallPort(gateway_->http_port(), "GET", "/healthz", with_certificate));
  EXPECT_EQ(secure.status, 200);
}

}  // namespace
}  // namespace nbo::integration
