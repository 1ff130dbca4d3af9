// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The EASE model kind end to end with the real binaries: `nbo-trainer
// train --model_kind=ease` trains on generated bank data and publishes to a
// running nbo-server; the version reports its kind, serves a known
// customer with explanations, folds in a customer it never saw from
// ingested transactions, still serves after a restart, and exports as EASE
// to a replica. And over real
// gRPC, a kind the server does not know is refused.

#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "lib/data/bank_datagen.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "nbo/v1/ingest_service.grpc.pb.h"
#include "nbo/v1/model_service.grpc.pb.h"
#include "nbo/v1/nbo_service.grpc.pb.h"
#include "services/common/model_stream_client.h"
#include "tests/integration/server_process.h"
#include "tests/integration/test_model.h"

namespace nbo::integration {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;

constexpr int kCustomers = 2000;

// A profile every demo8 product's eligibility admits.
nbo::v1::CustomerProfile Affluent(const std::string& id) {
  nbo::v1::CustomerProfile p;
  p.set_customer_id(id);
  p.set_age(40);
  p.set_income(90000);
  p.set_segment("affluent");
  p.set_credit_score(800);
  p.set_kyc_verified(true);
  return p;
}

class EaseEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data::BankDataGenerator::Options options;
    options.customers = kCustomers;
    options.products = 8;
    options.seed = 11;
    auto generator = data::BankDataGenerator::Create(options);
    ASSERT_THAT(generator, IsOk());
    ASSERT_THAT(data::WriteBankData(**generator, dir_.Sub("bank"), nullptr),
                IsOk());
    ASSERT_OK_AND_ASSIGN(server_, ServerProcess::Start(dir_.Sub("server")));
    Connect();
  }

  void Connect() {
    nbo_ = nbo::v1::NBOService::NewStub(server_->channel());
    models_ = nbo::v1::ModelService::NewStub(server_->channel());
    ingest_ = nbo::v1::IngestService::NewStub(server_->channel());
  }

  // Runs `nbo-trainer train` to completion; its output goes to a log file
  // that is printed when it fails.
  void Train(const std::string& flags) {
    const std::string log = dir_.Sub("trainer.log");
    const std::string command =
        absl::StrCat(NBO_TRAINER_PATH, " train --data_dir=", dir_.Sub("bank"),
                     " --publish_to=", server_->grpc_target(), " --threads=1 ",
                     flags, " >", log, " 2>&1");
    const int code = std::system(command.c_str());
    if (code != 0) {
      std::system(absl::StrCat("tail -40 ", log).c_str());
      FAIL() << command << " exited with " << code;
    }
  }

  nbo::v1::VersionStatus OnlyVersion() {
    grpc::ClientContext context;
    nbo::v1::GetModelStatusRequest request;
    nbo::v1::GetModelStatusResponse response;
    const grpc::Status status =
        models_->GetModelStatus(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.model().versions_size(), 1);
    return response.model().versions_size() > 0 ? response.model().versions(0)
                                                : nbo::v1::VersionStatus();
  }

  void Upsert(const std::string& id) {
    grpc::ClientContext context;
    nbo::v1::UpsertCustomersRequest request;
    *request.add_customers() = Affluent(id);
    nbo::v1::UpsertCustomersResponse response;
    ASSERT_TRUE(ingest_->UpsertCustomers(&context, request, &response).ok());
    ASSERT_EQ(response.accepted(), 1);
  }

  nbo::v1::RecommendResponse Ask(const std::string& id) {
    nbo::v1::RecommendRequest request;
    request.set_customer_id(id);
    request.set_num_offers(3);
    request.set_explain(true);
    absl::StatusOr<nbo::v1::RecommendResponse> response =
        Recommend(*nbo_, request);
    EXPECT_THAT(response, IsOk());
    return response.ok() ? *response : nbo::v1::RecommendResponse();
  }

  // Products named by CONTRIBUTING_PRODUCT reasons, each with a positive
  // weight; and the number of offers with at least one.
  static int ExplainedOffers(const nbo::v1::RecommendResponse& response,
                             std::set<std::string>* contributors) {
    int explained = 0;
    for (const nbo::v1::Offer& offer : response.offers()) {
      bool any = false;
      for (const nbo::v1::Reason& r : offer.reasons()) {
        if (r.code() != "CONTRIBUTING_PRODUCT") continue;
        EXPECT_GT(r.weight(), 0) << offer.product_id();
        EXPECT_NE(r.product_id(), offer.product_id());  // diag(B) = 0.
        contributors->insert(r.product_id());
        any = true;
      }
      explained += any ? 1 : 0;
    }
    return explained;
  }

  nbo::testing::TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<nbo::v1::NBOService::Stub> nbo_;
  std::unique_ptr<nbo::v1::ModelService::Stub> models_;
  std::unique_ptr<nbo::v1::IngestService::Stub> ingest_;
};

TEST_F(EaseEndToEndTest, PublishesServesFoldsInExplainsAndSurvivesARestart) {
  ASSERT_NO_FATAL_FAILURE(
      Train("--tune=off --model_kind=ease --ease_lambda=50 --force"));
  nbo::v1::VersionStatus version = OnlyVersion();
  EXPECT_EQ(version.state(), nbo::v1::VERSION_STATE_AVAILABLE);
  EXPECT_EQ(version.model_kind(), nbo::v1::MODEL_KIND_EASE);
  EXPECT_EQ(version.rank(), 8);  // The catalog.
  EXPECT_EQ(version.metadata().labels().at("algorithm"), "ease");
  EXPECT_EQ(version.metadata().labels().at("ease_lambda"), "50");

  // A known customer: served from their stored vector, explained by the
  // products in it.
  std::string known;
  nbo::v1::RecommendResponse answer;
  for (int i = 1; i <= 50 && known.empty(); ++i) {
    const std::string id = absl::StrFormat("C%07d", i);
    ASSERT_NO_FATAL_FAILURE(Upsert(id));
    answer = Ask(id);
    if (answer.strategy() == nbo::v1::STRATEGY_PERSONALIZED &&
        answer.offers_size() > 0) {
      known = id;
    }
  }
  ASSERT_FALSE(known.empty()) << "no personalized customer in C1..C50";
  std::set<std::string> contributors;
  EXPECT_GT(ExplainedOffers(answer, &contributors), 0);

  // A customer the version never saw, with one product opened today: folded
  // in (the weighted row, no solve), and explained by that product only.
  const std::string fresh = "NEW0000001";
  ASSERT_NO_FATAL_FAILURE(Upsert(fresh));
  {
    grpc::ClientContext context;
    nbo::v1::RecordTransactionsRequest request;
    nbo::v1::Transaction* t = request.add_transactions();
    t->set_customer_id(fresh);
    t->set_product_id("P01");
    t->set_event(nbo::v1::TRANSACTION_EVENT_OPEN);
    t->mutable_timestamp()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 60);
    t->set_amount(100);
    nbo::v1::RecordTransactionsResponse response;
    ASSERT_TRUE(ingest_->RecordTransactions(&context, request, &response).ok());
    ASSERT_EQ(response.accepted(), 1);
  }
  const nbo::v1::RecommendResponse folded = Ask(fresh);
  EXPECT_EQ(folded.strategy(), nbo::v1::STRATEGY_FOLD_IN);
  ASSERT_GT(folded.offers_size(), 0);
  contributors.clear();
  // An offer P01 predicts negatively (B[P01][i] <= 0) has no positive
  // contribution to show; the best offer has one.
  EXPECT_GT(ExplainedOffers(folded, &contributors), 0);
  EXPECT_EQ(contributors, std::set<std::string>({"P01"}));

  // After a restart the version comes back as EASE and answers the same.
  ASSERT_THAT(server_->Terminate(), IsOk());
  ASSERT_THAT(server_->WaitForExit(absl::Seconds(30)), IsOk());
  ASSERT_THAT(server_->Restart(), IsOk());
  Connect();
  version = OnlyVersion();
  EXPECT_EQ(version.state(), nbo::v1::VERSION_STATE_AVAILABLE);
  EXPECT_EQ(version.model_kind(), nbo::v1::MODEL_KIND_EASE);
  const nbo::v1::RecommendResponse again = Ask(fresh);
  EXPECT_EQ(again.strategy(), nbo::v1::STRATEGY_FOLD_IN);
  ASSERT_EQ(again.offers_size(), folded.offers_size());
  for (int k = 0; k < again.offers_size(); ++k) {
    EXPECT_EQ(again.offers(k).product_id(), folded.offers(k).product_id());
    EXPECT_EQ(again.offers(k).score(), folded.offers(k).score());
  }
  EXPECT_EQ(Ask(known).strategy(), nbo::v1::STRATEGY_PERSONALIZED);

  // A replica bootstrapping from this server's export serves EASE too.
  nbo::v1::ExportModelRequest export_request;
  export_request.set_version(1);
  ASSERT_OK_AND_ASSIGN(
      std::vector<nbo::v1::PublishModelRequest> exported,
      services::ExportModelMessages(*models_, export_request,
                                    services::StreamCallOptions()));
  ASSERT_FALSE(exported.empty());
  EXPECT_EQ(exported[0].header().model_kind(), nbo::v1::MODEL_KIND_EASE);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> replica,
                       ServerProcess::Start(dir_.Sub("replica")));
  auto replica_models = nbo::v1::ModelService::NewStub(replica->channel());
  ASSERT_THAT(Publish(*replica_models, exported), IsOk());
  grpc::ClientContext context;
  nbo::v1::GetModelStatusResponse replica_status;
  ASSERT_TRUE(replica_models
                  ->GetModelStatus(&context, nbo::v1::GetModelStatusRequest(),
                                   &replica_status)
                  .ok());
  ASSERT_EQ(replica_status.model().versions_size(), 1);
  EXPECT_EQ(replica_status.model().versions(0).model_kind(),
            nbo::v1::MODEL_KIND_EASE);
}

TEST_F(EaseEndToEndTest, RefusesAModelKindItDoesNotKnowOverGrpc) {
  SyntheticModel::Options options;
  SyntheticModel model(options);
  std::vector<nbo::v1::PublishModelRequest> messages = model.Messages();
  messages[0].mutable_header()->set_model_kind(
      static_cast<nbo::v1::ModelKind>(7));
  EXPECT_THAT(Publish(*models_, messages),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("model kind 7 is unknown")));
  // The same stream as implicit ALS (no kind, as every older publisher
  // sends it) publishes.
  messages[0].mutable_header()->clear_model_kind();
  ASSERT_THAT(Publish(*models_, messages), IsOk());
  EXPECT_EQ(OnlyVersion().model_kind(), nbo::v1::MODEL_KIND_IMPLICIT_ALS);
}

}  // namespace
}  // namespace nbo::integration
