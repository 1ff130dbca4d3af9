// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Parsing of nboctl's small value syntaxes (outcomes, lever lists, id lists)
// and the human-readable rendering of decisions, customers, catalogs and
// experiment statistics. Pure functions of their arguments, so that the
// commands stay thin and the output is unit-tested.

#ifndef NBO_TOOLS_NBOCTL_CLI_FORMAT_H_
#define NBO_TOOLS_NBOCTL_CLI_FORMAT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/timestamp.pb.h"
#include "nbo/v1/model_service.pb.h"
#include "nbo/v1/nbo_service.pb.h"

namespace nbo::nboctl {

// The outcome `name` names: "impression", "accepted" or "declined" (also
// "accept", "decline" and the enum's own names; ASCII case ignored).
// INVALID_ARGUMENT, listing the three, for anything else.
absl::StatusOr<v1::FeedbackOutcome> ParseOutcome(absl::string_view name);

// Levers from "P01=1.5,P02=0.5" (spaces around items allowed; an empty
// string is no levers). INVALID_ARGUMENT for an item that is not id=number,
// an empty id, a product named twice, or a lever that is negative, NaN or
// infinite.
absl::StatusOr<std::map<std::string, double>> ParseLevers(
    absl::string_view spec);

// "P01, P02,,P03" -> {"P01", "P02", "P03"}: comma-separated, stripped,
// empty items dropped.
std::vector<std::string> ParseList(absl::string_view list);

// "2024-03-01T10:00:00Z" (fractions dropped), or "-" when unset.
std::string FormatTime(const google::protobuf::Timestamp& time);

// "PERSONALIZED" for STRATEGY_PERSONALIZED, and so on.
std::string StrategyName(v1::Strategy strategy);
// "ACCEPTED" for FEEDBACK_OUTCOME_ACCEPTED, and so on.
std::string OutcomeName(v1::FeedbackOutcome outcome);

// "age 18..65, income >= 15000, segment mass|affluent, credit score >= 620,
// KYC", or "everyone" when no rule is set.
std::string EligibilitySummary(const v1::EligibilityRules& rules);

// One line per offer, reason, suppression and the no-action, indented by
// `indent` spaces; what `nboctl recommend --text` and `nboctl customer`
// print for a decision.
std::string FormatOffers(
    const google::protobuf::RepeatedPtrField<v1::Offer>& offers, int indent);
std::string FormatSuppressions(
    const google::protobuf::RepeatedPtrField<v1::Suppression>& suppressions,
    int indent);
std::string FormatNoAction(const v1::NoAction& no_action, int indent);

// A Recommend answer for people: model, strategy, decision id, offers with
// their reasons, suppressions and the no-action when there are no offers.
std::string FormatRecommendation(const v1::RecommendResponse& response);

// The compliance view for people: profile, holdings, recent transactions
// and decisions with their suppressions and feedback.
std::string FormatCustomer(absl::string_view customer_id,
                           const v1::GetCustomerResponse& response);

// Tables for cli_util's PrintTable(), the header row first.
std::vector<std::vector<std::string>> CatalogTable(
    const v1::GetCatalogResponse& response);
std::vector<std::vector<std::string>> SimilarTable(
    const v1::SimilarProductsResponse& response);
std::vector<std::vector<std::string>> ExperimentTable(
    const v1::GetExperimentStatsResponse& response);

}  // namespace nbo::nboctl

#endif  // NBO_TOOLS_NBOCTL_CLI_FORMAT_H_
