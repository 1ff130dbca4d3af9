// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/serving/recommender.h"

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "tests/unit/serving/test_model.h"

namespace nbo::serving {
namespace {

using ::nbo::serving::testing::Publish;
using ::nbo::serving::testing::TestModel;
using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

class RecommenderTest : public testing::DecisioningTest {
 protected:
  void SetUp() override {
    DecisioningTest::SetUp();
    recommender_ = std::make_unique<Recommender>(
        manager_.get(), store_.get(), customers_.get(), catalogs_.get(),
        Recommender::Options(), [] { return kNow; });
  }

  // Publishes model_ as nbo-server does: catalog first, then the version.
  void PublishModel() {
    std::vector<nbo::v1::PublishModelRequest> stream = model_.Stream();
    ASSERT_THAT(catalogs_->ApplyPublishedCatalog(
                    model_.model_name, stream.front().header().catalog()),
                IsOk());
    ASSERT_THAT(Publish(manager_.get(), store_.get(), stream), IsOk());
  }

  // Replaces the catalog with model_'s products, `edit` applied to each.
  void UpdateCatalog(const std::function<void(nbo::v1::Product*)>& edit) {
    nbo::v1::UpdateCatalogRequest request;
    *request.mutable_catalog() = model_.Stream().front().header().catalog();
    for (nbo::v1::Product& p : *request.mutable_catalog()) edit(&p);
    ASSERT_THAT(catalogs_->UpdateCatalog(model_.model_name, request.catalog()),
                IsOk());
  }

  absl::StatusOr<nbo::v1::RecommendResponse> Ask(
      const std::string& customer, std::optional<int> n = std::nullopt) {
    nbo::v1::RecommendRequest request;
    request.set_customer_id(customer);
    if (n.has_value()) request.set_num_offers(*n);
    return Ask(request);
  }

  absl::StatusOr<nbo::v1::RecommendResponse> Ask(
      const nbo::v1::RecommendRequest& request) {
    nbo::v1::RecommendResponse response;
    absl::Status status = recommender_->Recommend(request, &response);
    if (!status.ok()) return status;
    return response;
  }

  void Transact(const std::string& customer, const std::string& product,
                nbo::v1::TransactionEvent event, absl::Time when) {
    nbo::v1::Transaction t;
    t.set_customer_id(customer);
    t.set_product_id(product);
    t.set_event(event);
    t.mutable_timestamp()->set_seconds(absl::ToUnixSeconds(when));
    ASSERT_THAT(customers_->AppendTransactions({t}).status(), IsOk());
  }

  static std::vector<std::string> OfferIds(
      const nbo::v1::RecommendResponse& r) {
    std::vector<std::string> ids;
    for (const auto& o : r.offers()) ids.push_back(o.product_id());
    return ids;
  }

  TestModel model_;
  std::unique_ptr<Recommender> recommender_;
};

TEST_F(RecommenderTest, ScoresAKnownCustomerWithItsOwnFactors) {
  PublishModel();
  // C0000002 is e_1; products with j % 4 == 1 are P02 (score 2), P06 (6).
  ASSERT_OK_AND_ASSIGN(auto r, Ask("C0000002", 2));
  EXPECT_EQ(r.strategy(), nbo::v1::STRATEGY_PERSONALIZED);
  ASSERT_EQ(r.offers_size(), 2);
  EXPECT_EQ(r.offers(0).product_id(), "P06");
  EXPECT_EQ(r.offers(0).rank(), 1);
  EXPECT_DOUBLE_EQ(r.offers(0).score(), 6.0);
  EXPECT_DOUBLE_EQ(r.offers(0).propensity(), 1.0);  // Clamped, uncalibrated.
  EXPECT_EQ(r.offers(0).name(), "Product 6");
  EXPECT_EQ(r.offers(0).category(), "loans");
  EXPECT_EQ(r.offers(1).product_id(), "P02");
  EXPECT_EQ(r.model_name(), "nbo");
  EXPECT_EQ(r.model_version(), 1);
  EXPECT_EQ(r.customer_id(), "C0000002");
  EXPECT_EQ(r.timestamp().seconds(), 1700000000);
  EXPECT_EQ(r.decision_id().size(), 32u);
}

TEST_F(RecommenderTest, GivesUnknownCustomersThePopularityRanking) {
  PublishModel();
  ASSERT_OK_AND_ASSIGN(auto r, Ask("C9999999"));
  EXPECT_EQ(r.strategy(), nbo::v1::STRATEGY_POPULARITY);
  ASSERT_EQ(r.offers_size(), 3);  // The default.
  // Mean scores: P06 = 6*3/10 (e_1 has C2,C6,C10) is the most popular.
  EXPECT_EQ(r.offers(0).product_id(), "P06");
  for (const auto& offer : r.offers()) {
    EXPECT_GE(offer.propensity(), 0.0);
    EXPECT_LE(offer.propensity(), 1.0);
  }
}

TEST_F(RecommenderTest, GivesEveryDecisionItsOwnId) {
  PublishModel();
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK_AND_ASSIGN(auto r, Ask("C0000001"));
    ids.insert(r.decision_id());
  }
  EXPECT_EQ(ids.size(), 100u);
}

TEST_F(RecommenderTest, RejectsBadInputWithInvalidArgument) {
  PublishModel();
  EXPECT_THAT(Ask(""), StatusIs(absl::StatusCode::kInvalidArgument,
                                HasSubstr("customer_id is required")));
  EXPECT_THAT(Ask(std::string(129, 'C')),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("129 bytes; the limit is 128")));
  EXPECT_THAT(Ask(std::string(128, 'C')), IsOk());
  EXPECT_THAT(Ask("C\n1"), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("control character")));
  EXPECT_THAT(Ask("C0000001", 0),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("num_offers must be in [1, 100], got 0")));
  EXPECT_THAT(Ask("C0000001", -3),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Ask("C0000001", 101),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(auto capped, Ask("C0000001", 100));
  EXPECT_EQ(capped.offers_size(), model_.products);
}

TEST_F(RecommenderTest, IsUnavailableBeforeAnyModel) {
  EXPECT_THAT(Ask("C0000001"), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(RecommenderTest, ValidatesBatchesAsAWhole) {
  nbo::v1::BatchRecommendRequest batch;
  EXPECT_THAT(recommender_->ValidateBatch(batch),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  for (int i = 0; i < 1001; ++i) batch.add_customer_ids("C1");
  EXPECT_THAT(recommender_->ValidateBatch(batch),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1001")));
  batch.mutable_customer_ids()->RemoveLast();
  EXPECT_THAT(recommender_->ValidateBatch(batch), IsOk());
  batch.set_num_offers(0);
  EXPECT_THAT(recommender_->ValidateBatch(batch),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(RecommenderTest, NeverOffersAProductTheCustomerHolds) {
  PublishModel();
  // C0000002's best products are P06 then P02.
  Transact("C0000002", "P06", nbo::v1::TRANSACTION_EVENT_OPEN,
           kNow - absl::Hours(1));
  ASSERT_OK_AND_ASSIGN(auto r, Ask("C0000002", 1));
  EXPECT_THAT(OfferIds(r), ElementsAre("P02"));
  ASSERT_GE(r.suppressions_size(), 1);
  EXPECT_EQ(r.suppressions(0).product_id(), "P06");
  EXPECT_EQ(r.suppressions(0).reason(), nbo::v1::SUPPRESSION_REASON_OWNED);

  // Closing the account makes it offerable again.
  Transact("C0000002", "P06", nbo::v1::TRANSACTION_EVENT_CLOSE,
           kNow - absl::Minutes(30));
  ASSERT_OK_AND_ASSIGN(auto after, Ask("C0000002", 1));
  EXPECT_EQ(after.offers(0).product_id(), "P06");
}

TEST_F(RecommenderTest, EligibilityRulesComeFromTheCatalogAndNameTheRule) {
  PublishModel();
  UpdateCatalog([](nbo::v1::Product* p) {
    if (p->product_id() == "P06") p->mutable_eligibility()->set_min_age(18);
  });
  // No profile: the age is unknown, so MIN_AGE fails.
  ASSERT_OK_AND_ASSIGN(auto r, Ask("C0000002", 1));
  EXPECT_THAT(OfferIds(r), ElementsAre("P02"));
  EXPECT_EQ(r.suppressions(0).reason(), nbo::v1::SUPPRESSION_REASON_INELIGIBLE);
  EXPECT_EQ(r.suppressions(0).rule(), "MIN_AGE");
  // The sentence for people comes only with explain; the log keeps codes.
  EXPECT_EQ(r.suppressions(0).detail(), "");
  nbo::v1::RecommendRequest why;
  why.set_customer_id("C0000002");
  why.set_num_offers(1);
  why.set_explain(true);
  ASSERT_OK_AND_ASSIGN(auto explained_no, Ask(why));
  EXPECT_THAT(explained_no.suppressions(0).detail(), HasSubstr("unknown"));
  EXPECT_EQ(r.catalog_revision(), 2);

  nbo::v1::CustomerProfile adult;
  adult.set_customer_id("C0000002");
  adult.set_age(30);
  ASSERT_THAT(customers_->UpsertProfiles({adult}), IsOk());
  nbo::v1::RecommendRequest request;
  request.set_customer_id("C0000002");
  request.set_num_offers(1);
  request.set_explain(true);
  ASSERT_OK_AND_ASSIGN(auto explained, Ask(request));
  ASSERT_THAT(OfferIds(explained), ElementsAre("P06"));
  bool eligible_reason = false;
  for (const auto& reason : explained.offers(0).reasons()) {
    if (reason.code() == "ELIGIBLE") {
      eligible_reason = true;
      EXPECT_EQ(reason.attribute(), "age");
      EXPECT_EQ(reason.detail(), "age 30 >= 18");
    }
  }
  EXPECT_TRUE(eligible_reason);
}

// A caller without the right to read personal data gets the rules without
// the customer's values: in the reasons of an offer and in the suppressions.
TEST_F(RecommenderTest, WithoutRevealExplanationsLeaveTheCustomersValuesOut) {
  PublishModel();
  UpdateCatalog([](nbo::v1::Product* p) {
    if (p->product_id() == "P06") p->mutable_eligibility()->set_min_age(18);
    if (p->product_id() == "P02") p->mutable_eligibility()->set_max_age(25);
  });
  nbo::v1::CustomerProfile adult;
  adult.set_customer_id("C0000002");
  adult.set_age(30);
  ASSERT_THAT(customers_->UpsertProfiles({adult}), IsOk());
  nbo::v1::RecommendRequest request;
  request.set_customer_id("C0000002");
  request.set_num_offers(1);
  request.set_explain(true);
  for (const bool reveal : {true, false}) {
    nbo::v1::RecommendResponse response;
    ASSERT_THAT(recommender_->Recommend(request, &response, reveal), IsOk());
    ASSERT_THAT(OfferIds(response), ElementsAre("P06"));
    std::string eligible;
    for (const auto& reason : response.offers(0).reasons()) {
      if (reason.code() == "ELIGIBLE") eligible = reason.detail();
    }
    EXPECT_EQ(eligible, reveal ? "age 30 >= 18" : "age >= 18");
    std::string too_old;
    for (const auto& s : response.suppressions()) {
      if (s.product_id() == "P02") too_old = s.detail();
    }
    EXPECT_EQ(too_old, reveal ? "age 30 > MAX_AGE 25" : "age > MAX_AGE 25");
  }
}

TEST_F(RecommenderTest, DeclinesFatigueAProductThroughFeedback) {
  PublishModel();
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK_AND_ASSIGN(auto r, Ask("C0000002", 1));
    ASSERT_EQ(r.offers(0).product_id(), "P06");
    nbo::v1::FeedbackEvent event;
    event.set_product_id("P06");
    event.set_outcome(nbo::v1::FEEDBACK_OUTCOME_DECLINED);
    event.mutable_timestamp()->set_seconds(absl::ToUnixSeconds(kNow) - 60);
    ASSERT_THAT(
        customers_->RecordFeedback("C0000002", r.decision_id(), event).status(),
        IsOk());
  }
  // Two declines (the default N) suppress P06 for 30 days.
  ASSERT_OK_AND_ASSIGN(auto r, Ask("C0000002", 1));
  EXPECT_THAT(OfferIds(r), ElementsAre("P02"));
  EXPECT_EQ(r.suppressions(0).reason(), nbo::v1::SUPPRESSION_REASON_FATIGUED);
  EXPECT_EQ(r.suppressions(0).rule(), "DECLINES");
  EXPECT_EQ(r.suppressions(0).until().seconds(),
            absl::ToUnixSeconds(kNow) - 60 + 30 * 86400);
}

TEST_F(RecommenderTest, SaysWhyWhenNothingCanBeOffered) {
  PublishModel();
  nbo::v1::RecommendRequest request;
  request.set_customer_id("C0000001");
  for (int j = 0; j < model_.products; ++j) {
    request.add_exclude_products(model_.ProductId(j));
  }
  ASSERT_OK_AND_ASSIGN(auto r, Ask(request));
  EXPECT_EQ(r.offers_size(), 0);
  EXPECT_EQ(r.no_action().reason(), "FILTERED_BY_REQUEST");
  EXPECT_EQ(r.no_action().count(), model_.products);
  EXPECT_EQ(r.suppressions_size(), model_.products);
  for (const auto& s : r.suppressions()) {
    EXPECT_EQ(s.reason(), nbo::v1::SUPPRESSION_REASON_FILTERED_BY_REQUEST);
  }
}

TEST_F(RecommenderTest, MandatoryOffersComeFirstAndLeversReorder) {
  PublishModel();
  UpdateCatalog([](nbo::v1::Product* p) {
    if (p->product_id() == "P02") {
      p->set_offer_type(nbo::v1::OFFER_TYPE_MANDATORY);
    }
  });
  ASSERT_OK_AND_ASSIGN(auto r, Ask("C0000002", 2));
  EXPECT_THAT(OfferIds(r), ElementsAre("P02", "P06"));
  EXPECT_EQ(r.offers(0).offer_type(), nbo::v1::OFFER_TYPE_MANDATORY);

  // Priority is propensity x business value x lever. P06 and P02 both have
  // propensity 1 here (uncalibrated scores 6 and 2, clamped), so the model's
  // order decides a tie; a lever of 2 on P02 breaks it.
  UpdateCatalog([](nbo::v1::Product*) {});
  ASSERT_OK_AND_ASSIGN(auto tie, Ask("C0000002", 2));
  EXPECT_THAT(OfferIds(tie), ElementsAre("P06", "P02"));
  google::protobuf::Map<std::string, double> levers;
  levers["P02"] = 2.0;
  ASSERT_THAT(catalogs_->SetLevers("nbo", levers), IsOk());
  ASSERT_OK_AND_ASSIGN(auto leveled, Ask("C0000002", 2));
  EXPECT_THAT(OfferIds(leveled), ElementsAre("P02", "P06"));
  EXPECT_DOUBLE_EQ(leveled.offers(0).priority(), 2.0);
  EXPECT_DOUBLE_EQ(leveled.offers(1).priority(), 1.0);
  levers["P99"] = 1.0;
  EXPECT_THAT(catalogs_->SetLevers("nbo", levers),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("P99")));
}

TEST_F(RecommenderTest, FoldsInACustomerTheModelDoesNotKnow) {
  PublishModel();
  // A new customer whose only activity is P05 (e_0 direction).
  Transact("N0000001", "P05", nbo::v1::TRANSACTION_EVENT_VIEW,
           kNow - absl::Hours(2));
  nbo::v1::RecommendRequest request;
  request.set_customer_id("N0000001");
  request.set_num_offers(2);
  request.set_explain(true);
  ASSERT_OK_AND_ASSIGN(auto r, Ask(request));
  EXPECT_EQ(r.strategy(), nbo::v1::STRATEGY_FOLD_IN);
  // Solved against e_0-direction interest: P05 and P01 score, the rest 0.
  EXPECT_THAT(OfferIds(r), ElementsAre("P05", "P01"));
  bool names_p05 = false;
  for (const auto& reason : r.offers(0).reasons()) {
    if (reason.code() == "CONTRIBUTING_PRODUCT") {
      EXPECT_EQ(reason.product_id(), "P05");
      EXPECT_GT(reason.weight(), 0);
      names_p05 = true;
    }
  }
  EXPECT_TRUE(names_p05);
  // A customer with nothing at all gets popularity.
  ASSERT_OK_AND_ASSIGN(auto nobody, Ask("N0000002"));
  EXPECT_EQ(nobody.strategy(), nbo::v1::STRATEGY_POPULARITY);
}

TEST_F(RecommenderTest, MalformedFoldInLabelsAreTheVersionsFaultNotTheClients) {
  std::vector<nbo::v1::PublishModelRequest> stream = model_.Stream();
  (*stream.front()
        .mutable_header()
        ->mutable_metadata()
        ->mutable_labels())["alpha"] = "lots";
  ASSERT_THAT(catalogs_->ApplyPublishedCatalog(
                  model_.model_name, stream.front().header().catalog()),
              IsOk());
  ASSERT_THAT(Publish(manager_.get(), store_.get(), stream), IsOk());
  // Without transactions the labels are not needed.
  EXPECT_THAT(Ask("C0000002"), IsOk());
  Transact("N0000001", "P05", nbo::v1::TRANSACTION_EVENT_VIEW,
           kNow - absl::Hours(2));
  EXPECT_THAT(Ask("N0000001"),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("alpha")));
}

TEST_F(RecommenderTest, LogsEveryDecisionWithItsInputsAndSuppressions) {
  PublishModel();
  Transact("C0000002", "P06", nbo::v1::TRANSACTION_EVENT_OPEN,
           kNow - absl::Hours(1));
  nbo::v1::RecommendRequest request;
  request.set_customer_id("C0000002");
  request.set_num_offers(1);
  request.set_channel("branch");
  request.add_exclude_products("P04");
  ASSERT_OK_AND_ASSIGN(auto r, Ask(request));
  ASSERT_OK_AND_ASSIGN(auto logged, customers_->RecentDecisions("C0000002", 5));
  ASSERT_EQ(logged.size(), 1u);
  const nbo::v1::DecisionRecord& d = logged[0];
  EXPECT_EQ(d.decision_id(), r.decision_id());
  EXPECT_EQ(d.model_name(), "nbo");
  EXPECT_EQ(d.model_version(), 1);
  EXPECT_EQ(d.channel(), "branch");
  EXPECT_EQ(d.num_offers(), 1);
  EXPECT_THAT(d.exclude_products(), ElementsAre("P04"));
  ASSERT_EQ(d.offers_size(), 1);
  EXPECT_EQ(d.offers(0).product_id(), "P02");
  EXPECT_EQ(d.suppressions_size(), r.suppressions_size());
  EXPECT_EQ(d.strategy(), nbo::v1::STRATEGY_PERSONALIZED);
}

TEST_F(RecommenderTest, RejectsBadChannelsAndExclusions) {
  PublishModel();
  nbo::v1::RecommendRequest request;
  request.set_customer_id("C0000001");
  request.set_channel("Mobile App");
  EXPECT_THAT(Ask(request), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("channel")));
  request.set_channel("mobile");
  request.add_exclude_products("");
  EXPECT_THAT(Ask(request), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("exclude_products is empty")));
}

TEST_F(RecommenderTest, ScoreIsBareScoringWithoutRulesOrLog) {
  PublishModel();
  Transact("C0000002", "P06", nbo::v1::TRANSACTION_EVENT_OPEN,
           kNow - absl::Hours(1));
  nbo::v1::ScoreCustomerRequest request;
  request.set_customer_id("C0000002");
  request.set_num_products(2);
  nbo::v1::ScoreCustomerResponse response;
  ASSERT_THAT(recommender_->Score(request, &response), IsOk());
  ASSERT_EQ(response.scores_size(), 2);
  EXPECT_EQ(response.scores(0).product_id(), "P06");  // Held, still scored.
  EXPECT_DOUBLE_EQ(response.scores(0).score(), 6.0);
  ASSERT_OK_AND_ASSIGN(auto logged, customers_->RecentDecisions("C0000002", 5));
  EXPECT_TRUE(logged.empty());
}

TEST_F(RecommenderTest, SimilarProductsByCosine) {
  PublishModel();
  nbo::v1::SimilarProductsRequest request;
  request.set_product_id("P01");
  request.set_k(2);
  nbo::v1::SimilarProductsResponse response;
  ASSERT_THAT(recommender_->Similar(request, &response), IsOk());
  ASSERT_GE(response.similar_size(), 1);
  // P05 is P01's direction (e_0) scaled: cosine 1.
  EXPECT_EQ(response.similar(0).product_id(), "P05");
  EXPECT_DOUBLE_EQ(response.similar(0).similarity(), 1.0);
  request.set_product_id("P99");
  EXPECT_THAT(recommender_->Similar(request, &response),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace nbo::serving
