// Copyright (c) 2026 The nbo Authors. MIT License.

#include "tools/nboctl/cli_format.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace nbo::nboctl {
namespace {

using ::nbo::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

TEST(ParseOutcomeTest, ReadsTheThreeOutcomesInAnyCase) {
  EXPECT_EQ(*ParseOutcome("impression"), v1::FEEDBACK_OUTCOME_IMPRESSION);
  EXPECT_EQ(*ParseOutcome("Accepted"), v1::FEEDBACK_OUTCOME_ACCEPTED);
  EXPECT_EQ(*ParseOutcome("decline"), v1::FEEDBACK_OUTCOME_DECLINED);
  EXPECT_EQ(*ParseOutcome("FEEDBACK_OUTCOME_DECLINED"),
            v1::FEEDBACK_OUTCOME_DECLINED);
  EXPECT_THAT(ParseOutcome("clicked"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("impression, accepted or declined")));
  EXPECT_THAT(ParseOutcome(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseLeversTest, ReadsProductValuePairs) {
  ASSERT_OK_AND_ASSIGN(auto levers, ParseLevers(" P01=1.5, P02 = 0.5,,P03=0"));
  EXPECT_THAT(levers, ElementsAre(Pair("P01", 1.5), Pair("P02", 0.5),
                                  Pair("P03", 0.0)));
  ASSERT_OK_AND_ASSIGN(auto none, ParseLevers(""));
  EXPECT_TRUE(none.empty());
}

TEST(ParseLeversTest, RejectsMalformedNegativeAndRepeatedLevers) {
  EXPECT_THAT(ParseLevers("P01"), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("PRODUCT=VALUE")));
  EXPECT_THAT(ParseLevers("=2"), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("names no product")));
  EXPECT_THAT(ParseLevers("P01=-1"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseLevers("P01=nan"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseLevers("P01=inf"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      ParseLevers("P01=1,P01=2"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("two levers")));
}

TEST(ParseListTest, SplitsStripsAndDropsEmptyItems) {
  EXPECT_THAT(ParseList(" P01, P02,,P03 ,"), ElementsAre("P01", "P02", "P03"));
  EXPECT_TRUE(ParseList("").empty());
}

TEST(FormatTimeTest, PrintsIsoOrADashWhenUnset) {
  google::protobuf::Timestamp time;
  EXPECT_EQ(FormatTime(time), "-");
  time.set_seconds(1709287200);
  EXPECT_EQ(FormatTime(time), "2024-03-01T10:00:00Z");
}

TEST(EligibilitySummaryTest, ListsEveryRuleOrEveryone) {
  v1::EligibilityRules rules;
  EXPECT_EQ(EligibilitySummary(rules), "everyone");
  rules.set_min_age(18);
  rules.set_max_age(65);
  rules.set_min_income(15000);
  rules.add_segments("mass");
  rules.add_segments("affluent");
  rules.set_min_credit_score(620);
  rules.set_kyc_required(true);
  EXPECT_EQ(EligibilitySummary(rules),
            "age 18..65, income >= 15000, segment mass|affluent, credit "
            "score >= 620, KYC");
  v1::EligibilityRules min_only;
  min_only.set_max_age(25);
  EXPECT_EQ(EligibilitySummary(min_only), "age <= 25");
}

v1::RecommendResponse ExplainedAnswer() {
  v1::RecommendResponse response;
  response.set_customer_id("C0000042");
  response.set_model_name("default");
  response.set_model_version(3);
  response.set_strategy(v1::STRATEGY_PERSONALIZED);
  response.set_decision_id("dec-1");
  response.set_channel("branch");
  v1::Offer* offer = response.add_offers();
  offer->set_product_id("P02");
  offer->set_name("Gold Card");
  offer->set_rank(1);
  offer->set_priority(0.25);
  v1::Reason* reason = offer->add_reasons();
  reason->set_code("CONTRIBUTING_PRODUCT");
  reason->set_product_id("P01");
  reason->set_weight(0.6);
  reason = offer->add_reasons();
  reason->set_code("ELIGIBLE");
  reason->set_attribute("age");
  reason->set_detail("age 34 >= 18");
  v1::Suppression* owned = response.add_suppressions();
  owned->set_product_id("P01");
  owned->set_reason(v1::SUPPRESSION_REASON_OWNED);
  v1::Suppression* fatigued = response.add_suppressions();
  fatigued->set_product_id("P05");
  fatigued->set_reason(v1::SUPPRESSION_REASON_FATIGUED);
  fatigued->set_rule("DECLINES");
  fatigued->mutable_until()->set_seconds(1709287200);
  return response;
}

TEST(FormatRecommendationTest, ShowsOffersReasonsAndSuppressions) {
  const std::string text = FormatRecommendation(ExplainedAnswer());
  EXPECT_THAT(text, HasSubstr("customer C0000042  model default v3  "
                              "PERSONALIZED  channel branch"));
  EXPECT_THAT(text, HasSubstr("decision dec-1"));
  EXPECT_THAT(text, HasSubstr("1. P02 Gold Card  priority 0.25"));
  EXPECT_THAT(text, HasSubstr("because CONTRIBUTING_PRODUCT P01 weight 0.6"));
  EXPECT_THAT(text, HasSubstr("because ELIGIBLE age: age 34 >= 18"));
  EXPECT_THAT(text, HasSubstr("P01 OWNED\n"));
  EXPECT_THAT(text,
              HasSubstr("P05 FATIGUED DECLINES (until 2024-03-01T10:00:00Z)"));
  EXPECT_THAT(text, Not(HasSubstr("no action")));
}

TEST(FormatRecommendationTest, ShowsTheNoActionWhenNothingIsOffered) {
  v1::RecommendResponse response = ExplainedAnswer();
  response.clear_offers();
  response.mutable_no_action()->set_reason("OWNED");
  response.mutable_no_action()->set_count(7);
  response.mutable_no_action()->set_message("holds every product");
  EXPECT_THAT(FormatRecommendation(response),
              HasSubstr("no action: OWNED (7 candidates): holds every "
                        "product"));
}

TEST(FormatCustomerTest, ShowsProfileHoldingsTransactionsAndDecisions) {
  v1::GetCustomerResponse response;
  v1::CustomerProfile* profile = response.mutable_profile();
  profile->set_age(34);
  profile->set_segment("mass");
  profile->set_kyc_verified(true);
  (*profile->mutable_attributes())["region"] = "north";
  (*profile->mutable_attributes())["life_stage"] = "family";
  v1::Holding* holding = response.add_holdings();
  holding->set_product_id("P01");
  holding->mutable_since()->set_seconds(1709287200);
  v1::Transaction* t = response.add_transactions();
  t->set_product_id("P01");
  t->set_event(v1::TRANSACTION_EVENT_OPEN);
  t->set_amount(1500);
  t->set_transaction_id("L3-abc");
  v1::DecisionRecord* decision = response.add_decisions();
  decision->set_decision_id("dec-1");
  decision->set_strategy(v1::STRATEGY_FOLD_IN);
  decision->set_num_offers(3);
  decision->add_exclude_products("P04");
  *decision->mutable_offers() = ExplainedAnswer().offers();
  *decision->mutable_suppressions() = ExplainedAnswer().suppressions();
  v1::FeedbackEvent* feedback = decision->add_feedback();
  feedback->set_product_id("P02");
  feedback->set_outcome(v1::FEEDBACK_OUTCOME_ACCEPTED);
  feedback->set_channel("branch");

  const std::string text = FormatCustomer("C0000042", response);
  EXPECT_THAT(text, AllOf(HasSubstr("customer C0000042"),
                          HasSubstr("age 34, segment mass, KYC verified"),
                          HasSubstr("life_stage=family, region=north"),
                          HasSubstr("P01  since 2024-03-01T10:00:00Z"),
                          HasSubstr("P01  OPEN  1500  [L3-abc]"),
                          HasSubstr("dec-1"), HasSubstr("FOLD_IN"),
                          HasSubstr("asked for 3 offers, excluding P04"),
                          HasSubstr("1. P02 Gold Card"), HasSubstr("P01 OWNED"),
                          HasSubstr("P02  ACCEPTED  branch")));
}

TEST(FormatCustomerTest, SaysSoWhenThereIsNoProfile) {
  EXPECT_THAT(FormatCustomer("C1", v1::GetCustomerResponse()),
              HasSubstr("profile: none"));
}

TEST(CatalogTableTest, ShowsValuesLeversTypesRulesAndPolicies) {
  v1::GetCatalogResponse response;
  v1::Product* card = response.add_catalog();
  card->set_product_id("P02");
  card->set_name("Gold Card");
  card->set_category("cards");
  card->set_business_value(2.5);
  card->set_offer_type(v1::OFFER_TYPE_MANDATORY);
  card->mutable_eligibility()->set_min_age(21);
  v1::ContactPolicy* policy = card->mutable_contact_policy();
  policy->set_max_declines(2);
  policy->set_max_impressions(5);
  policy->set_suppression_days(30);
  policy->set_scope(v1::CONTACT_SCOPE_CATEGORY);
  v1::Product* plain = response.add_catalog();
  plain->set_product_id("P01");
  (*response.mutable_levers())["P02"] = 1.5;

  const auto rows = CatalogTable(response);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_THAT(
      rows[1],
      ElementsAre("P02", "Gold Card", "cards", "2.5", "1.5", "MANDATORY",
                  "age >= 21", "2 declines/5 impressions -> 30d (category)"));
  EXPECT_THAT(rows[2], ElementsAre("P01", "", "", "1", "1", "DEFAULT",
                                   "everyone", "default"));
}

TEST(ExperimentTableTest, ShowsEachArmWithItsInterval) {
  v1::GetExperimentStatsResponse response;
  response.set_confidence(0.95);
  v1::ArmStats* arm = response.add_arms();
  arm->set_arm("canary");
  arm->set_impressions(100);
  arm->set_accepted(12);
  arm->set_declined(30);
  arm->set_acceptance_rate(0.12);
  arm->set_ci_low(0.07);
  arm->set_ci_high(0.2);
  response.add_arms();
  const auto rows = ExperimentTable(response);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].back(), "CI_95%");
  EXPECT_THAT(rows[1], ElementsAre("canary", "100", "12", "30", "0.1200",
                                   "[0.0700, 0.2000]"));
  EXPECT_EQ(rows[2][0], "(no split)");
}

TEST(SimilarTableTest, RanksTheSimilarProducts) {
  v1::SimilarProductsResponse response;
  v1::SimilarProduct* p = response.add_similar();
  p->set_product_id("P03");
  p->set_similarity(0.91234);
  const auto rows = SimilarTable(response);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_THAT(rows[1], ElementsAre("1", "P03", "", "", "0.9123"));
}

}  // namespace
}  // namespace nbo::nboctl
