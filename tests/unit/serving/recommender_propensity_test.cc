// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Recommend with a version's second stage (ModelMetadata.propensity) and
// STRATEGY_PROFILE; publish validation of the model.

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/model/propensity_model.h"
#include "lib/serving/propensity_proto.h"
#include "lib/serving/recommender.h"
#include "lib/testing/status_matchers.h"
#include "tests/unit/serving/test_model.h"

namespace nbo::serving {
namespace {

using ::nbo::serving::testing::Publish;
using ::nbo::serving::testing::TestModel;
using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

// Over TestModel's P01..P06: every product -2, +0.3 per unit of score;
// students +3 on P01; a view within 7 days +1.5 on any product.
model::PropensityParams HandBuilt() {
  model::PropensityParams p;
  for (int j = 1; j <= 6; ++j) p.products.push_back("P0" + std::to_string(j));
  p.segments = {"mass", "student"};
  p.age_edges = {30};
  const model::PropensityLayout l(p);
  p.weights.assign(p.products.size() * l.dim(), 0);
  for (size_t r = 0; r < p.products.size(); ++r) {
    float* w = p.weights.data() + r * l.dim();
    w[model::PropensityLayout::kBias] = -2;
    w[model::PropensityLayout::kScore] = 0.3f;
    w[l.recency() + 1] = 1.5;
    if (r == 0) w[l.segment() + 2] = 3;
  }
  return p;
}

double Rounded(double p) { return std::round(p * 1e4) / 1e4; }

class RecommenderPropensityTest : public testing::DecisioningTest {
 protected:
  void SetUp() override {
    DecisioningTest::SetUp();
    recommender_ = std::make_unique<Recommender>(
        manager_.get(), store_.get(), customers_.get(), catalogs_.get(),
        Recommender::Options(), [] { return kNow; });
    absl::StatusOr<model::PropensityModel> m =
        model::PropensityModel::Create(HandBuilt());
    ASSERT_TRUE(m.ok()) << m.status();
    model_ = std::make_unique<model::PropensityModel>(*std::move(m));
  }

  // Publishes TestModel, with the hand-built second stage when `with`.
  absl::Status PublishVersion(bool with, int64_t version = 1) {
    TestModel test_model;
    test_model.version = version;
    std::vector<nbo::v1::PublishModelRequest> stream = test_model.Stream();
    if (with) {
      PropensityToProto(*model_, stream.front()
                                     .mutable_header()
                                     ->mutable_metadata()
                                     ->mutable_propensity());
    }
    absl::Status s = catalogs_->ApplyPublishedCatalog(
        test_model.model_name, stream.front().header().catalog());
    if (!s.ok()) return s;
    return Publish(manager_.get(), store_.get(), stream).status();
  }

  void Profile(const std::string& customer, const std::string& segment) {
    nbo::v1::CustomerProfile p;
    p.set_customer_id(customer);
    p.set_segment(segment);
    p.set_age(25);
    ASSERT_THAT(customers_->UpsertProfiles({p}), IsOk());
  }

  absl::StatusOr<nbo::v1::RecommendResponse> Ask(const std::string& customer,
                                                 int n = 6) {
    nbo::v1::RecommendRequest request;
    request.set_customer_id(customer);
    request.set_num_offers(n);
    nbo::v1::RecommendResponse response;
    absl::Status status = recommender_->Recommend(request, &response);
    if (!status.ok()) return status;
    return response;
  }

  // The model's propensity for a 25-year-old of `segment`, holding nothing.
  double Expected(const std::string& product, absl::string_view segment,
                  bool has_score, double score,
                  std::optional<int64_t> since = std::nullopt) const {
    model::CustomerInputs c;
    c.segment = segment;
    c.age = 25;
    model::PairInputs pair;
    pair.has_score = has_score;
    pair.score = score;
    pair.seconds_since_interaction = since;
    if (since.has_value()) pair.strongest = model::PairEvent::kView;
    return model_->Propensity(model_->ProductRow(product),
                              model_->EncodeCustomer(c), pair);
  }

  std::unique_ptr<model::PropensityModel> model_;
  std::unique_ptr<Recommender> recommender_;
};

TEST_F(RecommenderPropensityTest, PropensityIsTheModelsOutputForTheCustomer) {
  ASSERT_THAT(PublishVersion(true), IsOk());
  // C0000002 has factor e_1 (scores P02 = 2, P06 = 6, the rest 0).
  Profile("C0000002", "student");
  ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse r, Ask("C0000002"));
  EXPECT_EQ(r.strategy(), nbo::v1::STRATEGY_PERSONALIZED);
  ASSERT_EQ(r.offers_size(), 6);
  for (const nbo::v1::Offer& o : r.offers()) {
    EXPECT_DOUBLE_EQ(o.propensity(), Rounded(Expected(o.product_id(), "student",
                                                      true, o.score())))
        << o.product_id();
  }
  // Students' +3 on P01 beats P06's score of 6 (0.3 * 6 = 1.8).
  EXPECT_EQ(r.offers(0).product_id(), "P01");
  EXPECT_DOUBLE_EQ(r.offers(0).propensity(),
                   Rounded(1 / (1 + std::exp(-(-2 + 3.0)))));
  EXPECT_EQ(r.offers(1).product_id(), "P06");
}

TEST_F(RecommenderPropensityTest, RecentViewsRaiseTheProductsPropensity) {
  ASSERT_THAT(PublishVersion(true), IsOk());
  nbo::v1::Transaction t;
  t.set_customer_id("C0000002");
  t.set_product_id("P03");
  t.set_event(nbo::v1::TRANSACTION_EVENT_VIEW);
  // Older than the version's training data: no data_max_time label, so
  // the stored factor still serves.
  t.mutable_timestamp()->set_seconds(absl::ToUnixSeconds(kNow) - 3 * 86400);
  ASSERT_THAT(customers_->AppendTransactions({t}).status(), IsOk());
  ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse r, Ask("C0000002"));
  EXPECT_EQ(r.strategy(), nbo::v1::STRATEGY_PERSONALIZED);
  bool saw_p03 = false;
  for (const nbo::v1::Offer& o : r.offers()) {
    if (o.product_id() != "P03") continue;
    saw_p03 = true;
    // No profile: segment and age unknown.
    model::CustomerInputs c;
    model::PairInputs pair;
    pair.has_score = true;
    pair.score = o.score();
    pair.seconds_since_interaction = 3 * 86400;
    pair.strongest = model::PairEvent::kView;
    EXPECT_DOUBLE_EQ(o.propensity(), Rounded(model_->Propensity(
                                         2, model_->EncodeCustomer(c), pair)));
    EXPECT_DOUBLE_EQ(o.propensity(), Rounded(1 / (1 + std::exp(-(-2 + 1.5)))));
  }
  EXPECT_TRUE(saw_p03);
}

TEST_F(RecommenderPropensityTest,
       AProfileWithoutHistoryIsServedFromTheProfile) {
  ASSERT_THAT(PublishVersion(true), IsOk());
  Profile("N0000001", "student");
  ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse r, Ask("N0000001", 2));
  EXPECT_EQ(r.strategy(), nbo::v1::STRATEGY_PROFILE);
  ASSERT_EQ(r.offers_size(), 2);
  EXPECT_EQ(r.offers(0).product_id(), "P01");
  EXPECT_DOUBLE_EQ(r.offers(0).propensity(),
                   Rounded(Expected("P01", "student", false, 0)));
  // The rest tie at sigmoid(-2): catalog order.
  EXPECT_EQ(r.offers(1).product_id(), "P02");
  EXPECT_DOUBLE_EQ(r.offers(1).propensity(), Rounded(1 / (1 + std::exp(2.0))));

  // Without a profile: popularity, propensity from the model without score.
  ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse nobody, Ask("N0000002"));
  EXPECT_EQ(nobody.strategy(), nbo::v1::STRATEGY_POPULARITY);
  for (const nbo::v1::Offer& o : nobody.offers()) {
    EXPECT_DOUBLE_EQ(o.propensity(), Rounded(1 / (1 + std::exp(2.0))));
  }
}

TEST_F(RecommenderPropensityTest, ScoreCustomerShowsTheModelsPropensity) {
  ASSERT_THAT(PublishVersion(true), IsOk());
  Profile("C0000002", "student");
  nbo::v1::ScoreCustomerRequest request;
  request.set_customer_id("C0000002");
  nbo::v1::ScoreCustomerResponse response;
  ASSERT_THAT(recommender_->Score(request, &response), IsOk());
  ASSERT_EQ(response.scores_size(), 6);
  for (const nbo::v1::ProductScore& s : response.scores()) {
    EXPECT_DOUBLE_EQ(s.propensity(), Rounded(Expected(s.product_id(), "student",
                                                      true, s.score())))
        << s.product_id();
  }
}

TEST_F(RecommenderPropensityTest, AVersionWithoutTheModelKeepsTheOldBehaviour) {
  ASSERT_THAT(PublishVersion(false), IsOk());
  Profile("N0000001", "student");
  ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse r, Ask("N0000001"));
  EXPECT_EQ(r.strategy(), nbo::v1::STRATEGY_POPULARITY);
  ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse known, Ask("C0000002"));
  // No calibration: the raw score clamped, as before.
  EXPECT_EQ(known.offers(0).product_id(), "P06");
  EXPECT_DOUBLE_EQ(known.offers(0).propensity(), 1.0);
}

TEST_F(RecommenderPropensityTest, TheModelSurvivesARestart) {
  ASSERT_THAT(PublishVersion(true), IsOk());
  recommender_.reset();
  customers_.reset();
  catalogs_.reset();
  DecisioningTest::SetUp();
  recommender_ = std::make_unique<Recommender>(
      manager_.get(), store_.get(), customers_.get(), catalogs_.get(),
      Recommender::Options(), [] { return kNow; });
  Profile("N0000001", "student");
  ASSERT_OK_AND_ASSIGN(nbo::v1::RecommendResponse r, Ask("N0000001", 1));
  EXPECT_EQ(r.strategy(), nbo::v1::STRATEGY_PROFILE);
}

TEST_F(RecommenderPropensityTest, PublishRejectsAModelThatDoesNotFit) {
  TestModel test_model;
  auto with = [&](const std::function<void(nbo::v1::PropensityModel*)>& edit) {
    std::vector<nbo::v1::PublishModelRequest> stream = test_model.Stream();
    nbo::v1::PropensityModel* p = stream.front()
                                      .mutable_header()
                                      ->mutable_metadata()
                                      ->mutable_propensity();
    PropensityToProto(*model_, p);
    edit(p);
    return Publish(manager_.get(), store_.get(), stream).status();
  };
  EXPECT_THAT(with([](nbo::v1::PropensityModel* p) { p->add_weights(1); }),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("metadata.propensity.weights has")));
  EXPECT_THAT(with([](nbo::v1::PropensityModel* p) {
                p->set_weights(3, std::nanf(""));
              }),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("metadata.propensity.weights[3]")));
  EXPECT_THAT(
      with([](nbo::v1::PropensityModel* p) { p->set_products(5, "P99"); }),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("'P99', which is not in the catalog")));
  EXPECT_THAT(with([](nbo::v1::PropensityModel* p) { p->add_age_edges(10); }),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("metadata.propensity.age_edges[1]")));
  EXPECT_THAT(with([](nbo::v1::PropensityModel*) {}), IsOk());
}

}  // namespace
}  // namespace nbo::serving
