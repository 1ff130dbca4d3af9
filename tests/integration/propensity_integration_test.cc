// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The second stage end to end with the real nbo-server over gRPC: publish
// validation of ModelMetadata.propensity with exact codes, propensities
// from the model, STRATEGY_PROFILE for an ingested profile without
// transactions, and ExportModel sending the model back.

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "lib/model/propensity_model.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "nbo/v1/ingest_service.grpc.pb.h"
#include "tests/integration/server_process.h"
#include "tests/integration/test_model.h"

namespace nbo::integration {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;

constexpr int kProducts = 12;

SyntheticModel Model(int64_t version) {
  SyntheticModel::Options options;
  options.version = version;
  options.customers = 50;
  options.products = kProducts;
  options.rank = 8;
  return SyntheticModel(options);
}

// Over P01..P12: every product -2 and +0.3 per unit of score; students +3
// on P05. Its width from lib/model's layout, the one encoding.
nbo::v1::PropensityModel HandBuilt() {
  model::PropensityParams params;
  for (int j = 0; j < kProducts; ++j) {
    params.products.push_back(SyntheticModel::ProductId(j));
  }
  params.segments = {"mass", "student"};
  const model::PropensityLayout layout(params);
  nbo::v1::PropensityModel proto;
  for (const std::string& p : params.products) proto.add_products(p);
  for (const std::string& s : params.segments) proto.add_segments(s);
  for (int j = 0; j < kProducts; ++j) {
    for (int32_t f = 0; f < layout.dim(); ++f) {
      float w = 0;
      if (f == model::PropensityLayout::kBias) w = -2;
      if (f == model::PropensityLayout::kScore) w = 0.3f;
      if (j == 4 && f == layout.segment() + 2) w = 3;
      proto.add_weights(w);
    }
  }
  return proto;
}

double Rounded(double p) { return std::round(p * 1e4) / 1e4; }

std::vector<nbo::v1::PublishModelRequest> WithPropensity(
    int64_t version, const nbo::v1::PropensityModel& propensity) {
  std::vector<nbo::v1::PublishModelRequest> messages =
      Model(version).Messages();
  *messages.front().mutable_header()->mutable_metadata()->mutable_propensity() =
      propensity;
  return messages;
}

class PropensityIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(server_, ServerProcess::Start(dir_.Sub("data"), {}));
    nbo_ = nbo::v1::NBOService::NewStub(server_->channel());
    models_ = nbo::v1::ModelService::NewStub(server_->channel());
    ingest_ = nbo::v1::IngestService::NewStub(server_->channel());
  }

  nbo::testing::TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<nbo::v1::NBOService::Stub> nbo_;
  std::unique_ptr<nbo::v1::ModelService::Stub> models_;
  std::unique_ptr<nbo::v1::IngestService::Stub> ingest_;
};

TEST_F(PropensityIntegrationTest, PublishRejectsABadModelNamingWhatIsWrong) {
  nbo::v1::PropensityModel short_weights = HandBuilt();
  short_weights.mutable_weights()->RemoveLast();
  EXPECT_THAT(Publish(*models_, WithPropensity(1, short_weights)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("metadata.propensity.weights has")));
  nbo::v1::PropensityModel infinite = HandBuilt();
  infinite.set_weights(7, INFINITY);
  EXPECT_THAT(Publish(*models_, WithPropensity(1, infinite)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("metadata.propensity.weights[7]")));
  nbo::v1::PropensityModel unknown = HandBuilt();
  unknown.set_products(11, "P99");
  EXPECT_THAT(Publish(*models_, WithPropensity(1, unknown)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'P99', which is not in the catalog")));
  nbo::v1::PropensityModel missing = HandBuilt();
  const int dim = missing.weights_size() / kProducts;
  missing.mutable_products()->RemoveLast();
  missing.mutable_weights()->Truncate(missing.weights_size() - dim);
  EXPECT_THAT(Publish(*models_, WithPropensity(1, missing)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("lacks catalog product 'P12'")));
  // Nothing was left behind: version 1 publishes.
  EXPECT_THAT(Publish(*models_, WithPropensity(1, HandBuilt())), IsOk());
}

TEST_F(PropensityIntegrationTest, ServesTheModelsPropensityAndProfileStrategy) {
  const SyntheticModel model = Model(1);
  ASSERT_THAT(Publish(*models_, WithPropensity(1, HandBuilt())), IsOk());

  // A known customer without a profile: sigmoid(-2 + 0.3 * score).
  ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse known,
                       Recommend(*nbo_, "C0000001", 3));
  EXPECT_EQ(known.strategy(), nbo::v1::STRATEGY_PERSONALIZED);
  ASSERT_EQ(known.offers_size(), 3);
  for (const nbo::v1::Offer& o : known.offers()) {
    EXPECT_DOUBLE_EQ(o.propensity(),
                     Rounded(1 / (1 + std::exp(-(-2 + 0.3 * o.score())))))
        << o.product_id();
  }

  // A student the bank told nbo about, with no transactions.
  nbo::v1::UpsertCustomersRequest profiles;
  nbo::v1::CustomerProfile* p = profiles.add_customers();
  p->set_customer_id("N0000001");
  p->set_segment("student");
  p->set_age(22);
  ASSERT_THAT(
      Unary(*ingest_, &nbo::v1::IngestService::Stub::UpsertCustomers, profiles)
          .status(),
      IsOk());
  ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse student,
                       Recommend(*nbo_, "N0000001", 2));
  EXPECT_EQ(student.strategy(), nbo::v1::STRATEGY_PROFILE);
  ASSERT_EQ(student.offers_size(), 2);
  EXPECT_EQ(student.offers(0).product_id(), "P05");
  EXPECT_DOUBLE_EQ(student.offers(0).propensity(),
                   Rounded(1 / (1 + std::exp(-1.0))));
  EXPECT_DOUBLE_EQ(student.offers(1).propensity(),
                   Rounded(1 / (1 + std::exp(2.0))));

  // Nobody at all: popularity, as before.
  ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse nobody,
                       Recommend(*nbo_, "N0000002", 2));
  EXPECT_EQ(nobody.strategy(), nbo::v1::STRATEGY_POPULARITY);

  // ExportModel sends the model with the version.
  grpc::ClientContext context;
  nbo::v1::ExportModelRequest request;
  request.set_version(1);
  std::unique_ptr<grpc::ClientReader<nbo::v1::PublishModelRequest>> reader =
      models_->ExportModel(&context, request);
  nbo::v1::PublishModelRequest first;
  ASSERT_TRUE(reader->Read(&first));
  EXPECT_EQ(first.header().metadata().propensity().SerializeAsString(),
            HandBuilt().SerializeAsString());
  context.TryCancel();
  (void)reader->Finish();  // Cancelled on purpose: only the header matters.
}

}  // namespace
}  // namespace nbo::integration
