// Copyright (c) 2026 The nbo Authors. MIT License.
//
// NboServer in-process over real gRPC on loopback (port 0) with a real
// RocksDB in a temp dir: the server's limits, each at the bound and one past
// it, authentication, health, and export/publish round trips.

#include "services/nbo_server/server.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "lib/store/storage_faults.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "nbo/v1/ingest_service.grpc.pb.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "tests/unit/server/test_server.h"
#include "tests/unit/serving/test_model.h"

namespace nbo::server {
namespace {

using ::nbo::serving::testing::TestModel;
using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;

class ServerTest : public ::testing::Test {
 protected:
  void Start(NboServer::Options options = {}) {
    auto server = testing::StartTestServer(options, dir_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = NewChannel();
    nbo_ = nbo::v1::NBOService::NewStub(channel_);
    models_ = nbo::v1::ModelService::NewStub(channel_);
  }

  std::shared_ptr<grpc::Channel> NewChannel(grpc::ChannelArguments args = {}) {
    args.SetMaxSendMessageSize(64 << 20);
    return grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(server_->grpc_port()),
        grpc::InsecureChannelCredentials(), args);
  }

  absl::Status PublishStream(
      const std::vector<nbo::v1::PublishModelRequest>& stream,
      const std::string& token = "") {
    return testing::PublishStream(*models_, stream, token);
  }

  grpc::Status Recommend(const nbo::v1::RecommendRequest& request,
                         nbo::v1::RecommendResponse* response) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    return nbo_->Recommend(&ctx, request, response);
  }

  nbo::testing::TempDir dir_;
  std::unique_ptr<NboServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<nbo::v1::NBOService::Stub> nbo_;
  std::unique_ptr<nbo::v1::ModelService::Stub> models_;
};

TEST_F(ServerTest, HealthTurnsServingWhenAVersionIsAvailable) {
  Start();
  auto health = grpc::health::v1::Health::NewStub(channel_);
  auto check = [&](const std::string& service) {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    EXPECT_TRUE(health->Check(&ctx, request, &response).ok());
    return response.status();
  };
  EXPECT_EQ(check(""), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(check("nbo.v1.NBOService"),
            grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  ASSERT_TRUE(PublishStream(TestModel().Stream()).ok());
  EXPECT_EQ(check(""), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(check("nbo.v1.NBOService"),
            grpc::health::v1::HealthCheckResponse::SERVING);
  server_->Shutdown(absl::ZeroDuration(), absl::Seconds(1));
}

// Without a version, Recommend is UNAVAILABLE, and says that the answer
// would be the same on another replica: a retrying client (the gateway)
// does not spend attempts on it.
TEST_F(ServerTest, UnavailableWithoutAVersionAsksClientsNotToRetry) {
  Start();
  grpc::ClientContext ctx;
  nbo::v1::RecommendRequest request;
  request.set_customer_id("C0000001");
  nbo::v1::RecommendResponse response;
  const grpc::Status status = nbo_->Recommend(&ctx, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  const auto& trailers = ctx.GetServerTrailingMetadata();
  const auto pushback = trailers.find("grpc-retry-pushback-ms");
  ASSERT_NE(pushback, trailers.end());
  EXPECT_EQ(std::string(pushback->second.data(), pushback->second.size()),
            "-1");
}

TEST_F(ServerTest, MaxReceiveMessageSizeAtTheBoundAndOneByteOver) {
  NboServer::Options options;
  options.max_receive_message_bytes = 4096;
  options.max_publish_chunk_bytes = 4096;
  Start(options);
  ASSERT_TRUE(PublishStream(TestModel().Stream()).ok());
  nbo::v1::RecommendRequest request;
  request.set_customer_id("C");
  const size_t base = request.ByteSizeLong();
  // Grow the id until the message is exactly the bound. The id is far over
  // its own limit, so a message at the bound is read and then rejected for
  // what it says (INVALID_ARGUMENT), one byte more is not read at all.
  std::string id(4096 - base - 2, 'C');
  request.set_customer_id(id);
  while (request.ByteSizeLong() < 4096) {
    id.push_back('C');
    request.set_customer_id(id);
  }
  ASSERT_EQ(request.ByteSizeLong(), 4096u);
  nbo::v1::RecommendResponse response;
  grpc::Status at_bound = Recommend(request, &response);
  EXPECT_EQ(at_bound.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << at_bound.error_message();
  id.push_back('C');
  request.set_customer_id(id);
  ASSERT_EQ(request.ByteSizeLong(), 4097u);
  EXPECT_EQ(Recommend(request, &response).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(ServerTest, MaxConcurrentStreamsAtTheBoundAndOnePast) {
  NboServer::Options options;
  options.max_concurrent_streams = 2;
  Start(options);
  ASSERT_TRUE(PublishStream(TestModel().Stream()).ok());
  nbo::v1::RecommendRequest request;
  request.set_customer_id("C0000001");
  auto recommend_within = [&](absl::Duration d) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + d));
    nbo::v1::RecommendResponse response;
    return nbo_->Recommend(&ctx, request, &response).error_code();
  };
  // Hold streams open: publishes that have sent their header only.
  struct Open {
    grpc::ClientContext ctx;
    nbo::v1::PublishModelResponse response;
    std::unique_ptr<grpc::ClientWriter<nbo::v1::PublishModelRequest>> writer;
  };
  std::vector<std::unique_ptr<Open>> open;
  auto open_stream = [&](int64_t version) {
    auto o = std::make_unique<Open>();
    o->writer = models_->PublishModel(&o->ctx, &o->response);
    TestModel model;
    model.version = version;
    ASSERT_TRUE(o->writer->Write(model.Stream()[0]));
    open.push_back(std::move(o));
  };
  open_stream(10);
  // One stream open: the second (the bound) is served.
  EXPECT_EQ(recommend_within(absl::Seconds(5)), grpc::StatusCode::OK);
  open_stream(11);
  // Two open: a third waits for a free stream and runs out of time.
  EXPECT_EQ(recommend_within(absl::Milliseconds(300)),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  open.back()->ctx.TryCancel();
  (void)open.back()->writer->Finish();  // CANCELLED, as asked.
  open.pop_back();
  EXPECT_EQ(recommend_within(absl::Seconds(5)), grpc::StatusCode::OK);
  for (auto& o : open) {
    o->ctx.TryCancel();
    (void)o->writer->Finish();
  }
}

// Keepalive enforcement: a client pinging an idle connection no more often
// than the server allows keeps it; one pinging more often is sent GOAWAY
// (too_many_pings) and its connection leaves READY.
TEST_F(ServerTest, KeepaliveEnforcementAtTheBoundAndPastIt) {
  NboServer::Options options;
  options.keepalive_min_ping_interval = absl::Milliseconds(400);
  options.keepalive_max_ping_strikes = 1;
  Start(options);
  auto pinging_channel = [&](int ping_every_ms) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, ping_every_ms);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
    args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
    args.SetInt("nbo.test.unique", ping_every_ms);  // Own connection.
    auto channel = NewChannel(args);
    EXPECT_TRUE(channel->WaitForConnected(
        absl::ToChronoTime(absl::Now() + absl::Seconds(5))));
    return channel;
  };
  // Past the bound: pings every 20 ms against a 400 ms minimum.
  auto rude = pinging_channel(20);
  EXPECT_TRUE(rude->WaitForStateChange(
      GRPC_CHANNEL_READY, absl::ToChronoTime(absl::Now() + absl::Seconds(5))))
      << "the server tolerated pings every 20 ms";
  // At the bound (a little above it, for timer slack): the connection stays.
  auto polite = pinging_channel(600);
  EXPECT_FALSE(polite->WaitForStateChange(
      GRPC_CHANNEL_READY,
      absl::ToChronoTime(absl::Now() + absl::Milliseconds(2000))))
      << "the server closed a connection that respected the interval";
}

TEST_F(ServerTest, PublishChunkBoundIsEnforcedOverGrpc) {
  TestModel model;
  model.customers = 64;
  model.rows_per_chunk = 64;
  auto stream = model.Stream();
  const int chunk = static_cast<int>(stream[2].ByteSizeLong());
  NboServer::Options options;
  options.max_publish_chunk_bytes = chunk;
  Start(options);
  EXPECT_TRUE(PublishStream(stream).ok());
  model.version = 2;
  stream = model.Stream();
  stream[2].mutable_customer_factors()->mutable_rows(0)->add_values(0);
  stream[2]
      .mutable_customer_factors()
      ->mutable_rows(0)
      ->mutable_values()
      ->RemoveLast();
  stream[2].mutable_customer_factors()->mutable_rows(0)->set_id("C00000001");
  ASSERT_EQ(static_cast<int>(stream[2].ByteSizeLong()), chunk + 1);
  EXPECT_THAT(
      PublishStream(stream),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("limit is")));
}

TEST_F(ServerTest, BatchRecommendStopsAtTheClientsDeadline) {
  Start();
  ASSERT_TRUE(PublishStream(TestModel().Stream()).ok());
  nbo::v1::BatchRecommendRequest request;
  for (int i = 0; i < 1000; ++i) request.add_customer_ids("C0000001");
  grpc::ClientContext ctx;
  const absl::Time deadline = absl::Now() + absl::Milliseconds(300);
  ctx.set_deadline(absl::ToChronoTime(deadline));
  auto reader = nbo_->BatchRecommend(&ctx, request);
  nbo::v1::BatchRecommendResponse item;
  ASSERT_TRUE(reader->Read(&item));
  EXPECT_EQ(item.index(), 0);
  // Stop reading until the deadline has passed; the server must give up
  // rather than compute the rest.
  absl::SleepFor(deadline - absl::Now() + absl::Milliseconds(50));
  int received = 1;
  while (reader->Read(&item)) ++received;
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(received, 1000);
}

TEST_F(ServerTest, BatchRecommendAnswersEachCustomerInOrder) {
  Start();
  ASSERT_TRUE(PublishStream(TestModel().Stream()).ok());
  nbo::v1::BatchRecommendRequest request;
  request.add_customer_ids("C0000001");
  request.add_customer_ids("");
  request.add_customer_ids("C7777777");
  grpc::ClientContext ctx;
  auto reader = nbo_->BatchRecommend(&ctx, request);
  std::vector<nbo::v1::BatchRecommendResponse> items;
  nbo::v1::BatchRecommendResponse item;
  while (reader->Read(&item)) items.push_back(item);
  ASSERT_TRUE(reader->Finish().ok());
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].recommendation().strategy(),
            nbo::v1::STRATEGY_PERSONALIZED);
  EXPECT_EQ(items[1].index(), 1);
  EXPECT_EQ(items[1].error().code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(items[2].recommendation().strategy(), nbo::v1::STRATEGY_POPULARITY);

  grpc::ClientContext bad_ctx;
  request.set_num_offers(0);
  auto bad = nbo_->BatchRecommend(&bad_ctx, request);
  while (bad->Read(&item)) {
  }
  EXPECT_EQ(bad->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServerTest, AdminCallsNeedTheBearerToken) {
  NboServer::Options options;
  options.admin_token = "s3cret";
  Start(options);
  EXPECT_THAT(PublishStream(TestModel().Stream()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(PublishStream(TestModel().Stream(), "wrong"),
              StatusIs(absl::StatusCode::kUnauthenticated));
  ASSERT_TRUE(PublishStream(TestModel().Stream(), "s3cret").ok());
  grpc::ClientContext ctx;
  nbo::v1::SetVersionLabelRequest label;
  label.set_label("stable");
  label.set_version(1);
  nbo::v1::SetVersionLabelResponse label_response;
  EXPECT_EQ(models_->SetVersionLabel(&ctx, label, &label_response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // With a token configured, reads need one too; admin implies read.
  grpc::ClientContext list_ctx;
  nbo::v1::ListModelsResponse list;
  EXPECT_EQ(models_->ListModels(&list_ctx, {}, &list).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext admin_ctx;
  admin_ctx.AddMetadata("authorization", "Bearer s3cret");
  EXPECT_TRUE(models_->ListModels(&admin_ctx, {}, &list).ok());
  EXPECT_EQ(list.models_size(), 1);
}

TEST_F(ServerTest, ExportedVersionRepublishesToTheSameAnswers) {
  Start();
  TestModel model;
  model.customers = 50;
  ASSERT_TRUE(PublishStream(model.Stream()).ok());
  nbo::v1::ExportModelRequest request;
  request.set_version(1);
  request.set_rows_per_chunk(7);
  ASSERT_OK_AND_ASSIGN(std::vector<nbo::v1::PublishModelRequest> exported,
                       services::ExportModelMessages(
                           *models_, request, services::StreamCallOptions()));
  ASSERT_GE(exported.size(), 4u);
  EXPECT_TRUE(exported.front().has_header());
  EXPECT_TRUE(exported.back().has_commit());
  EXPECT_EQ(exported.back().commit().expected_customer_count(), 50);
  exported.front().mutable_header()->set_version(2);
  ASSERT_TRUE(PublishStream(exported).ok());
  for (const char* customer : {"C0000003", "C0000042", "C9999999"}) {
    nbo::v1::RecommendRequest r;
    r.set_customer_id(customer);
    nbo::v1::RecommendResponse v1, v2;
    r.mutable_model()->set_version(1);
    ASSERT_TRUE(Recommend(r, &v1).ok());
    r.mutable_model()->set_version(2);
    ASSERT_TRUE(Recommend(r, &v2).ok());
    ASSERT_EQ(v1.offers_size(), v2.offers_size());
    EXPECT_EQ(v1.strategy(), v2.strategy());
    for (int i = 0; i < v1.offers_size(); ++i) {
      EXPECT_EQ(v1.offers(i).product_id(), v2.offers(i).product_id());
      EXPECT_DOUBLE_EQ(v1.offers(i).score(), v2.offers(i).score());
    }
  }
}

TEST_F(ServerTest, StorageAndValidationErrorsKeepTheirCodesOverGrpc) {
  Start();
  TestModel model;
  auto stream = model.Stream();
  stream.pop_back();
  EXPECT_THAT(PublishStream(stream),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("without a commit")));
  ASSERT_TRUE(PublishStream(model.Stream()).ok());
  EXPECT_THAT(PublishStream(model.Stream()),
              StatusIs(absl::StatusCode::kAlreadyExists));
  grpc::ClientContext ctx;
  nbo::v1::GetModelStatusRequest req;
  req.set_model_name("ghost");
  nbo::v1::GetModelStatusResponse resp;
  EXPECT_EQ(models_->GetModelStatus(&ctx, req, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// Polls health entry `service` until it reports `want`: the server checks
// its storage on its own schedule (every 50 ms here). Bounded.
bool WaitForHealth(grpc::health::v1::Health::Stub* health,
                   const std::string& service,
                   grpc::health::v1::HealthCheckResponse::ServingStatus want) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    if (health->Check(&ctx, request, &response).ok() &&
        response.status() == want) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

TEST_F(ServerTest, FullDiskKeepsRecommendAnsweringAndRecoversWithoutRestart) {
  using HealthResponse = grpc::health::v1::HealthCheckResponse;
  store::StorageFaults faults;
  NboServer::Options options;
  options.storage_faults = &faults;
  options.storage_check_interval = absl::Milliseconds(50);
  Start(options);
  TestModel model;
  ASSERT_TRUE(PublishStream(model.Stream()).ok());
  auto health = grpc::health::v1::Health::NewStub(channel_);
  auto ingest = nbo::v1::IngestService::NewStub(channel_);
  nbo::v1::RecommendRequest request;
  request.set_customer_id(model.CustomerId(1));
  auto feedback = [&](const std::string& decision_id,
                      const std::string& product_id) {
    grpc::ClientContext ctx;
    nbo::v1::RecordFeedbackRequest req;
    req.set_decision_id(decision_id);
    req.set_customer_id(model.CustomerId(1));
    req.set_product_id(product_id);
    req.set_outcome(nbo::v1::FEEDBACK_OUTCOME_IMPRESSION);
    nbo::v1::RecordFeedbackResponse resp;
    return nbo_->RecordFeedback(&ctx, req, &resp);
  };
  nbo::v1::RecommendResponse before;
  ASSERT_TRUE(Recommend(request, &before).ok());
  ASSERT_FALSE(before.unlogged());

  faults.SetDiskFull(true);
  // A write fails as storage full, not as an internal error, and is not
  // acknowledged.
  grpc::Status refused =
      feedback(before.decision_id(), before.offers(0).product_id());
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("storage full"));
  {
    grpc::ClientContext ctx;
    nbo::v1::RecordTransactionsRequest req;
    nbo::v1::Transaction* t = req.add_transactions();
    t->set_customer_id(model.CustomerId(1));
    t->set_product_id(model.ProductId(0));
    t->set_event(nbo::v1::TRANSACTION_EVENT_VIEW);
    t->mutable_timestamp()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    nbo::v1::RecordTransactionsResponse resp;
    EXPECT_EQ(ingest->RecordTransactions(&ctx, req, &resp).error_code(),
              grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  // Health: still serving reads, but storage and ingest report the state.
  EXPECT_TRUE(
      WaitForHealth(health.get(), "nbo.storage", HealthResponse::NOT_SERVING));
  EXPECT_TRUE(WaitForHealth(health.get(), "nbo.v1.IngestService",
                            HealthResponse::NOT_SERVING));
  EXPECT_TRUE(WaitForHealth(health.get(), "", HealthResponse::SERVING));
  // Recommend keeps answering. Decisions the log accepted before it found
  // the disk full carry ids; once it knows, answers are marked unlogged and
  // carry none.
  std::vector<nbo::v1::RecommendResponse> logged_while_full;
  nbo::v1::RecommendResponse unlogged;
  for (int i = 0; i < 1000 && !unlogged.unlogged(); ++i) {
    nbo::v1::RecommendResponse response;
    ASSERT_TRUE(Recommend(request, &response).ok());
    ASSERT_FALSE(response.offers().empty());
    if (response.unlogged()) {
      unlogged = response;
    } else {
      logged_while_full.push_back(response);
    }
  }
  ASSERT_TRUE(unlogged.unlogged());
  EXPECT_TRUE(unlogged.decision_id().empty());
  EXPECT_EQ(unlogged.offers(0).product_id(), before.offers(0).product_id());

  faults.SetDiskFull(false);
  EXPECT_TRUE(
      WaitForHealth(health.get(), "nbo.storage", HealthResponse::SERVING));
  EXPECT_TRUE(WaitForHealth(health.get(), "nbo.v1.IngestService",
                            HealthResponse::SERVING));
  // Every id handed out is good for feedback: none was lost.
  EXPECT_TRUE(
      feedback(before.decision_id(), before.offers(0).product_id()).ok());
  for (const nbo::v1::RecommendResponse& r : logged_while_full) {
    grpc::Status s = feedback(r.decision_id(), r.offers(0).product_id());
    EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  }
  // And decisions are logged again (the log's writer retries within a
  // second).
  nbo::v1::RecommendResponse after;
  for (int i = 0; i < 300; ++i) {
    after.Clear();
    ASSERT_TRUE(Recommend(request, &after).ok());
    if (!after.unlogged()) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_FALSE(after.unlogged());
  EXPECT_TRUE(feedback(after.decision_id(), after.offers(0).product_id()).ok());
}

}  // namespace
}  // namespace nbo::server
