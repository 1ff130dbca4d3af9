// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The decision pipeline between scoring and the answer (DESIGN.md section 5),
// as pure logic: the caller brings the scored candidates, the customer's
// profile, holdings and contact history, and the time; DecisionEngine
// returns the ranked offers and, for every candidate not offered, why not.
//
// Each candidate goes through the stages in this order and stops at the
// first that rejects it, which becomes its suppression reason:
//
//   1. eligibility   the product's rules over the customer's attributes, in
//                    the order MIN_AGE, MAX_AGE, MIN_INCOME, SEGMENT,
//                    MIN_CREDIT_SCORE, KYC. An unknown attribute fails a rule
//                    that needs it (attribute_unknown says so).
//   2. applicability a product the customer holds is never offered (OWNED).
//   3. contact policy a product is suppressed for D days after N declines or
//                    M impressions (FATIGUED); see ContactPolicy.
//   4. request filter products the request excludes (FILTERED_BY_REQUEST).
//
// Arbitration then orders the survivors by priority = propensity x business
// value x lever: MANDATORY offers first, by priority, then the others, by
// priority; ties go to the earlier candidate. Callers list candidates best
// raw score first, so that equal priorities (e.g. uncalibrated propensities
// clamped to 1) still follow the model. The first N are offered and
// the rest are BELOW_TOP_N. When nothing is offered, the Decision carries a
// NoAction with the dominant reason: there is never an empty answer without
// a reason.
//
// Only scored candidates are decided on: a catalog product the model did not
// score is neither offered nor listed. A candidate missing from the catalog
// is suppressed as NOT_IN_CATALOG rather than failing the request, so that a
// model and catalog briefly out of step still serve the other products.

#ifndef NBO_LIB_DECISION_DECISION_ENGINE_H_
#define NBO_LIB_DECISION_DECISION_ENGINE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/data/product.h"
#include "lib/decision/levers.h"

namespace nbo::decision {

// The terms a product is offered on are lib/data's types (product.h), under
// the names the decision pipeline has always used. They are the same types,
// not copies: products.csv is read straight into what the engine decides
// with, and a new eligibility rule is added in one place. They live in
// lib/data because lib/decision may depend on lib/data and not the other
// way round (DESIGN.md section 8).
using OfferType = data::OfferType;
using EligibilityRules = data::Eligibility;
using ContactScope = data::ContactScope;
using ContactPolicy = data::ContactPolicy;

// What is known about a customer. Every attribute may be unknown.
struct CustomerProfile {
  // In years.
  std::optional<int> age;
  // Yearly, in the bank's currency.
  std::optional<double> income;
  std::optional<std::string> segment;
  std::optional<int> credit_score;
  // Whether know-your-customer checks were passed.
  std::optional<bool> kyc_verified;
};

// A catalog entry as the decision pipeline sees it.
struct ProductRule {
  // Unique, non-empty.
  std::string product_id;
  // Product family; groups products for ContactScope::kCategory.
  std::string category;
  // Default: kDefault.
  OfferType offer_type = OfferType::kDefault;
  // What selling the product is worth to the bank, relative to the others.
  // Finite, >= 0.
  // Default: 1.
  double business_value = 1.0;
  EligibilityRules eligibility;
};

// Configuration of a DecisionEngine.
struct DecisionEngineOptions {
  // The contact policy of products without an override.
  // Default: ContactPolicy{} (2 declines or 5 impressions, 30 days).
  ContactPolicy contact_policy;
  // Per-product contact policies, replacing contact_policy for those
  // products. Keys must be catalog products.
  // Default: none.
  absl::flat_hash_map<std::string, ContactPolicy> contact_policy_overrides;
};

// A customer's past contacts about one product, from feedback. Any order.
struct ProductContacts {
  std::vector<absl::Time> impressions;
  std::vector<absl::Time> declines;
};

// One product the model scored for the customer.
// The request and the decision refer to product ids, contact times and
// each other without copying: a DecisionRequest is a view of the caller's
// data (the model's catalog, the customer's state, the RPC request), which
// must outlive it, and a Decision's product ids are views of the request's
// candidates, valid as long as those are.
struct ScoredCandidate {
  absl::string_view product_id;
  // In [0, 1].
  double propensity = 0;
};

// Everything one decision needs besides the catalog and the policy.
struct DecisionRequest {
  CustomerProfile customer;
  // Products the customer holds.
  absl::flat_hash_set<absl::string_view> holdings;
  // Contact history, by product id.
  absl::flat_hash_map<absl::string_view, ProductContacts> contacts;
  // Unique product ids.
  std::vector<ScoredCandidate> candidates;
  // How many offers to return at most; > 0.
  int num_offers = 1;
  // Products the request asks not to offer.
  absl::flat_hash_set<absl::string_view> excluded_products;
  // The decision time; contacts after it are ignored.
  absl::Time now = absl::UnixEpoch();
  // The lever snapshot to use; null means every lever is 1.
  std::shared_ptr<const Levers> levers;
  // Whether candidates that only ranked too low are listed in
  // Decision::suppressions (as BELOW_TOP_N). Callers that drop them anyway
  // save formatting one detail per candidate.
  // Default: true.
  bool list_below_top_n = true;
  // Whether suppressions get their sentence for people (Suppression::detail).
  // Codes, rules and times are always set.
  // Default: true.
  bool with_details = true;
  // Whether details may quote the customer's own attribute values ("age 34
  // < MIN_AGE 18"); false leaves them out ("age < MIN_AGE 18"), for callers
  // without the right to read personal data. Default: true.
  bool reveal_attributes = true;
};

// An offered product.
struct Offer {
  absl::string_view product_id;
  OfferType offer_type = OfferType::kDefault;
  double propensity = 0;
  // propensity x business value x lever.
  double priority = 0;
  // 1 for the first offer.
  int rank = 0;
  // Position of the candidate in DecisionRequest::candidates.
  int candidate_index = 0;
};

// Why a candidate was not offered.
enum class SuppressionReason {
  kIneligible = 0,
  kOwned = 1,
  kFatigued = 2,
  kFilteredByRequest = 3,
  kBelowTopN = 4,
  kNotInCatalog = 5,
};

// The eligibility rule a candidate failed.
enum class EligibilityRule {
  kMinAge = 0,
  kMaxAge = 1,
  kMinIncome = 2,
  kSegment = 3,
  kMinCreditScore = 4,
  kKyc = 5,
};

// Which contact count made a candidate fatigued.
enum class FatigueCause {
  kDeclines = 0,
  kImpressions = 1,
};

// "INELIGIBLE", "OWNED", "FATIGUED", "FILTERED_BY_REQUEST", "BELOW_TOP_N",
// "NOT_IN_CATALOG".
absl::string_view SuppressionReasonName(SuppressionReason reason);
// "MIN_AGE", "MAX_AGE", "MIN_INCOME", "SEGMENT", "MIN_CREDIT_SCORE", "KYC".
absl::string_view EligibilityRuleName(EligibilityRule rule);
// "DECLINES", "IMPRESSIONS".
absl::string_view FatigueCauseName(FatigueCause cause);

// A candidate not offered, and why.
struct Suppression {
  absl::string_view product_id;
  SuppressionReason reason = SuppressionReason::kIneligible;
  // Set for kIneligible: the first rule that failed.
  std::optional<EligibilityRule> rule;
  // For kIneligible: whether the rule failed because the customer's
  // attribute is unknown rather than out of bounds.
  bool attribute_unknown = false;
  // Set for kFatigued: the count that triggered it (declines when both did
  // and end at the same time, else the one that ends later).
  std::optional<FatigueCause> fatigue_cause;
  // For kFatigued: the first time the product may be offered again.
  // Otherwise absl::InfinitePast().
  absl::Time suppressed_until = absl::InfinitePast();
  // For people: e.g. "age unknown; MIN_AGE requires >= 18".
  std::string detail;
};

// Why nothing was offered.
enum class NoActionReason {
  // The request had no candidates.
  kNoCandidates = 0,
  // The most frequent suppression reason among the candidates; ties go to
  // the earlier stage (ineligible before owned before fatigued before
  // filtered by request; not in catalog last).
  kIneligible = 1,
  kOwned = 2,
  kFatigued = 3,
  kFilteredByRequest = 4,
  kNotInCatalog = 5,
};

// "NO_CANDIDATES", "INELIGIBLE", "OWNED", "FATIGUED", "FILTERED_BY_REQUEST",
// "NOT_IN_CATALOG".
absl::string_view NoActionReasonName(NoActionReason reason);

// Set when a Decision has no offers.
struct NoAction {
  NoActionReason reason = NoActionReason::kNoCandidates;
  // How many candidates had that reason.
  int count = 0;
};

// The answer to one DecisionRequest.
struct Decision {
  // At most num_offers, in rank order.
  std::vector<Offer> offers;
  // One per candidate not offered, in candidate order.
  std::vector<Suppression> suppressions;
  // Set exactly when offers is empty.
  std::optional<NoAction> no_action;
};

// One eligibility rule a customer met, for explanations.
struct EligibilityReason {
  // "age", "income", "segment", "credit_score" or "kyc".
  std::string attribute;
  // e.g. "age 34 >= 18".
  std::string detail;
};

// The rules of `rules` that `customer` meets, in rule order (MIN_AGE,
// MAX_AGE, MIN_INCOME, SEGMENT, MIN_CREDIT_SCORE, KYC); a rule the customer
// fails or cannot be checked against is left out. Empty for a product
// without rules.
// With `reveal` false the customer's own values are left out of the
// details ("age >= 18" instead of "age 34 >= 18"): for callers who may not
// read personal data.
std::vector<EligibilityReason> ExplainEligibility(
    const EligibilityRules& rules, const CustomerProfile& customer,
    bool reveal = true);

// Applies the catalog's rules and the contact policy to scored candidates.
// Owns a copy of the catalog and the policy.
//
// Thread-safe: immutable after Create, so concurrent Decide calls may share
// one engine. Levers, which change at run time, come with each request
// (see levers.h).
class DecisionEngine {
 public:
  // An engine over `catalog`. INVALID_ARGUMENT for an empty or duplicate
  // product id, a business value that is negative, NaN or infinite, a
  // negative or NaN eligibility bound, min_age above max_age, a contact
  // policy (default or override) with a non-positive count or day count, or
  // an override for a product not in the catalog.
  static absl::StatusOr<std::unique_ptr<DecisionEngine>> Create(
      std::vector<ProductRule> catalog, DecisionEngineOptions options);

  DecisionEngine(const DecisionEngine&) = delete;
  DecisionEngine& operator=(const DecisionEngine&) = delete;

  // Decides for one request. INVALID_ARGUMENT for num_offers <= 0, a
  // candidate with an empty id, a propensity outside [0, 1] or NaN, or a
  // candidate id listed twice. Lever values were validated by
  // Levers::Create.
  absl::StatusOr<Decision> Decide(const DecisionRequest& request) const;

  // The rule of `product_id`, or null when it is not in the catalog.
  const ProductRule* FindProduct(absl::string_view product_id) const;

  // The contact policy that applies to `product_id`.
  const ContactPolicy& PolicyFor(absl::string_view product_id) const;

 private:
  DecisionEngine(absl::flat_hash_map<std::string, ProductRule> catalog,
                 DecisionEngineOptions options)
      : catalog_(std::move(catalog)), options_(std::move(options)) {}

  const absl::flat_hash_map<std::string, ProductRule> catalog_;
  const DecisionEngineOptions options_;
};

}  // namespace nbo::decision

#endif  // NBO_LIB_DECISION_DECISION_ENGINE_H_
