// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/decision/decision_engine.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/common/status_macros.h"

namespace nbo::decision {
namespace {

absl::Status ValidatePolicy(const ContactPolicy& policy,
                            absl::string_view what) {
  if (policy.max_declines <= 0 || policy.max_impressions <= 0 ||
      policy.suppression_days <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " has max_declines=", policy.max_declines,
        ", max_impressions=", policy.max_impressions,
        ", suppression_days=", policy.suppression_days, "; all must be > 0"));
  }
  return absl::OkStatus();
}

absl::Status ValidateRule(const ProductRule& rule) {
  if (rule.product_id.empty()) {
    return absl::InvalidArgumentError("catalog product with an empty id");
  }
  if (!std::isfinite(rule.business_value) || rule.business_value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("product '", rule.product_id, "' has business value ",
                     rule.business_value, "; it must be finite and >= 0"));
  }
  const EligibilityRules& e = rule.eligibility;
  if ((e.min_age && *e.min_age < 0) || (e.max_age && *e.max_age < 0) ||
      (e.min_income && !(*e.min_income >= 0)) ||
      (e.min_credit_score && *e.min_credit_score < 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "product '", rule.product_id, "' has a negative eligibility bound"));
  }
  if (e.min_age && e.max_age && *e.min_age > *e.max_age) {
    return absl::InvalidArgumentError(
        absl::StrCat("product '", rule.product_id, "' has min_age ", *e.min_age,
                     " above max_age ", *e.max_age));
  }
  return absl::OkStatus();
}

// `value` and a space when the caller may see the customer's attributes,
// nothing otherwise: "age 34 >= 18" or "age >= 18".
template <typename T>
std::string Shown(bool reveal, const T& value) {
  return reveal ? absl::StrCat(value, " ") : std::string();
}

// The first rule of `rules` that `customer` fails, filled into
// `*suppression`; false when every rule holds.
bool FailsEligibility(const EligibilityRules& rules,
                      const CustomerProfile& customer, bool with_details,
                      bool reveal, Suppression* suppression) {
  // The sentence is only formatted when the caller wants it.
  auto fail = [&](EligibilityRule rule, bool unknown, auto&& detail) {
    suppression->reason = SuppressionReason::kIneligible;
    suppression->rule = rule;
    suppression->attribute_unknown = unknown;
    if (with_details) suppression->detail = std::string(detail());
    return true;
  };
  if (rules.min_age) {
    if (!customer.age) {
      return fail(EligibilityRule::kMinAge, true, [&] {
        return absl::StrCat("age unknown; MIN_AGE requires >= ",
                            *rules.min_age);
      });
    }
    if (*customer.age < *rules.min_age) {
      return fail(EligibilityRule::kMinAge, false, [&] {
        return absl::StrCat("age ", Shown(reveal, *customer.age), "< MIN_AGE ",
                            *rules.min_age);
      });
    }
  }
  if (rules.max_age) {
    if (!customer.age) {
      return fail(EligibilityRule::kMaxAge, true, [&] {
        return absl::StrCat("age unknown; MAX_AGE requires <= ",
                            *rules.max_age);
      });
    }
    if (*customer.age > *rules.max_age) {
      return fail(EligibilityRule::kMaxAge, false, [&] {
        return absl::StrCat("age ", Shown(reveal, *customer.age), "> MAX_AGE ",
                            *rules.max_age);
      });
    }
  }
  if (rules.min_income) {
    if (!customer.income) {
      return fail(EligibilityRule::kMinIncome, true, [&] {
        return absl::StrCat("income unknown; MIN_INCOME requires >= ",
                            *rules.min_income);
      });
    }
    if (!(*customer.income >= *rules.min_income)) {
      return fail(EligibilityRule::kMinIncome, false, [&] {
        return absl::StrCat("income ", Shown(reveal, *customer.income),
                            "< MIN_INCOME ", *rules.min_income);
      });
    }
  }
  if (!rules.segments.empty()) {
    const std::string joined = absl::StrJoin(rules.segments, ";");
    if (!customer.segment) {
      return fail(EligibilityRule::kSegment, true, [&] {
        return absl::StrCat("segment unknown; SEGMENT requires one of ",
                            joined);
      });
    }
    if (std::find(rules.segments.begin(), rules.segments.end(),
                  *customer.segment) == rules.segments.end()) {
      return fail(EligibilityRule::kSegment, false, [&] {
        return reveal ? absl::StrCat("segment '", *customer.segment,
                                     "' not in SEGMENT ", joined)
                      : absl::StrCat("segment not in SEGMENT ", joined);
      });
    }
  }
  if (rules.min_credit_score) {
    if (!customer.credit_score) {
      return fail(EligibilityRule::kMinCreditScore, true, [&] {
        return absl::StrCat(
            "credit score unknown; MIN_CREDIT_SCORE requires >= ",
            *rules.min_credit_score);
      });
    }
    if (*customer.credit_score < *rules.min_credit_score) {
      return fail(EligibilityRule::kMinCreditScore, false, [&] {
        return absl::StrCat("credit score ",
                            Shown(reveal, *customer.credit_score),
                            "< MIN_CREDIT_SCORE ", *rules.min_credit_score);
      });
    }
  }
  if (rules.kyc_required) {
    if (!customer.kyc_verified) {
      return fail(EligibilityRule::kKyc, true,
                  [&] { return "KYC status unknown; KYC requires verified"; });
    }
    if (!*customer.kyc_verified) {
      return fail(EligibilityRule::kKyc, false,
                  [&] { return "KYC not verified; KYC requires verified"; });
    }
  }
  return false;
}

// The end of the suppression that `events` trigger under a threshold of
// `threshold` contacts and a window of `window`, or InfinitePast when they
// trigger none. Only events at or before `now` count.
absl::Time FatigueEnd(const std::vector<absl::Time>& events, int threshold,
                      absl::Duration window, absl::Time now) {
  std::vector<absl::Time> past;
  past.reserve(events.size());
  for (absl::Time t : events) {
    if (t <= now) past.push_back(t);
  }
  if (past.size() < static_cast<size_t>(threshold)) {
    return absl::InfinitePast();
  }
  // The threshold-th most recent contact.
  auto nth = past.begin() + (threshold - 1);
  std::nth_element(past.begin(), nth, past.end(), std::greater<absl::Time>());
  return *nth + window;
}

struct Survivor {
  size_t candidate_index;
  const ProductRule* rule;
  double priority;
};

}  // namespace

absl::string_view SuppressionReasonName(SuppressionReason reason) {
  switch (reason) {
    case SuppressionReason::kIneligible:
      return "INELIGIBLE";
    case SuppressionReason::kOwned:
      return "OWNED";
    case SuppressionReason::kFatigued:
      return "FATIGUED";
    case SuppressionReason::kFilteredByRequest:
      return "FILTERED_BY_REQUEST";
    case SuppressionReason::kBelowTopN:
      return "BELOW_TOP_N";
    case SuppressionReason::kNotInCatalog:
      return "NOT_IN_CATALOG";
  }
  return "UNKNOWN";
}

absl::string_view EligibilityRuleName(EligibilityRule rule) {
  switch (rule) {
    case EligibilityRule::kMinAge:
      return "MIN_AGE";
    case EligibilityRule::kMaxAge:
      return "MAX_AGE";
    case EligibilityRule::kMinIncome:
      return "MIN_INCOME";
    case EligibilityRule::kSegment:
      return "SEGMENT";
    case EligibilityRule::kMinCreditScore:
      return "MIN_CREDIT_SCORE";
    case EligibilityRule::kKyc:
      return "KYC";
  }
  return "UNKNOWN";
}

absl::string_view FatigueCauseName(FatigueCause cause) {
  switch (cause) {
    case FatigueCause::kDeclines:
      return "DECLINES";
    case FatigueCause::kImpressions:
      return "IMPRESSIONS";
  }
  return "UNKNOWN";
}

absl::string_view NoActionReasonName(NoActionReason reason) {
  switch (reason) {
    case NoActionReason::kNoCandidates:
      return "NO_CANDIDATES";
    case NoActionReason::kIneligible:
      return "INELIGIBLE";
    case NoActionReason::kOwned:
      return "OWNED";
    case NoActionReason::kFatigued:
      return "FATIGUED";
    case NoActionReason::kFilteredByRequest:
      return "FILTERED_BY_REQUEST";
    case NoActionReason::kNotInCatalog:
      return "NOT_IN_CATALOG";
  }
  return "UNKNOWN";
}

std::vector<EligibilityReason> ExplainEligibility(
    const EligibilityRules& rules, const CustomerProfile& customer,
    bool reveal) {
  std::vector<EligibilityReason> reasons;
  if (rules.min_age && customer.age && *customer.age >= *rules.min_age) {
    reasons.push_back({"age", absl::StrCat("age ", Shown(reveal, *customer.age),
                                           ">= ", *rules.min_age)});
  }
  if (rules.max_age && customer.age && *customer.age <= *rules.max_age) {
    reasons.push_back({"age", absl::StrCat("age ", Shown(reveal, *customer.age),
                                           "<= ", *rules.max_age)});
  }
  if (rules.min_income && customer.income &&
      *customer.income >= *rules.min_income) {
    reasons.push_back(
        {"income", absl::StrCat("income ", Shown(reveal, *customer.income),
                                ">= ", *rules.min_income)});
  }
  if (!rules.segments.empty() && customer.segment &&
      absl::c_linear_search(rules.segments, *customer.segment)) {
    reasons.push_back(
        {"segment", absl::StrCat("segment ", Shown(reveal, *customer.segment),
                                 "in ", absl::StrJoin(rules.segments, ";"))});
  }
  if (rules.min_credit_score && customer.credit_score &&
      *customer.credit_score >= *rules.min_credit_score) {
    reasons.push_back(
        {"credit_score",
         absl::StrCat("credit score ", Shown(reveal, *customer.credit_score),
                      ">= ", *rules.min_credit_score)});
  }
  if (rules.kyc_required && customer.kyc_verified.value_or(false)) {
    reasons.push_back({"kyc", "know-your-customer checks passed"});
  }
  return reasons;
}

absl::StatusOr<std::unique_ptr<DecisionEngine>> DecisionEngine::Create(
    std::vector<ProductRule> catalog, DecisionEngineOptions options) {
  absl::flat_hash_map<std::string, ProductRule> by_id;
  for (ProductRule& rule : catalog) {
    if (absl::Status s = ValidateRule(rule); !s.ok()) return s;
    std::string id = rule.product_id;
    if (!by_id.emplace(id, std::move(rule)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("product '", id, "' is in the catalog twice"));
    }
  }
  if (absl::Status s =
          ValidatePolicy(options.contact_policy, "default contact policy");
      !s.ok()) {
    return s;
  }
  for (const auto& [product_id, policy] : options.contact_policy_overrides) {
    if (!by_id.contains(product_id)) {
      return absl::InvalidArgumentError(
          absl::StrCat("contact policy override for product '", product_id,
                       "', which is not in the catalog"));
    }
    if (absl::Status s = ValidatePolicy(
            policy,
            absl::StrCat("contact policy of product '", product_id, "'"));
        !s.ok()) {
      return s;
    }
  }
  return std::unique_ptr<DecisionEngine>(
      new DecisionEngine(std::move(by_id), std::move(options)));
}

const ProductRule* DecisionEngine::FindProduct(
    absl::string_view product_id) const {
  auto it = catalog_.find(product_id);
  return it == catalog_.end() ? nullptr : &it->second;
}

const ContactPolicy& DecisionEngine::PolicyFor(
    absl::string_view product_id) const {
  if (options_.contact_policy_overrides.empty()) return options_.contact_policy;
  auto it = options_.contact_policy_overrides.find(product_id);
  return it == options_.contact_policy_overrides.end() ? options_.contact_policy
                                                       : it->second;
}

namespace {

// INVALID_ARGUMENT, saying what is wrong, for num_offers <= 0 or a
// candidate with an empty id, a propensity outside [0, 1] or listed twice.
absl::Status ValidateRequest(const DecisionRequest& request) {
  if (request.num_offers <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_offers is ", request.num_offers, "; it must be > 0"));
  }
  absl::flat_hash_set<absl::string_view> seen;
  seen.reserve(request.candidates.size());
  for (const ScoredCandidate& c : request.candidates) {
    if (c.product_id.empty()) {
      return absl::InvalidArgumentError("candidate with an empty product id");
    }
    if (!(c.propensity >= 0 && c.propensity <= 1)) {
      return absl::InvalidArgumentError(
          absl::StrCat("candidate '", c.product_id, "' has propensity ",
                       c.propensity, "; it must be in [0, 1]"));
    }
    if (!seen.insert(c.product_id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("candidate '", c.product_id, "' is listed twice"));
    }
  }
  return absl::OkStatus();
}

// Why nothing is offered: the stage that suppressed the most candidates
// (ties by stage order); NoAction's defaults when nothing was suppressed.
NoAction NoActionOf(const std::vector<Suppression>& suppressions) {
  NoAction no_action;
  constexpr SuppressionReason kStages[] = {
      SuppressionReason::kIneligible, SuppressionReason::kOwned,
      SuppressionReason::kFatigued, SuppressionReason::kFilteredByRequest,
      SuppressionReason::kNotInCatalog};
  constexpr NoActionReason kNoActionReasons[] = {
      NoActionReason::kIneligible, NoActionReason::kOwned,
      NoActionReason::kFatigued, NoActionReason::kFilteredByRequest,
      NoActionReason::kNotInCatalog};
  for (size_t k = 0; k < std::size(kStages); ++k) {
    const int count = static_cast<int>(std::count_if(
        suppressions.begin(), suppressions.end(),
        [&](const Suppression& s) { return s.reason == kStages[k]; }));
    if (count > no_action.count) {
      no_action.reason = kNoActionReasons[k];
      no_action.count = count;
    }
  }
  return no_action;
}

}  // namespace

absl::StatusOr<Decision> DecisionEngine::Decide(
    const DecisionRequest& request) const {
  NBO_RETURN_IF_ERROR(ValidateRequest(request));

  const Levers& levers =
      request.levers != nullptr ? *request.levers : *Levers::Neutral();
  // Suppressions of candidates that fail a stage, by candidate index.
  std::vector<std::optional<Suppression>> suppressed(request.candidates.size());
  std::vector<Survivor> survivors;
  survivors.reserve(request.candidates.size());
  for (size_t i = 0; i < request.candidates.size(); ++i) {
    const ScoredCandidate& c = request.candidates[i];
    Suppression s;
    s.product_id = c.product_id;
    const ProductRule* rule = FindProduct(c.product_id);
    if (rule == nullptr) {
      s.reason = SuppressionReason::kNotInCatalog;
      if (request.with_details) s.detail = "product not in the catalog";
      suppressed[i] = std::move(s);
      continue;
    }
    if (FailsEligibility(rule->eligibility, request.customer,
                         request.with_details, request.reveal_attributes, &s)) {
      suppressed[i] = std::move(s);
      continue;
    }
    if (!request.holdings.empty() && request.holdings.contains(c.product_id)) {
      s.reason = SuppressionReason::kOwned;
      if (request.with_details) s.detail = "customer holds the product";
      suppressed[i] = std::move(s);
      continue;
    }
    const ContactPolicy& policy = PolicyFor(c.product_id);
    const ProductContacts* contacts = nullptr;
    ProductContacts category_contacts;
    if (policy.scope == ContactScope::kCategory && !rule->category.empty()) {
      // Every contact about a product of the category counts.
      for (const auto& [id, product_contacts] : request.contacts) {
        const ProductRule* other = FindProduct(id);
        if (other == nullptr || other->category != rule->category) continue;
        absl::c_copy(product_contacts.declines,
                     std::back_inserter(category_contacts.declines));
        absl::c_copy(product_contacts.impressions,
                     std::back_inserter(category_contacts.impressions));
        contacts = &category_contacts;
      }
    } else if (auto it = request.contacts.empty()
                             ? request.contacts.end()
                             : request.contacts.find(c.product_id);
               it != request.contacts.end()) {
      contacts = &it->second;
    }
    if (contacts != nullptr) {
      const absl::Duration window = absl::Hours(24) * policy.suppression_days;
      const absl::Time by_declines = FatigueEnd(
          contacts->declines, policy.max_declines, window, request.now);
      const absl::Time by_impressions = FatigueEnd(
          contacts->impressions, policy.max_impressions, window, request.now);
      const bool declines_bind = by_declines >= by_impressions;
      const absl::Time until = declines_bind ? by_declines : by_impressions;
      if (request.now < until) {
        s.reason = SuppressionReason::kFatigued;
        s.fatigue_cause = declines_bind ? FatigueCause::kDeclines
                                        : FatigueCause::kImpressions;
        s.suppressed_until = until;
        if (request.with_details)
          s.detail = absl::StrCat(
              declines_bind ? policy.max_declines : policy.max_impressions, " ",
              declines_bind ? "declines" : "impressions",
              policy.scope == ContactScope::kCategory && !rule->category.empty()
                  ? absl::StrCat(" of ", rule->category)
                  : "",
              " within ", policy.suppression_days, " days; suppressed until ",
              absl::FormatTime(absl::RFC3339_sec, until, absl::UTCTimeZone()));
        suppressed[i] = std::move(s);
        continue;
      }
    }
    if (!request.excluded_products.empty() &&
        request.excluded_products.contains(c.product_id)) {
      s.reason = SuppressionReason::kFilteredByRequest;
      if (request.with_details) s.detail = "excluded by the request";
      suppressed[i] = std::move(s);
      continue;
    }
    survivors.push_back(Survivor{
        i, rule,
        c.propensity * rule->business_value * levers.Get(c.product_id)});
  }

  std::sort(
      survivors.begin(), survivors.end(),
      [&](const Survivor& a, const Survivor& b) {
        const bool a_mandatory = a.rule->offer_type == OfferType::kMandatory;
        const bool b_mandatory = b.rule->offer_type == OfferType::kMandatory;
        if (a_mandatory != b_mandatory) return a_mandatory;
        if (a.priority != b.priority) return a.priority > b.priority;
        return a.candidate_index < b.candidate_index;
      });

  Decision decision;
  const size_t offered =
      std::min(survivors.size(), static_cast<size_t>(request.num_offers));
  decision.offers.reserve(offered);
  decision.suppressions.reserve(request.candidates.size() - offered);
  for (size_t r = 0; r < survivors.size(); ++r) {
    const Survivor& sv = survivors[r];
    const ScoredCandidate& c = request.candidates[sv.candidate_index];
    if (r < static_cast<size_t>(request.num_offers)) {
      decision.offers.push_back(
          Offer{c.product_id, sv.rule->offer_type, c.propensity, sv.priority,
                static_cast<int>(r) + 1, static_cast<int>(sv.candidate_index)});
    } else if (request.list_below_top_n) {
      Suppression s;
      s.product_id = c.product_id;
      s.reason = SuppressionReason::kBelowTopN;
      if (request.with_details)
        s.detail = absl::StrCat("ranked ", r + 1, " of ", survivors.size(),
                                " with priority ", sv.priority, "; top ",
                                request.num_offers, " offered");
      suppressed[sv.candidate_index] = std::move(s);
    }
  }
  for (std::optional<Suppression>& s : suppressed) {
    if (s.has_value()) decision.suppressions.push_back(std::move(*s));
  }

  if (decision.offers.empty()) {
    decision.no_action = NoActionOf(decision.suppressions);
  }
  return decision;
}

}  // namespace nbo::decision
