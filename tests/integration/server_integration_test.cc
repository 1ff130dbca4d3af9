// Copyright (c) 2026 The nbo Authors. MIT License.
//
// End-to-end tests of one nbo-server process: publishing and routing,
// reflection, health and SIGTERM draining, state across restarts, and the
// metrics endpoint.

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "tests/integration/server_process.h"
#include "tests/integration/test_model.h"

namespace nbo::integration {
namespace {

using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Gt;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr char kNboService[] = "nbo.v1.NBOService";

// Matches an OK StatusOr whose value matches `matcher`.
MATCHER_P(IsOkAndHolds, matcher,
          std::string(negation ? "is not" : "is") +
              " OK with a value matching " +
              ::testing::PrintToString(matcher)) {
  if (!arg.ok()) {
    *result_listener << "whose status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(matcher, *arg, result_listener);
}

SyntheticModel SmallModel(int64_t version) {
  SyntheticModel::Options options;
  options.version = version;
  options.customers = 200;
  options.products = 12;
  options.rank = 8;
  options.rows_per_chunk = 64;
  return SyntheticModel(options);
}

// Versions and their states, in version order.
std::vector<std::pair<int64_t, nbo::v1::VersionState>> VersionStates(
    const nbo::v1::ModelStatus& model) {
  std::vector<std::pair<int64_t, nbo::v1::VersionState>> out;
  for (const nbo::v1::VersionStatus& v : model.versions()) {
    out.emplace_back(v.version(), v.state());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class ServerIntegrationTest : public ::testing::Test {
 protected:
  void StartServer(std::vector<std::string> flags = {}) {
    ASSERT_OK_AND_ASSIGN(
        server_, ServerProcess::Start(dir_.Sub("data"), std::move(flags)));
    Connect();
  }

  // New stubs on the server's current channel (after a restart).
  void Connect() {
    nbo_ = nbo::v1::NBOService::NewStub(server_->channel());
    models_ = nbo::v1::ModelService::NewStub(server_->channel());
    health_ = grpc::health::v1::Health::NewStub(server_->channel());
  }

  absl::StatusOr<HealthCheckResponse::ServingStatus> Health(
      const std::string& service) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    const grpc::Status status = health_->Check(&context, request, &response);
    if (!status.ok()) return services::FromGrpcStatus(status);
    return response.status();
  }

  // Publishes SmallModel(version) and checks it came back AVAILABLE.
  void PublishSmall(int64_t version) {
    const SyntheticModel model = SmallModel(version);
    ASSERT_OK_AND_ASSIGN(nbo::v1::PublishModelResponse published,
                         Publish(*models_, model.Messages()));
    EXPECT_EQ(published.model_name(), "nbo");
    EXPECT_EQ(published.version(), version);
    EXPECT_EQ(published.state(), nbo::v1::VERSION_STATE_AVAILABLE);
    EXPECT_EQ(published.customer_count(), model.options().customers);
    EXPECT_EQ(published.product_count(), model.options().products);
  }

  // The (version, experiment arm) that answers each of the first `n`
  // customers when the request selects nothing.
  std::map<std::string, std::pair<int64_t, std::string>> RoutingOf(int n) {
    std::map<std::string, std::pair<int64_t, std::string>> routing;
    for (int i = 0; i < n; ++i) {
      const std::string customer = SyntheticModel::CustomerId(i);
      absl::StatusOr<nbo::v1::RecommendResponse> r = Recommend(*nbo_, customer);
      EXPECT_THAT(r, IsOk()) << customer;
      if (!r.ok()) continue;
      routing[customer] = {r->model_version(), r->experiment_arm()};
    }
    return routing;
  }

  nbo::testing::TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<nbo::v1::NBOService::Stub> nbo_;
  std::unique_ptr<nbo::v1::ModelService::Stub> models_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

TEST_F(ServerIntegrationTest, PublishesRecommendsAndRoutesAcrossVersions) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_NO_FATAL_FAILURE(PublishSmall(1));
  const SyntheticModel v1 = SmallModel(1);

  // A known customer is scored with its own factors by version 1.
  ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse known,
                       Recommend(*nbo_, "C0000001", /*num_offers=*/5));
  EXPECT_EQ(known.customer_id(), "C0000001");
  EXPECT_EQ(known.strategy(), nbo::v1::STRATEGY_PERSONALIZED);
  EXPECT_EQ(known.model_name(), "nbo");
  EXPECT_EQ(known.model_version(), 1);
  EXPECT_FALSE(known.decision_id().empty());
  EXPECT_EQ(known.experiment_arm(), "");
  const absl::Time decided = absl::FromUnixSeconds(known.timestamp().seconds());
  EXPECT_LT(absl::AbsDuration(decided - absl::Now()), absl::Minutes(5));
  ASSERT_EQ(known.offers_size(), 5);
  std::vector<std::string> offered;
  for (int i = 0; i < known.offers_size(); ++i) {
    const nbo::v1::Offer& offer = known.offers(i);
    offered.push_back(offer.product_id());
    EXPECT_EQ(offer.rank(), i + 1);
    if (i > 0) {
      EXPECT_LE(offer.score(), known.offers(i - 1).score());
    }
    EXPECT_GE(offer.propensity(), 0.0);
    EXPECT_LE(offer.propensity(), 1.0);
    // No calibration in the header: propensity is the clamped raw score,
    // shown with 4 decimals.
    EXPECT_NEAR(offer.propensity(), std::clamp(offer.score(), 0.0, 1.0),
                0.5e-4 + 1e-12);
    EXPECT_NEAR(offer.propensity() * 1e4, std::round(offer.propensity() * 1e4),
                1e-6);
    const int product = std::stoi(offer.product_id().substr(1)) - 1;
    EXPECT_NEAR(offer.score(), v1.Score(0, product), 1e-4)
        << offer.product_id();
    EXPECT_FALSE(offer.name().empty());
    EXPECT_FALSE(offer.category().empty());
  }
  EXPECT_EQ(offered, v1.ExpectedTopN(0, 5));

  // Every decision gets its own id.
  ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse again,
                       Recommend(*nbo_, "C0000001", 5));
  EXPECT_NE(again.decision_id(), known.decision_id());

  // A customer the model does not know gets the popularity ranking.
  ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse unknown,
                       Recommend(*nbo_, "C9999999", 4));
  EXPECT_EQ(unknown.strategy(), nbo::v1::STRATEGY_POPULARITY);
  EXPECT_EQ(unknown.model_version(), 1);
  EXPECT_FALSE(unknown.decision_id().empty());
  ASSERT_EQ(unknown.offers_size(), 4);
  std::vector<std::string> popular;
  for (int i = 0; i < unknown.offers_size(); ++i) {
    const nbo::v1::Offer& offer = unknown.offers(i);
    popular.push_back(offer.product_id());
    EXPECT_EQ(offer.rank(), i + 1);
    EXPECT_GE(offer.propensity(), 0.0);
    EXPECT_LE(offer.propensity(), 1.0);
    // Without popularity in the header, it is the mean predicted score.
    const int product = std::stoi(offer.product_id().substr(1)) - 1;
    EXPECT_NEAR(offer.score(), v1.MeanScore(product), 1e-4)
        << offer.product_id();
  }
  EXPECT_EQ(popular, v1.ExpectedPopular(4));

  // Version 2 takes over requests that select nothing...
  ASSERT_NO_FATAL_FAILURE(PublishSmall(2));
  ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse latest,
                       Recommend(*nbo_, "C0000001", 5));
  EXPECT_EQ(latest.model_version(), 2);
  EXPECT_EQ(latest.strategy(), nbo::v1::STRATEGY_PERSONALIZED);
  std::vector<std::string> offered_v2;
  for (const nbo::v1::Offer& offer : latest.offers()) {
    offered_v2.push_back(offer.product_id());
  }
  EXPECT_EQ(offered_v2, SmallModel(2).ExpectedTopN(0, 5));

  // ...while version 1, still kept, answers when asked for explicitly.
  ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse explicit_v1,
                       Recommend(*nbo_, "C0000001", 5, /*version=*/1));
  EXPECT_EQ(explicit_v1.model_version(), 1);
  EXPECT_EQ(explicit_v1.strategy(), nbo::v1::STRATEGY_PERSONALIZED);
  EXPECT_THAT(Recommend(*nbo_, "C0000001", 5, /*version=*/7),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Recommend(*nbo_, "C0000001", 3, 0, "stable"),
              StatusIs(absl::StatusCode::kNotFound));

  // A label routes to the version it names.
  ASSERT_OK_AND_ASSIGN(nbo::v1::SetVersionLabelResponse labelled,
                       SetLabel(*models_, "stable", 1));
  EXPECT_THAT(labelled.model().labels(), ElementsAre(Pair("stable", 1)));
  ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse by_label,
                       Recommend(*nbo_, "C0000001", 3, 0, "stable"));
  EXPECT_EQ(by_label.model_version(), 1);
  EXPECT_THAT(SetLabel(*models_, "stable", 9),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(SetLabel(*models_, "Not A Label", 1),
              StatusIs(absl::StatusCode::kInvalidArgument));

  // The same version cannot be published twice.
  EXPECT_THAT(Publish(*models_, SmallModel(2).Messages()),
              StatusIs(absl::StatusCode::kAlreadyExists));

  // With versions 3 and 4, version 1 is beyond the newest three but its
  // label keeps it loaded.
  ASSERT_NO_FATAL_FAILURE(PublishSmall(3));
  ASSERT_NO_FATAL_FAILURE(PublishSmall(4));
  ASSERT_OK_AND_ASSIGN(nbo::v1::ModelStatus status, GetModelStatus(*models_));
  EXPECT_THAT(VersionStates(status),
              ElementsAre(Pair(1, nbo::v1::VERSION_STATE_AVAILABLE),
                          Pair(2, nbo::v1::VERSION_STATE_AVAILABLE),
                          Pair(3, nbo::v1::VERSION_STATE_AVAILABLE),
                          Pair(4, nbo::v1::VERSION_STATE_AVAILABLE)));
  ASSERT_OK_AND_ASSIGN(explicit_v1, Recommend(*nbo_, "C0000001", 3, 1));
  EXPECT_EQ(explicit_v1.model_version(), 1);
  ASSERT_OK_AND_ASSIGN(latest, Recommend(*nbo_, "C0000001"));
  EXPECT_EQ(latest.model_version(), 4);

  // Removing the label (version 0) lets retention unload version 1.
  ASSERT_OK_AND_ASSIGN(labelled, SetLabel(*models_, "stable", 0));
  EXPECT_TRUE(labelled.model().labels().empty());
  ASSERT_OK_AND_ASSIGN(status, GetModelStatus(*models_));
  EXPECT_THAT(VersionStates(status),
              ElementsAre(Pair(1, nbo::v1::VERSION_STATE_END),
                          Pair(2, nbo::v1::VERSION_STATE_AVAILABLE),
                          Pair(3, nbo::v1::VERSION_STATE_AVAILABLE),
                          Pair(4, nbo::v1::VERSION_STATE_AVAILABLE)));
  EXPECT_THAT(Recommend(*nbo_, "C0000001", 3, /*version=*/1),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Recommend(*nbo_, "C0000001", 3, 0, "stable"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ServerIntegrationTest, RejectsBadRequestsWithExactCodes) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  // Before any publish the default model has nothing to serve.
  EXPECT_THAT(Recommend(*nbo_, "C0000001"),
              StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_NO_FATAL_FAILURE(PublishSmall(1));

  EXPECT_THAT(Recommend(*nbo_, ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Recommend(*nbo_, std::string(129, 'C')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Recommend(*nbo_, "C0000001", /*num_offers=*/0),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Recommend(*nbo_, "C0000001", /*num_offers=*/101),
              StatusIs(absl::StatusCode::kInvalidArgument));
  nbo::v1::RecommendRequest negative_version;
  negative_version.set_customer_id("C0000001");
  negative_version.mutable_model()->set_version(-1);
  EXPECT_THAT(Recommend(*nbo_, negative_version),
              StatusIs(absl::StatusCode::kInvalidArgument));
  nbo::v1::RecommendRequest other_model;
  other_model.set_customer_id("C0000001");
  other_model.mutable_model()->set_model_name("no_such_model");
  EXPECT_THAT(Recommend(*nbo_, other_model),
              StatusIs(absl::StatusCode::kNotFound));

  // A publish that fails validation leaves nothing behind: version 2 stays
  // free and the default route stays on version 1.
  const std::vector<nbo::v1::PublishModelRequest> good =
      SmallModel(2).Messages();
  std::vector<nbo::v1::PublishModelRequest> no_commit(good.begin(),
                                                      good.end() - 1);
  EXPECT_THAT(Publish(*models_, no_commit),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  std::vector<nbo::v1::PublishModelRequest> missing_item = good;
  missing_item[1].mutable_item_factors()->mutable_rows()->RemoveLast();
  EXPECT_THAT(Publish(*models_, missing_item),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  std::vector<nbo::v1::PublishModelRequest> wrong_count = good;
  wrong_count.back().mutable_commit()->set_expected_customer_count(201);
  EXPECT_THAT(Publish(*models_, wrong_count),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  std::vector<nbo::v1::PublishModelRequest> short_factor = good;
  short_factor[2]
      .mutable_customer_factors()
      ->mutable_rows(0)
      ->mutable_values()
      ->RemoveLast();
  EXPECT_THAT(Publish(*models_, short_factor),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<nbo::v1::PublishModelRequest> items_first = good;
  std::swap(items_first[0], items_first[1]);
  EXPECT_THAT(Publish(*models_, items_first),
              StatusIs(absl::StatusCode::kFailedPrecondition));

  ASSERT_OK_AND_ASSIGN(nbo::v1::ModelStatus status, GetModelStatus(*models_));
  EXPECT_THAT(VersionStates(status),
              ElementsAre(Pair(1, nbo::v1::VERSION_STATE_AVAILABLE)));
  ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse r,
                       Recommend(*nbo_, "C0000001"));
  EXPECT_EQ(r.model_version(), 1);
  EXPECT_THAT(GetModelStatus(*models_, "no_such_model"),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_NO_FATAL_FAILURE(PublishSmall(2));
}

TEST_F(ServerIntegrationTest, OutOfRangeCacheSizesStopTheStartWithTheReason) {
  int run = 0;
  for (const char* flag :
       {"--customer_cache_mb=-1", "--block_cache_mb=2000000"}) {
    SCOPED_TRACE(flag);
    absl::StatusOr<std::unique_ptr<ServerProcess>> server =
        ServerProcess::Start(dir_.Sub(absl::StrCat("bad", run++)), {flag});
    EXPECT_THAT(server, StatusIs(absl::StatusCode::kAborted,
                                 HasSubstr("must be in [0, 1048576]")));
  }
  // 0 turns the state cache off; the server still starts.
  ASSERT_NO_FATAL_FAILURE(StartServer({"--customer_cache_mb=0"}));
  EXPECT_THAT(Health(""), IsOk());
}

TEST_F(ServerIntegrationTest, ReflectionDescribesTheServices) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  auto reflection =
      grpc::reflection::v1alpha::ServerReflection::NewStub(server_->channel());
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  auto stream = reflection->ServerReflectionInfo(&context);

  grpc::reflection::v1alpha::ServerReflectionRequest request;
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  request.set_list_services("*");
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  ASSERT_TRUE(response.has_list_services_response()) << response.DebugString();
  std::vector<std::string> services;
  for (const auto& service : response.list_services_response().service()) {
    services.push_back(service.name());
  }
  EXPECT_THAT(services, Contains("nbo.v1.NBOService"));
  EXPECT_THAT(services, Contains("nbo.v1.ModelService"));
  EXPECT_THAT(services, Contains("grpc.health.v1.Health"));

  request.set_file_containing_symbol("nbo.v1.NBOService");
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  ASSERT_TRUE(response.has_file_descriptor_response())
      << response.DebugString();
  std::map<std::string, google::protobuf::FileDescriptorProto> files;
  for (const std::string& bytes :
       response.file_descriptor_response().file_descriptor_proto()) {
    google::protobuf::FileDescriptorProto file;
    ASSERT_TRUE(file.ParseFromString(bytes));
    files[file.name()] = file;
  }
  ASSERT_TRUE(files.contains("nbo/v1/nbo_service.proto"));
  const google::protobuf::FileDescriptorProto& api =
      files["nbo/v1/nbo_service.proto"];
  EXPECT_EQ(api.package(), "nbo.v1");
  std::vector<std::string> methods;
  for (const auto& service : api.service()) {
    if (service.name() != "NBOService") continue;
    for (const auto& method : service.method())
      methods.push_back(method.name());
  }
  EXPECT_THAT(methods, UnorderedElementsAre("Recommend", "BatchRecommend",
                                            "RecordFeedback", "SimilarProducts",
                                            "GetCustomer", "ListCustomers"));
  // Its imports come along, so a client can build the whole descriptor.
  EXPECT_TRUE(files.contains("nbo/v1/common.proto"));

  request.set_file_containing_symbol("nbo.v1.NoSuchService");
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  ASSERT_TRUE(response.has_error_response()) << response.DebugString();
  EXPECT_EQ(response.error_response().error_code(),
            static_cast<int>(grpc::StatusCode::NOT_FOUND));

  ASSERT_TRUE(stream->WritesDone());
  EXPECT_THAT(services::FromGrpcStatus(stream->Finish()), IsOk());
}

TEST_F(ServerIntegrationTest, HealthIsNotServingUntilAVersionIsAvailable) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  EXPECT_THAT(Health(""), IsOkAndHolds(HealthCheckResponse::NOT_SERVING));
  EXPECT_THAT(Health(kNboService),
              IsOkAndHolds(HealthCheckResponse::NOT_SERVING));
  EXPECT_THAT(Health("no.such.Service"), StatusIs(absl::StatusCode::kNotFound));

  ASSERT_NO_FATAL_FAILURE(PublishSmall(1));
  EXPECT_THAT(Health(""), IsOkAndHolds(HealthCheckResponse::SERVING));
  EXPECT_THAT(Health(kNboService), IsOkAndHolds(HealthCheckResponse::SERVING));
}

TEST_F(ServerIntegrationTest, SigtermDrainsWhileServingThenExitsCleanly) {
  ASSERT_NO_FATAL_FAILURE(
      StartServer({"--drain=2s", "--shutdown_deadline=5s"}));
  ASSERT_NO_FATAL_FAILURE(PublishSmall(1));
  ASSERT_THAT(Health(""), IsOkAndHolds(HealthCheckResponse::SERVING));

  const absl::Time sigterm = absl::Now();
  ASSERT_THAT(server_->Terminate(), IsOk());
  // Health turns NOT_SERVING promptly...
  const absl::Time deadline = sigterm + absl::Seconds(20);
  absl::StatusOr<HealthCheckResponse::ServingStatus> health = Health("");
  while (health.ok() && *health == HealthCheckResponse::SERVING &&
         absl::Now() < deadline) {
    health = Health("");
  }
  ASSERT_THAT(health, IsOkAndHolds(HealthCheckResponse::NOT_SERVING));
  EXPECT_THAT(Health(kNboService),
              IsOkAndHolds(HealthCheckResponse::NOT_SERVING));
  // ...while requests are still answered.
  ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse during_drain,
                       Recommend(*nbo_, "C0000001"));
  EXPECT_EQ(during_drain.model_version(), 1);
  EXPECT_EQ(during_drain.strategy(), nbo::v1::STRATEGY_PERSONALIZED);
  EXPECT_TRUE(server_->running());

  ASSERT_OK_AND_ASSIGN(ExitStatus exit,
                       server_->WaitForExit(absl::Seconds(30)));
  EXPECT_TRUE(exit.ExitedWith(0)) << exit.ToString();
  // Not before the drain was over.
  EXPECT_GE(absl::Now() - sigterm, absl::Seconds(2));
  EXPECT_EQ(server_->CountInLog("nbo: stopped"), 1);
  EXPECT_THAT(Recommend(*nbo_, "C0000001"),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ServerIntegrationTest, RestartRestoresVersionsLabelsAndTrafficSplit) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--drain=0s"}));
  for (int64_t v = 1; v <= 3; ++v) ASSERT_NO_FATAL_FAILURE(PublishSmall(v));
  ASSERT_THAT(SetLabel(*models_, "stable", 1), IsOk());
  {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    nbo::v1::SetTrafficSplitRequest request;
    nbo::v1::TrafficArm* stable = request.add_arms();
    stable->set_label("stable");
    stable->set_weight(1);
    nbo::v1::TrafficArm* canary = request.add_arms();
    canary->set_version(3);
    canary->set_weight(1);
    request.set_salt("restart-test");
    nbo::v1::SetTrafficSplitResponse response;
    ASSERT_THAT(services::FromGrpcStatus(
                    models_->SetTrafficSplit(&context, request, &response)),
                IsOk());
  }
  ASSERT_OK_AND_ASSIGN(const nbo::v1::ModelStatus before,
                       GetModelStatus(*models_));
  const auto routing_before = RoutingOf(40);
  std::map<std::string, int64_t> arms;
  for (const auto& [customer, route] : routing_before) {
    arms[route.second] = route.first;
  }
  // Both arms get customers, each arm its own version.
  EXPECT_THAT(arms, ElementsAre(Pair("stable", 1), Pair("v3", 3)));

  for (const bool clean : {true, false}) {
    SCOPED_TRACE(clean ? "after SIGTERM" : "after kill -9");
    if (clean) {
      ASSERT_THAT(server_->Terminate(), IsOk());
      ASSERT_OK_AND_ASSIGN(ExitStatus exit,
                           server_->WaitForExit(absl::Seconds(30)));
      ASSERT_TRUE(exit.ExitedWith(0)) << exit.ToString();
    } else {
      ASSERT_THAT(server_->Kill9(), IsOk());
    }
    ASSERT_THAT(server_->Restart(), IsOk());
    Connect();

    ASSERT_OK_AND_ASSIGN(const nbo::v1::ModelStatus after,
                         GetModelStatus(*models_));
    EXPECT_THAT(VersionStates(after),
                ElementsAre(Pair(1, nbo::v1::VERSION_STATE_AVAILABLE),
                            Pair(2, nbo::v1::VERSION_STATE_AVAILABLE),
                            Pair(3, nbo::v1::VERSION_STATE_AVAILABLE)));
    EXPECT_THAT(after.labels(), ElementsAre(Pair("stable", 1)));
    ASSERT_EQ(after.traffic_split_size(), 2);
    EXPECT_EQ(after.traffic_split(0).label(), "stable");
    EXPECT_EQ(after.traffic_split(0).weight(), 1u);
    EXPECT_EQ(after.traffic_split(1).version(), 3);
    EXPECT_EQ(after.traffic_split(1).weight(), 1u);
    EXPECT_EQ(after.split_salt(), "restart-test");
    EXPECT_EQ(after.split_salt(), before.split_salt());

    EXPECT_THAT(Health(""), IsOkAndHolds(HealthCheckResponse::SERVING));
    // The split is sticky across restarts: every customer keeps its arm.
    EXPECT_EQ(RoutingOf(40), routing_before);
    ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse by_label,
                         Recommend(*nbo_, "C0000002", 3, 0, "stable"));
    EXPECT_EQ(by_label.model_version(), 1);
    ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse explicit_v2,
                         Recommend(*nbo_, "C0000002", 3, /*version=*/2));
    EXPECT_EQ(explicit_v2.model_version(), 2);
    EXPECT_EQ(explicit_v2.strategy(), nbo::v1::STRATEGY_PERSONALIZED);
  }
}

TEST_F(ServerIntegrationTest, MetricsCountRequestsAndCarryNoCustomerIds) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_NO_FATAL_FAILURE(PublishSmall(1));
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(Recommend(*nbo_, SyntheticModel::CustomerId(i)), IsOk());
  }
  ASSERT_THAT(Recommend(*nbo_, "C9999999"), IsOk());
  ASSERT_THAT(Recommend(*nbo_, "C0000001", /*num_offers=*/0),
              StatusIs(absl::StatusCode::kInvalidArgument));

  ASSERT_OK_AND_ASSIGN(const std::string metrics, server_->FetchMetrics());
  EXPECT_THAT(MetricValue(metrics, "nbo_grpc_requests_total",
                          {{"method", "Recommend"}, {"code", "OK"}}),
              IsOkAndHolds(6.0))
      << metrics;
  EXPECT_THAT(
      MetricValue(metrics, "nbo_grpc_requests_total",
                  {{"method", "Recommend"}, {"code", "INVALID_ARGUMENT"}}),
      IsOkAndHolds(1.0));
  EXPECT_THAT(MetricValue(metrics, "nbo_grpc_requests_total",
                          {{"method", "PublishModel"}, {"code", "OK"}}),
              IsOkAndHolds(1.0));
  EXPECT_THAT(MetricValue(metrics, "nbo_recommend_strategy_total",
                          {{"strategy", "personalized"}}),
              IsOkAndHolds(5.0));
  EXPECT_THAT(MetricValue(metrics, "nbo_recommend_strategy_total",
                          {{"strategy", "popularity"}}),
              IsOkAndHolds(1.0));
  EXPECT_THAT(MetricValue(metrics, "nbo_model_publish_bytes_total"),
              IsOkAndHolds(Gt(0.0)));
  // Customer ids are personal data: never in a label, never in the text.
  EXPECT_THAT(metrics, Not(HasSubstr("C0000001")));
  EXPECT_THAT(metrics, Not(HasSubstr("C0000005")));
  EXPECT_THAT(metrics, Not(HasSubstr("C9999999")));
  EXPECT_THAT(MetricValue(metrics, "no_such_metric"),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace nbo::integration
