// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/decision/decision_engine.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace nbo::decision {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

ProductRule Product(std::string id, double business_value = 1.0,
                    OfferType type = OfferType::kDefault) {
  ProductRule rule;
  rule.product_id = std::move(id);
  rule.business_value = business_value;
  rule.offer_type = type;
  return rule;
}

std::unique_ptr<DecisionEngine> MakeEngine(std::vector<ProductRule> catalog,
                                           DecisionEngineOptions options = {}) {
  auto engine = DecisionEngine::Create(std::move(catalog), std::move(options));
  EXPECT_THAT(engine, IsOk());
  return engine.ok() ? *std::move(engine) : nullptr;
}

DecisionRequest Request(std::vector<ScoredCandidate> candidates,
                        int num_offers = 3) {
  DecisionRequest request;
  request.candidates = std::move(candidates);
  request.num_offers = num_offers;
  request.now = kNow;
  return request;
}

std::vector<std::string> OfferIds(const Decision& d) {
  std::vector<std::string> ids;
  for (const Offer& o : d.offers) ids.emplace_back(o.product_id);
  return ids;
}

// The only suppression of `d`.
const Suppression& Only(const Decision& d) {
  EXPECT_EQ(d.suppressions.size(), 1u);
  return d.suppressions.front();
}
// The reference would outlive a temporary decision (ASan found three tests
// reading freed memory this way): keep the decision in a variable.
const Suppression& Only(Decision&& d) = delete;

// Decides for one candidate `P` with `rules` and `customer`.
Decision DecideOne(EligibilityRules rules, CustomerProfile customer) {
  ProductRule p = Product("P");
  p.eligibility = std::move(rules);
  auto engine = MakeEngine({p});
  DecisionRequest request = Request({{"P", 0.5}});
  request.customer = std::move(customer);
  auto decision = engine->Decide(request);
  EXPECT_THAT(decision, IsOk());
  return *std::move(decision);
}

struct RuleCase {
  EligibilityRules rules;
  CustomerProfile pass;
  CustomerProfile fail;
  CustomerProfile unknown;
  EligibilityRule rule;
  std::string name;
};

std::vector<RuleCase> RuleCases() {
  std::vector<RuleCase> cases;
  {
    RuleCase c;
    c.rules.min_age = 18;
    c.pass.age = 18;
    c.fail.age = 17;
    c.rule = EligibilityRule::kMinAge;
    c.name = "MIN_AGE";
    cases.push_back(c);
  }
  {
    RuleCase c;
    c.rules.max_age = 30;
    c.pass.age = 30;
    c.fail.age = 31;
    c.rule = EligibilityRule::kMaxAge;
    c.name = "MAX_AGE";
    cases.push_back(c);
  }
  {
    RuleCase c;
    c.rules.min_income = 15000;
    c.pass.income = 15000;
    c.fail.income = 14999.5;
    c.rule = EligibilityRule::kMinIncome;
    c.name = "MIN_INCOME";
    cases.push_back(c);
  }
  {
    RuleCase c;
    c.rules.segments = {"mass", "affluent"};
    c.pass.segment = "affluent";
    c.fail.segment = "student";
    c.rule = EligibilityRule::kSegment;
    c.name = "SEGMENT";
    cases.push_back(c);
  }
  {
    RuleCase c;
    c.rules.min_credit_score = 620;
    c.pass.credit_score = 620;
    c.fail.credit_score = 619;
    c.rule = EligibilityRule::kMinCreditScore;
    c.name = "MIN_CREDIT_SCORE";
    cases.push_back(c);
  }
  {
    RuleCase c;
    c.rules.kyc_required = true;
    c.pass.kyc_verified = true;
    c.fail.kyc_verified = false;
    c.rule = EligibilityRule::kKyc;
    c.name = "KYC";
    cases.push_back(c);
  }
  return cases;
}

TEST(DecisionEngineTest, EachEligibilityRuleAdmitsAtItsBoundAndRejectsPastIt) {
  for (const RuleCase& c : RuleCases()) {
    SCOPED_TRACE(c.name);
    Decision passed = DecideOne(c.rules, c.pass);
    EXPECT_THAT(OfferIds(passed), ElementsAre("P"));
    EXPECT_THAT(passed.suppressions, IsEmpty());

    Decision failed = DecideOne(c.rules, c.fail);
    EXPECT_THAT(failed.offers, IsEmpty());
    const Suppression& s = Only(failed);
    EXPECT_EQ(s.product_id, "P");
    EXPECT_EQ(s.reason, SuppressionReason::kIneligible);
    ASSERT_TRUE(s.rule.has_value());
    EXPECT_EQ(*s.rule, c.rule);
    EXPECT_EQ(EligibilityRuleName(*s.rule), c.name);
    EXPECT_FALSE(s.attribute_unknown);
    EXPECT_THAT(s.detail, HasSubstr(c.name));
  }
}

TEST(DecisionEngineTest, UnknownAttributeFailsTheRuleThatNeedsItAndSaysSo) {
  for (const RuleCase& c : RuleCases()) {
    SCOPED_TRACE(c.name);
    Decision failed = DecideOne(c.rules, c.unknown);
    const Suppression& s = Only(failed);
    EXPECT_EQ(s.reason, SuppressionReason::kIneligible);
    ASSERT_TRUE(s.rule.has_value());
    EXPECT_EQ(*s.rule, c.rule);
    EXPECT_TRUE(s.attribute_unknown);
    EXPECT_THAT(s.detail, HasSubstr("unknown"));
  }
}

TEST(DecisionEngineTest, UnknownAttributesPassWhenNoRuleNeedsThem) {
  Decision d = DecideOne(EligibilityRules{}, CustomerProfile{});
  EXPECT_THAT(OfferIds(d), ElementsAre("P"));
}

TEST(DecisionEngineTest, ReportsTheFirstFailingRuleInRuleOrder) {
  EligibilityRules rules;
  rules.min_age = 18;
  rules.min_credit_score = 700;
  rules.kyc_required = true;
  CustomerProfile customer;
  customer.age = 25;
  customer.credit_score = 500;
  customer.kyc_verified = false;
  const Decision d = DecideOne(rules, customer);
  const Suppression& s = Only(d);
  EXPECT_EQ(*s.rule, EligibilityRule::kMinCreditScore);
}

TEST(DecisionEngineTest, OwnedProductIsNeverOffered) {
  auto engine = MakeEngine({Product("P1"), Product("P2")});
  DecisionRequest request = Request({{"P1", 0.9}, {"P2", 0.1}});
  request.holdings = {"P1"};
  ASSERT_OK_AND_ASSIGN(Decision d, engine->Decide(request));
  EXPECT_THAT(OfferIds(d), ElementsAre("P2"));
  const Suppression& s = Only(d);
  EXPECT_EQ(s.product_id, "P1");
  EXPECT_EQ(s.reason, SuppressionReason::kOwned);
  EXPECT_EQ(SuppressionReasonName(s.reason), "OWNED");
  EXPECT_FALSE(d.no_action.has_value());
}

TEST(DecisionEngineTest, IneligibleWinsOverOwnedBecauseItComesFirst) {
  ProductRule p = Product("P");
  p.eligibility.min_age = 18;
  auto engine = MakeEngine({p});
  DecisionRequest request = Request({{"P", 0.5}});
  request.holdings = {"P"};
  request.customer.age = 10;
  ASSERT_OK_AND_ASSIGN(Decision d, engine->Decide(request));
  EXPECT_EQ(Only(d).reason, SuppressionReason::kIneligible);
}

TEST(DecisionEngineTest, RequestFilterSuppressesExcludedProducts) {
  auto engine = MakeEngine({Product("P1"), Product("P2")});
  DecisionRequest request = Request({{"P1", 0.9}, {"P2", 0.1}});
  request.excluded_products = {"P1", "P9"};
  ASSERT_OK_AND_ASSIGN(Decision d, engine->Decide(request));
  EXPECT_THAT(OfferIds(d), ElementsAre("P2"));
  EXPECT_EQ(Only(d).product_id, "P1");
  EXPECT_EQ(Only(d).reason, SuppressionReason::kFilteredByRequest);
  EXPECT_EQ(SuppressionReasonName(Only(d).reason), "FILTERED_BY_REQUEST");
}

TEST(DecisionEngineTest, CandidateMissingFromCatalogIsSuppressedNotAnError) {
  auto engine = MakeEngine({Product("P1")});
  ASSERT_OK_AND_ASSIGN(Decision d,
                       engine->Decide(Request({{"P1", 0.2}, {"PX", 0.9}})));
  EXPECT_THAT(OfferIds(d), ElementsAre("P1"));
  EXPECT_EQ(Only(d).product_id, "PX");
  EXPECT_EQ(Only(d).reason, SuppressionReason::kNotInCatalog);
}

TEST(DecisionEngineTest, PriorityIsPropensityTimesBusinessValueTimesLever) {
  // P1: 0.5 * 2.0 * 1.0 = 1.0; P2: 0.8 * 1.0 * 1.5 = 1.2;
  // P3: 0.9 * 0.5 * 1.0 = 0.45; P4: 0.6 * 3.0 * 0.25 = 0.45 (tie with P3,
  // smaller id first).
  auto engine = MakeEngine({Product("P1", 2.0), Product("P2", 1.0),
                            Product("P3", 0.5), Product("P4", 3.0)});
  DecisionRequest request =
      Request({{"P1", 0.5}, {"P2", 0.8}, {"P3", 0.9}, {"P4", 0.6}}, 3);
  ASSERT_OK_AND_ASSIGN(request.levers,
                       Levers::Create({{"P2", 1.5}, {"P4", 0.25}}));
  ASSERT_OK_AND_ASSIGN(Decision d, engine->Decide(request));
  ASSERT_EQ(d.offers.size(), 3u);
  EXPECT_EQ(d.offers[0].product_id, "P2");
  EXPECT_DOUBLE_EQ(d.offers[0].priority, 1.2);
  EXPECT_DOUBLE_EQ(d.offers[0].propensity, 0.8);
  EXPECT_EQ(d.offers[0].rank, 1);
  EXPECT_EQ(d.offers[1].product_id, "P1");
  EXPECT_DOUBLE_EQ(d.offers[1].priority, 1.0);
  EXPECT_EQ(d.offers[1].rank, 2);
  EXPECT_EQ(d.offers[2].product_id, "P3");
  EXPECT_DOUBLE_EQ(d.offers[2].priority, 0.45);
  EXPECT_EQ(d.offers[2].rank, 3);
  const Suppression& s = Only(d);
  EXPECT_EQ(s.product_id, "P4");
  EXPECT_EQ(s.reason, SuppressionReason::kBelowTopN);
  EXPECT_EQ(SuppressionReasonName(s.reason), "BELOW_TOP_N");
}

TEST(DecisionEngineTest, NullLeversMeanEveryLeverIsOne) {
  auto engine = MakeEngine({Product("P1", 2.0)});
  ASSERT_OK_AND_ASSIGN(Decision d, engine->Decide(Request({{"P1", 0.25}})));
  ASSERT_EQ(d.offers.size(), 1u);
  EXPECT_DOUBLE_EQ(d.offers[0].priority, 0.5);
}

TEST(DecisionEngineTest, MandatoryOffersComeFirstInPriorityOrder) {
  // Priorities: D1 0.9, M1 0.1, M2 0.3, T1 0.5, D2 0.2.
  auto engine = MakeEngine({Product("D1"), Product("D2"),
                            Product("M1", 1.0, OfferType::kMandatory),
                            Product("M2", 1.0, OfferType::kMandatory),
                            Product("T1", 1.0, OfferType::kTransactional)});
  ASSERT_OK_AND_ASSIGN(
      Decision d,
      engine->Decide(Request(
          {{"D1", 0.9}, {"M1", 0.1}, {"M2", 0.3}, {"T1", 0.5}, {"D2", 0.2}},
          4)));
  EXPECT_THAT(OfferIds(d), ElementsAre("M2", "M1", "D1", "T1"));
  EXPECT_EQ(d.offers[0].offer_type, OfferType::kMandatory);
  EXPECT_EQ(d.offers[3].offer_type, OfferType::kTransactional);
  EXPECT_EQ(d.offers[3].rank, 4);
  EXPECT_EQ(Only(d).product_id, "D2");
  EXPECT_EQ(Only(d).reason, SuppressionReason::kBelowTopN);
}

TEST(DecisionEngineTest, MandatoryOfferStillNeedsEligibility) {
  ProductRule m = Product("M", 1.0, OfferType::kMandatory);
  m.eligibility.kyc_required = true;
  auto engine = MakeEngine({m, Product("D")});
  ASSERT_OK_AND_ASSIGN(Decision d,
                       engine->Decide(Request({{"M", 0.9}, {"D", 0.1}}, 1)));
  EXPECT_THAT(OfferIds(d), ElementsAre("D"));
  EXPECT_EQ(*Only(d).rule, EligibilityRule::kKyc);
}

TEST(DecisionEngineTest, SuppressionsFollowCandidateOrder) {
  auto engine = MakeEngine({Product("A"), Product("B"), Product("C")});
  DecisionRequest request = Request({{"C", 0.1}, {"A", 0.9}, {"B", 0.5}}, 1);
  request.holdings = {"C"};
  ASSERT_OK_AND_ASSIGN(Decision d, engine->Decide(request));
  EXPECT_THAT(OfferIds(d), ElementsAre("A"));
  ASSERT_EQ(d.suppressions.size(), 2u);
  EXPECT_EQ(d.suppressions[0].product_id, "C");
  EXPECT_EQ(d.suppressions[0].reason, SuppressionReason::kOwned);
  EXPECT_EQ(d.suppressions[1].product_id, "B");
  EXPECT_EQ(d.suppressions[1].reason, SuppressionReason::kBelowTopN);
}

// Contact policy: 2 declines or 3 impressions suppress for 10 days.
DecisionEngineOptions FatigueOptions() {
  DecisionEngineOptions options;
  options.contact_policy.max_declines = 2;
  options.contact_policy.max_impressions = 3;
  options.contact_policy.suppression_days = 10;
  return options;
}

Decision DecideWithContacts(ProductContacts contacts, absl::Time now,
                            DecisionEngineOptions options = FatigueOptions()) {
  auto engine = MakeEngine({Product("P")}, std::move(options));
  DecisionRequest request = Request({{"P", 0.5}});
  request.contacts["P"] = std::move(contacts);
  request.now = now;
  auto d = engine->Decide(request);
  EXPECT_THAT(d, IsOk());
  return *std::move(d);
}

TEST(DecisionEngineTest,
     DeclinesFatigueUntilExactlyDDaysAfterTheNthMostRecent) {
  const absl::Time t0 = kNow;
  // The 2nd most recent decline is t0 - 1 day, so the suppression ends
  // 10 days after it.
  ProductContacts contacts;
  contacts.declines = {t0, t0 - absl::Hours(24)};
  const absl::Time until = t0 - absl::Hours(24) + absl::Hours(24 * 10);

  Decision during = DecideWithContacts(contacts, until - absl::Seconds(1));
  EXPECT_THAT(during.offers, IsEmpty());
  const Suppression& s = Only(during);
  EXPECT_EQ(s.reason, SuppressionReason::kFatigued);
  EXPECT_EQ(SuppressionReasonName(s.reason), "FATIGUED");
  ASSERT_TRUE(s.fatigue_cause.has_value());
  EXPECT_EQ(*s.fatigue_cause, FatigueCause::kDeclines);
  EXPECT_EQ(FatigueCauseName(*s.fatigue_cause), "DECLINES");
  EXPECT_EQ(s.suppressed_until, until);

  Decision at_edge = DecideWithContacts(contacts, until);
  EXPECT_THAT(OfferIds(at_edge), ElementsAre("P"));
}

TEST(DecisionEngineTest, FewerThanNDeclinesDoNotFatigue) {
  ProductContacts contacts;
  contacts.declines = {kNow - absl::Hours(1)};
  EXPECT_THAT(OfferIds(DecideWithContacts(contacts, kNow)), ElementsAre("P"));
}

TEST(DecisionEngineTest, ContactsAfterNowAreIgnored) {
  ProductContacts contacts;
  contacts.declines = {kNow - absl::Hours(1), kNow + absl::Hours(1)};
  EXPECT_THAT(OfferIds(DecideWithContacts(contacts, kNow)), ElementsAre("P"));
}

TEST(DecisionEngineTest, ImpressionsFatigueWithTheirOwnThreshold) {
  ProductContacts contacts;
  // Unordered on purpose; 3rd most recent is kNow - 5 days.
  contacts.impressions = {kNow - absl::Hours(24 * 5), kNow - absl::Hours(1),
                          kNow - absl::Hours(24 * 30),
                          kNow - absl::Hours(24 * 2)};
  const Decision d = DecideWithContacts(contacts, kNow);
  const Suppression& s = Only(d);
  EXPECT_EQ(s.reason, SuppressionReason::kFatigued);
  EXPECT_EQ(*s.fatigue_cause, FatigueCause::kImpressions);
  EXPECT_EQ(s.suppressed_until, kNow + absl::Hours(24 * 5));

  // Replace the one 2 days ago by one 10 days ago: the 3rd most recent is
  // then exactly 10 days ago, and the product is allowed again.
  contacts.impressions.pop_back();
  contacts.impressions.push_back(kNow - absl::Hours(24 * 10));
  EXPECT_THAT(OfferIds(DecideWithContacts(contacts, kNow)), ElementsAre("P"));
}

TEST(DecisionEngineTest, WhenBothCountsFatigueTheLaterEndIsReported) {
  ProductContacts contacts;
  contacts.declines = {kNow - absl::Hours(24 * 3), kNow - absl::Hours(24 * 4)};
  contacts.impressions = {kNow - absl::Hours(1), kNow - absl::Hours(2),
                          kNow - absl::Hours(3)};
  const Decision d = DecideWithContacts(contacts, kNow);
  const Suppression& s = Only(d);
  EXPECT_EQ(*s.fatigue_cause, FatigueCause::kImpressions);
  EXPECT_EQ(s.suppressed_until, kNow - absl::Hours(3) + absl::Hours(240));
}

TEST(DecisionEngineTest, PerProductPolicyOverridesTheDefault) {
  DecisionEngineOptions options = FatigueOptions();
  options.contact_policy_overrides["P"] =
      ContactPolicy{/*max_declines=*/1, /*max_impressions=*/100,
                    /*suppression_days=*/2};
  ProductContacts contacts;
  contacts.declines = {kNow - absl::Hours(24)};
  const Decision d = DecideWithContacts(contacts, kNow, options);
  const Suppression& s = Only(d);
  EXPECT_EQ(s.reason, SuppressionReason::kFatigued);
  EXPECT_EQ(s.suppressed_until, kNow + absl::Hours(24));
  EXPECT_THAT(
      OfferIds(DecideWithContacts(contacts, kNow + absl::Hours(24), options)),
      ElementsAre("P"));
}

TEST(DecisionEngineTest, CategoryScopeCountsDeclinesOfTheWholeCategory) {
  auto product = [](std::string id, std::string category) {
    ProductRule rule = Product(std::move(id));
    rule.category = std::move(category);
    return rule;
  };
  DecisionEngineOptions options = FatigueOptions();
  options.contact_policy.scope = ContactScope::kCategory;
  auto engine = MakeEngine({product("GOLD", "cards"), product("PLAT", "cards"),
                            product("SAVE", "savings")},
                           options);
  DecisionRequest request =
      Request({{"GOLD", 0.9}, {"PLAT", 0.8}, {"SAVE", 0.1}}, /*n=*/3);
  // One decline of each card: two declines in the category.
  request.contacts["GOLD"].declines = {kNow - absl::Hours(24)};
  request.contacts["PLAT"].declines = {kNow - absl::Hours(48)};
  request.now = kNow;
  ASSERT_OK_AND_ASSIGN(Decision d, engine->Decide(request));
  EXPECT_THAT(OfferIds(d), ElementsAre("SAVE"));
  ASSERT_EQ(d.suppressions.size(), 2u);
  for (const Suppression& s : d.suppressions) {
    EXPECT_EQ(s.reason, SuppressionReason::kFatigued);
    // The second most recent decline of the category, plus 10 days.
    EXPECT_EQ(s.suppressed_until, kNow - absl::Hours(48) + absl::Hours(240));
    EXPECT_THAT(s.detail, HasSubstr("of cards"));
  }

  // Per product, one decline each fatigues nothing.
  options.contact_policy.scope = ContactScope::kProduct;
  auto per_product =
      MakeEngine({product("GOLD", "cards"), product("PLAT", "cards"),
                  product("SAVE", "savings")},
                 options);
  ASSERT_OK_AND_ASSIGN(Decision d2, per_product->Decide(request));
  EXPECT_THAT(OfferIds(d2), ElementsAre("GOLD", "PLAT", "SAVE"));
}

TEST(DecisionEngineTest, ExplainEligibilityListsTheRulesMetInRuleOrder) {
  EligibilityRules rules;
  rules.min_age = 18;
  rules.max_age = 70;
  rules.min_income = 20000;
  rules.segments = {"mass", "affluent"};
  rules.min_credit_score = 600;
  rules.kyc_required = true;
  CustomerProfile customer;
  customer.age = 34;
  customer.income = 52000;
  customer.segment = "mass";
  customer.credit_score = 690;
  customer.kyc_verified = true;
  std::vector<EligibilityReason> reasons = ExplainEligibility(rules, customer);
  ASSERT_EQ(reasons.size(), 6u);
  EXPECT_EQ(reasons[0].attribute, "age");
  EXPECT_EQ(reasons[0].detail, "age 34 >= 18");
  EXPECT_EQ(reasons[1].detail, "age 34 <= 70");
  EXPECT_EQ(reasons[2].attribute, "income");
  EXPECT_EQ(reasons[3].detail, "segment mass in mass;affluent");
  EXPECT_EQ(reasons[4].detail, "credit score 690 >= 600");
  EXPECT_EQ(reasons[5].attribute, "kyc");

  // Unknown or failing attributes are not reasons; no rules, no reasons.
  customer.credit_score.reset();
  customer.age = 80;
  reasons = ExplainEligibility(rules, customer);
  ASSERT_EQ(reasons.size(), 4u);
  EXPECT_EQ(reasons[0].detail, "age 80 >= 18");
  EXPECT_THAT(ExplainEligibility(EligibilityRules{}, customer), IsEmpty());
}

TEST(DecisionEngineTest, ExplainEligibilityCanLeaveTheCustomersValuesOut) {
  EligibilityRules rules;
  rules.min_age = 18;
  rules.min_income = 20000;
  rules.segments = {"mass"};
  rules.min_credit_score = 600;
  CustomerProfile customer;
  customer.age = 34;
  customer.income = 82227;
  customer.segment = "mass";
  customer.credit_score = 690;
  std::vector<std::string> details;
  for (const EligibilityReason& r :
       ExplainEligibility(rules, customer, /*reveal=*/false)) {
    details.push_back(r.detail);
  }
  EXPECT_THAT(details, ElementsAre("age >= 18", "income >= 20000",
                                   "segment in mass", "credit score >= 600"));
}

TEST(DecisionEngineTest, WithoutDetailsSuppressionsKeepTheirCodes) {
  ProductRule adults = Product("ADULT");
  adults.eligibility.min_age = 18;
  auto engine = MakeEngine({adults, Product("HELD"), Product("FREE")});
  DecisionRequest request =
      Request({{"ADULT", 0.9}, {"HELD", 0.8}, {"FREE", 0.1}}, /*n=*/3);
  request.holdings = {"HELD"};
  request.with_details = false;
  ASSERT_OK_AND_ASSIGN(Decision d, engine->Decide(request));
  EXPECT_THAT(OfferIds(d), ElementsAre("FREE"));
  EXPECT_EQ(d.offers[0].candidate_index, 2);
  ASSERT_EQ(d.suppressions.size(), 2u);
  EXPECT_EQ(d.suppressions[0].reason, SuppressionReason::kIneligible);
  EXPECT_EQ(d.suppressions[0].rule, EligibilityRule::kMinAge);
  EXPECT_TRUE(d.suppressions[0].attribute_unknown);
  EXPECT_EQ(d.suppressions[0].detail, "");
  EXPECT_EQ(d.suppressions[1].reason, SuppressionReason::kOwned);
  EXPECT_EQ(d.suppressions[1].detail, "");
}

TEST(DecisionEngineTest, NoActionNamesTheDominantReason) {
  ProductRule young = Product("Y");
  young.eligibility.max_age = 25;
  auto engine = MakeEngine({young, Product("A"), Product("B"), Product("C")});
  DecisionRequest request =
      Request({{"Y", 0.9}, {"A", 0.5}, {"B", 0.5}, {"C", 0.5}});
  request.customer.age = 40;
  request.holdings = {"A", "B"};
  request.excluded_products = {"C"};
  ASSERT_OK_AND_ASSIGN(Decision d, engine->Decide(request));
  EXPECT_THAT(d.offers, IsEmpty());
  EXPECT_EQ(d.suppressions.size(), 4u);
  ASSERT_TRUE(d.no_action.has_value());
  EXPECT_EQ(d.no_action->reason, NoActionReason::kOwned);
  EXPECT_EQ(NoActionReasonName(d.no_action->reason), "OWNED");
  EXPECT_EQ(d.no_action->count, 2);
}

TEST(DecisionEngineTest, NoActionTieGoesToTheEarlierStage) {
  auto engine = MakeEngine({Product("A"), Product("B")});
  DecisionRequest request = Request({{"B", 0.5}, {"A", 0.5}});
  request.holdings = {"A"};
  request.excluded_products = {"B"};
  ASSERT_OK_AND_ASSIGN(Decision d, engine->Decide(request));
  ASSERT_TRUE(d.no_action.has_value());
  EXPECT_EQ(d.no_action->reason, NoActionReason::kOwned);
  EXPECT_EQ(d.no_action->count, 1);
}

TEST(DecisionEngineTest, NoCandidatesIsANoActionWithItsOwnReason) {
  auto engine = MakeEngine({Product("A")});
  ASSERT_OK_AND_ASSIGN(Decision d, engine->Decide(Request({})));
  EXPECT_THAT(d.offers, IsEmpty());
  ASSERT_TRUE(d.no_action.has_value());
  EXPECT_EQ(d.no_action->reason, NoActionReason::kNoCandidates);
  EXPECT_EQ(NoActionReasonName(d.no_action->reason), "NO_CANDIDATES");
}

TEST(DecisionEngineTest, RejectsBadRequestsWithInvalidArgument) {
  auto engine = MakeEngine({Product("A"), Product("B")});
  EXPECT_THAT(
      engine->Decide(Request({{"A", 0.5}}, 0)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("num_offers")));
  EXPECT_THAT(engine->Decide(Request({{"A", 0.5}}, -1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      engine->Decide(Request({{"A", 1.01}})),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("propensity")));
  EXPECT_THAT(engine->Decide(Request({{"A", -0.01}})),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(engine->Decide(Request({{"A", std::nan("")}})),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(engine->Decide(Request({{"A", 0.1}, {"B", 0.2}, {"A", 0.3}})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("twice")));
  EXPECT_THAT(engine->Decide(Request({{"", 0.1}})),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // The bounds themselves are valid.
  EXPECT_THAT(engine->Decide(Request({{"A", 0.0}, {"B", 1.0}})), IsOk());
}

TEST(DecisionEngineTest, RejectsBadCatalogsWithInvalidArgument) {
  EXPECT_THAT(DecisionEngine::Create({Product("A", -1.0)}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("business value")));
  EXPECT_THAT(DecisionEngine::Create({Product("A", std::nan(""))}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(DecisionEngine::Create({Product("A"), Product("A")}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("twice")));
  EXPECT_THAT(DecisionEngine::Create({Product("")}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ProductRule ages = Product("A");
  ages.eligibility.min_age = 30;
  ages.eligibility.max_age = 20;
  EXPECT_THAT(
      DecisionEngine::Create({ages}, {}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("min_age")));
  EXPECT_THAT(DecisionEngine::Create({Product("A", 0.0)}, {}), IsOk());
}

TEST(DecisionEngineTest, RejectsNonPositivePoliciesWithInvalidArgument) {
  for (ContactPolicy bad : {ContactPolicy{0, 5, 30}, ContactPolicy{2, 0, 30},
                            ContactPolicy{2, 5, 0}, ContactPolicy{-1, 5, 30},
                            ContactPolicy{2, 5, -3}}) {
    DecisionEngineOptions options;
    options.contact_policy = bad;
    EXPECT_THAT(
        DecisionEngine::Create({Product("A")}, options),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("must be > 0")));
    DecisionEngineOptions override_options;
    override_options.contact_policy_overrides["A"] = bad;
    EXPECT_THAT(
        DecisionEngine::Create({Product("A")}, override_options),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("product 'A'")));
  }
  DecisionEngineOptions unknown;
  unknown.contact_policy_overrides["Z"] = ContactPolicy{};
  EXPECT_THAT(DecisionEngine::Create({Product("A")}, unknown),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not in the catalog")));
}

}  // namespace
}  // namespace nbo::decision
