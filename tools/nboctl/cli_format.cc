// Copyright (c) 2026 The nbo Authors. MIT License.

#include "tools/nboctl/cli_format.h"

#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/data/bank_data.h"

namespace nbo::nboctl {
namespace {

// A number as people read it: "1.5", "52000", "0.123457".
std::string Number(double value) { return absl::StrFormat("%.6g", value); }

// The enum value's name without `prefix`, or "<prefix>N" for an unknown
// number.
std::string EnumName(const std::string& name, absl::string_view prefix,
                     int value) {
  if (name.empty()) return absl::StrCat(prefix, value);
  return std::string(absl::StripPrefix(name, prefix));
}

std::string OfferTypeName(v1::OfferType type) {
  return EnumName(v1::OfferType_Name(type), "OFFER_TYPE_", type);
}

std::string SuppressionName(v1::SuppressionReason reason) {
  return EnumName(v1::SuppressionReason_Name(reason), "SUPPRESSION_REASON_",
                  reason);
}

std::string EventName(v1::TransactionEvent event) {
  return EnumName(v1::TransactionEvent_Name(event), "TRANSACTION_EVENT_",
                  event);
}

void AppendReason(const v1::Reason& reason, std::string* out) {
  absl::StrAppend(out, reason.code());
  if (!reason.product_id().empty())
    absl::StrAppend(out, " ", reason.product_id());
  if (reason.weight() != 0)
    absl::StrAppend(out, " weight ", Number(reason.weight()));
  if (!reason.attribute().empty())
    absl::StrAppend(out, " ", reason.attribute());
  if (!reason.detail().empty()) absl::StrAppend(out, ": ", reason.detail());
}

std::string Model(const std::string& name, int64_t version) {
  return absl::StrCat(name.empty() ? "(default)" : name, " v", version);
}

}  // namespace

absl::StatusOr<v1::FeedbackOutcome> ParseOutcome(absl::string_view name) {
  const std::string folded = absl::AsciiStrToLower(name);
  absl::string_view lower = folded;
  absl::ConsumePrefix(&lower, "feedback_outcome_");
  if (lower == "impression") return v1::FEEDBACK_OUTCOME_IMPRESSION;
  if (lower == "accepted" || lower == "accept") {
    return v1::FEEDBACK_OUTCOME_ACCEPTED;
  }
  if (lower == "declined" || lower == "decline") {
    return v1::FEEDBACK_OUTCOME_DECLINED;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown outcome '", name, "' (want impression, accepted or declined)"));
}

absl::StatusOr<std::map<std::string, double>> ParseLevers(
    absl::string_view spec) {
  std::map<std::string, double> levers;
  for (absl::string_view item : absl::StrSplit(spec, ',', absl::SkipEmpty())) {
    item = absl::StripAsciiWhitespace(item);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("lever '", item, "' is not PRODUCT=VALUE"));
    }
    const absl::string_view id = absl::StripAsciiWhitespace(item.substr(0, eq));
    const absl::string_view text =
        absl::StripAsciiWhitespace(item.substr(eq + 1));
    if (id.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("lever '", item, "' names no product"));
    }
    double value;
    if (!absl::SimpleAtod(text, &value) || !std::isfinite(value) || value < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "lever '", item, "': '", text, "' is not a finite number >= 0"));
    }
    if (!levers.emplace(std::string(id), value).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("product '", id, "' has two levers"));
    }
  }
  return levers;
}

std::vector<std::string> ParseList(absl::string_view list) {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(list, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

std::string FormatTime(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "-";
  return data::FormatTimestamp(time.seconds());
}

std::string StrategyName(v1::Strategy strategy) {
  return EnumName(v1::Strategy_Name(strategy), "STRATEGY_", strategy);
}

std::string OutcomeName(v1::FeedbackOutcome outcome) {
  return EnumName(v1::FeedbackOutcome_Name(outcome), "FEEDBACK_OUTCOME_",
                  outcome);
}

std::string EligibilitySummary(const v1::EligibilityRules& rules) {
  std::vector<std::string> parts;
  if (rules.has_min_age() || rules.has_max_age()) {
    if (rules.has_min_age() && rules.has_max_age()) {
      parts.push_back(
          absl::StrCat("age ", rules.min_age(), "..", rules.max_age()));
    } else if (rules.has_min_age()) {
      parts.push_back(absl::StrCat("age >= ", rules.min_age()));
    } else {
      parts.push_back(absl::StrCat("age <= ", rules.max_age()));
    }
  }
  if (rules.has_min_income()) {
    parts.push_back(absl::StrCat("income >= ", Number(rules.min_income())));
  }
  if (!rules.segments().empty()) {
    parts.push_back(
        absl::StrCat("segment ", absl::StrJoin(rules.segments(), "|")));
  }
  if (rules.has_min_credit_score()) {
    parts.push_back(absl::StrCat("credit score >= ", rules.min_credit_score()));
  }
  if (rules.kyc_required()) parts.push_back("KYC");
  return parts.empty() ? "everyone" : absl::StrJoin(parts, ", ");
}

std::string FormatOffers(
    const google::protobuf::RepeatedPtrField<v1::Offer>& offers, int indent) {
  const std::string pad(indent, ' ');
  std::string out;
  for (const v1::Offer& offer : offers) {
    absl::StrAppend(&out, pad, offer.rank(), ". ", offer.product_id());
    if (!offer.name().empty()) absl::StrAppend(&out, " ", offer.name());
    if (!offer.category().empty()) {
      absl::StrAppend(&out, " (", offer.category(), ")");
    }
    absl::StrAppend(&out, "  priority ", Number(offer.priority()),
                    "  propensity ", Number(offer.propensity()), "  score ",
                    Number(offer.score()));
    if (offer.offer_type() != v1::OFFER_TYPE_UNSPECIFIED &&
        offer.offer_type() != v1::OFFER_TYPE_DEFAULT) {
      absl::StrAppend(&out, "  ", OfferTypeName(offer.offer_type()));
    }
    absl::StrAppend(&out, "\n");
    for (const v1::Reason& reason : offer.reasons()) {
      absl::StrAppend(&out, pad, "     because ");
      AppendReason(reason, &out);
      absl::StrAppend(&out, "\n");
    }
  }
  return out;
}

std::string FormatSuppressions(
    const google::protobuf::RepeatedPtrField<v1::Suppression>& suppressions,
    int indent) {
  const std::string pad(indent, ' ');
  std::string out;
  for (const v1::Suppression& s : suppressions) {
    absl::StrAppend(&out, pad, s.product_id(), " ",
                    SuppressionName(s.reason()));
    if (!s.rule().empty()) absl::StrAppend(&out, " ", s.rule());
    if (!s.detail().empty()) {
      // The sentence already says until when.
      absl::StrAppend(&out, ": ", s.detail());
    } else if (s.has_until()) {
      absl::StrAppend(&out, " (until ", FormatTime(s.until()), ")");
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

std::string FormatNoAction(const v1::NoAction& no_action, int indent) {
  std::string out =
      absl::StrCat(std::string(indent, ' '), "no action: ", no_action.reason());
  if (no_action.count() > 0) {
    absl::StrAppend(&out, " (", no_action.count(), " candidates)");
  }
  if (!no_action.message().empty()) {
    absl::StrAppend(&out, ": ", no_action.message());
  }
  return out + "\n";
}

std::string FormatRecommendation(const v1::RecommendResponse& response) {
  std::string out =
      absl::StrCat("customer ", response.customer_id(), "  model ",
                   Model(response.model_name(), response.model_version()), "  ",
                   StrategyName(response.strategy()));
  if (!response.experiment_arm().empty()) {
    absl::StrAppend(&out, "  arm ", response.experiment_arm());
  }
  if (!response.channel().empty()) {
    absl::StrAppend(&out, "  channel ", response.channel());
  }
  absl::StrAppend(&out, "\ndecision ", response.decision_id(), " at ",
                  FormatTime(response.timestamp()), "  catalog revision ",
                  response.catalog_revision(), "\n");
  if (response.offers_size() > 0) {
    absl::StrAppend(&out, "offers:\n", FormatOffers(response.offers(), 2));
  } else {
    absl::StrAppend(&out, FormatNoAction(response.no_action(), 0));
  }
  if (response.suppressions_size() > 0) {
    absl::StrAppend(&out, "suppressed:\n",
                    FormatSuppressions(response.suppressions(), 2));
  }
  return out;
}

std::string FormatCustomer(absl::string_view customer_id,
                           const v1::GetCustomerResponse& response) {
  std::string out = absl::StrCat("customer ", customer_id, "\n");
  if (response.has_profile()) {
    const v1::CustomerProfile& p = response.profile();
    std::vector<std::string> parts;
    if (p.has_age()) parts.push_back(absl::StrCat("age ", p.age()));
    if (p.has_income())
      parts.push_back(absl::StrCat("income ", Number(p.income())));
    if (p.has_segment()) parts.push_back(absl::StrCat("segment ", p.segment()));
    if (p.has_credit_score()) {
      parts.push_back(absl::StrCat("credit score ", p.credit_score()));
    }
    if (p.has_kyc_verified()) {
      parts.push_back(p.kyc_verified() ? "KYC verified" : "KYC not verified");
    }
    absl::StrAppend(
        &out, "profile: ",
        parts.empty() ? "(no attributes)" : absl::StrJoin(parts, ", "),
        "  (updated ", FormatTime(p.updated_time()), ")\n");
    if (!p.attributes().empty()) {
      // The map's order is unspecified; sorted for stable output.
      std::map<std::string, std::string> sorted(p.attributes().begin(),
                                                p.attributes().end());
      absl::StrAppend(&out, "  ",
                      absl::StrJoin(sorted, ", ", absl::PairFormatter("=")),
                      "\n");
    }
  } else {
    absl::StrAppend(&out, "profile: none (never upserted)\n");
  }
  absl::StrAppend(&out, "holdings (", response.holdings_size(), "):\n");
  for (const v1::Holding& holding : response.holdings()) {
    absl::StrAppend(&out, "  ", holding.product_id(), "  since ",
                    FormatTime(holding.since()), "\n");
  }
  absl::StrAppend(&out, "transactions (", response.transactions_size(),
                  ", newest first):\n");
  for (const v1::Transaction& t : response.transactions()) {
    absl::StrAppend(&out, "  ", FormatTime(t.timestamp()), "  ", t.product_id(),
                    "  ", EventName(t.event()));
    if (t.amount() != 0) absl::StrAppend(&out, "  ", Number(t.amount()));
    if (!t.transaction_id().empty()) {
      absl::StrAppend(&out, "  [", t.transaction_id(), "]");
    }
    absl::StrAppend(&out, "\n");
  }
  absl::StrAppend(&out, "decisions (", response.decisions_size(),
                  ", newest first):\n");
  for (const v1::DecisionRecord& d : response.decisions()) {
    absl::StrAppend(&out, "  ", d.decision_id(), "  ",
                    FormatTime(d.timestamp()), "  model ",
                    Model(d.model_name(), d.model_version()), "  ",
                    StrategyName(d.strategy()));
    if (!d.experiment_arm().empty()) {
      absl::StrAppend(&out, "  arm ", d.experiment_arm());
    }
    if (!d.channel().empty()) absl::StrAppend(&out, "  channel ", d.channel());
    absl::StrAppend(&out, "  catalog revision ", d.catalog_revision(), "\n");
    absl::StrAppend(&out, "    asked for ", d.num_offers(), " offers");
    if (d.exclude_products_size() > 0) {
      absl::StrAppend(&out, ", excluding ",
                      absl::StrJoin(d.exclude_products(), ","));
    }
    absl::StrAppend(&out, "\n");
    if (d.offers_size() > 0) {
      absl::StrAppend(&out, "    offers:\n", FormatOffers(d.offers(), 6));
    } else {
      absl::StrAppend(&out, FormatNoAction(d.no_action(), 4));
    }
    if (d.suppressions_size() > 0) {
      absl::StrAppend(&out, "    suppressed:\n",
                      FormatSuppressions(d.suppressions(), 6));
    }
    if (d.feedback_size() > 0) {
      absl::StrAppend(&out, "    feedback:\n");
      for (const v1::FeedbackEvent& f : d.feedback()) {
        absl::StrAppend(&out, "      ", FormatTime(f.timestamp()), "  ",
                        f.product_id(), "  ", OutcomeName(f.outcome()));
        if (!f.channel().empty()) absl::StrAppend(&out, "  ", f.channel());
        absl::StrAppend(&out, "\n");
      }
    }
  }
  return out;
}

std::vector<std::vector<std::string>> CatalogTable(
    const v1::GetCatalogResponse& response) {
  std::vector<std::vector<std::string>> rows = {{"PRODUCT", "NAME", "CATEGORY",
                                                 "VALUE", "LEVER", "TYPE",
                                                 "ELIGIBLE", "CONTACT"}};
  for (const v1::Product& product : response.catalog()) {
    auto lever = response.levers().find(product.product_id());
    std::string contact = "default";
    if (product.has_contact_policy()) {
      const v1::ContactPolicy& c = product.contact_policy();
      contact =
          absl::StrCat(c.max_declines(), " declines/", c.max_impressions(),
                       " impressions -> ", c.suppression_days(), "d");
      if (c.scope() == v1::CONTACT_SCOPE_CATEGORY) contact += " (category)";
    }
    rows.push_back(
        {product.product_id(), product.name(), product.category(),
         Number(product.has_business_value() ? product.business_value() : 1.0),
         lever == response.levers().end() ? "1" : Number(lever->second),
         OfferTypeName(product.offer_type() == v1::OFFER_TYPE_UNSPECIFIED
                           ? v1::OFFER_TYPE_DEFAULT
                           : product.offer_type()),
         EligibilitySummary(product.eligibility()), contact});
  }
  return rows;
}

std::vector<std::vector<std::string>> SimilarTable(
    const v1::SimilarProductsResponse& response) {
  std::vector<std::vector<std::string>> rows = {
      {"RANK", "PRODUCT", "NAME", "CATEGORY", "SIMILARITY"}};
  int rank = 0;
  for (const v1::SimilarProduct& p : response.similar()) {
    rows.push_back({absl::StrCat(++rank), p.product_id(), p.name(),
                    p.category(), absl::StrFormat("%.4f", p.similarity())});
  }
  return rows;
}

std::vector<std::vector<std::string>> ExperimentTable(
    const v1::GetExperimentStatsResponse& response) {
  std::vector<std::vector<std::string>> rows = {
      {"ARM", "IMPRESSIONS", "ACCEPTED", "DECLINED", "ACCEPT_RATE",
       response.confidence() > 0
           ? absl::StrFormat("CI_%g%%", 100 * response.confidence())
           : std::string("CI")}};
  for (const v1::ArmStats& arm : response.arms()) {
    rows.push_back(
        {arm.arm().empty() ? "(no split)" : arm.arm(),
         absl::StrCat(arm.impressions()), absl::StrCat(arm.accepted()),
         absl::StrCat(arm.declined()),
         absl::StrFormat("%.4f", arm.acceptance_rate()),
         absl::StrFormat("[%.4f, %.4f]", arm.ci_low(), arm.ci_high())});
  }
  return rows;
}

}  // namespace nbo::nboctl
