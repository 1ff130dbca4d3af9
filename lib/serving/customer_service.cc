// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/serving/customer_service.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/common/api_limits.h"
#include "lib/common/proto_time.h"
#include "lib/common/quote.h"
#include "lib/common/status_macros.h"
#include "lib/serving/names.h"

namespace nbo::serving {
namespace {

using ::nbo::common::kListCustomersScan;
using ::nbo::common::kMaxAttributeKeyBytes;
using ::nbo::common::kMaxAttributeValueBytes;
using ::nbo::common::kMaxCustomerIdBytes;
using ::nbo::common::kMaxListPageSize;
using ::nbo::common::kMaxMoney;
using ::nbo::common::kMaxProfileAttributes;
using ::nbo::common::kMaxRecentRecords;
using ::nbo::common::kMaxTransactionIdBytes;
using ::nbo::common::QuoteForError;

constexpr int kDefaultRecent = 20;
constexpr int kDefaultListPage = 50;
constexpr int kExportChunk = 500;

void Reject(int32_t index, absl::string_view field, std::string reason,
            google::protobuf::RepeatedPtrField<nbo::v1::RecordError>* out) {
  nbo::v1::RecordError* e = out->Add();
  e->set_index(index);
  e->set_field(std::string(field));
  e->set_reason(std::move(reason));
}

bool AllChars(absl::string_view s, bool (*ok)(char)) {
  for (char c : s) {
    if (!ok(c)) return false;
  }
  return true;
}

bool AttributeKeyChar(char c) {
  return absl::ascii_isdigit(c) || absl::ascii_islower(c) || c == '_';
}
bool TransactionIdChar(char c) {
  return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-';
}

// Empty when the profile is acceptable; else {field, reason}.
std::pair<std::string, std::string> CheckProfile(
    const nbo::v1::CustomerProfile& p) {
  if (absl::Status s = ValidateCustomerId(p.customer_id()); !s.ok()) {
    return {"customer_id", std::string(s.message())};
  }
  if (p.has_age() && (p.age() < 0 || p.age() > common::kMaxAge)) {
    return {"age", absl::StrCat("age must be in [0, ", common::kMaxAge,
                                "], got ", p.age())};
  }
  if (p.has_income() && !(p.income() >= 0 && p.income() <= kMaxMoney)) {
    return {"income",
            absl::StrCat("income must be finite, >= 0 and <= ", kMaxMoney)};
  }
  if (p.has_segment()) {
    if (absl::Status s = ValidateSegment("segment", p.segment()); !s.ok()) {
      return {"segment", std::string(s.message())};
    }
  }
  if (p.has_credit_score() &&
      (p.credit_score() < 0 || p.credit_score() > common::kMaxCreditScore)) {
    return {"credit_score",
            absl::StrCat("credit_score must be in [0, ",
                         common::kMaxCreditScore, "], got ", p.credit_score())};
  }
  if (p.attributes_size() > kMaxProfileAttributes) {
    return {"attributes",
            absl::StrCat("at most ", kMaxProfileAttributes, " attributes, got ",
                         p.attributes_size())};
  }
  for (const auto& [key, value] : p.attributes()) {
    if (key.empty() || key.size() > kMaxAttributeKeyBytes ||
        !AllChars(key, AttributeKeyChar)) {
      return {"attributes",
              absl::StrCat("attribute keys must be 1..", kMaxAttributeKeyBytes,
                           " of [a-z0-9_]")};
    }
    if (value.size() > kMaxAttributeValueBytes) {
      return {"attributes", absl::StrCat("attribute '", key, "' is over ",
                                         kMaxAttributeValueBytes, " bytes")};
    }
  }
  return {};
}

}  // namespace

std::pair<double, double> WilsonInterval(int64_t successes, int64_t trials,
                                         double confidence) {
  if (trials <= 0) return {0.0, 1.0};
  // z with P(|Z| <= z) = confidence, by bisection on the normal CDF.
  const double tail = (1 - confidence) / 2;
  double lo = 0, hi = 40;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    const double upper_tail = 0.5 * std::erfc(mid / std::sqrt(2.0));
    (upper_tail > tail ? lo : hi) = mid;
  }
  const double z = (lo + hi) / 2;
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z2 = z * z;
  const double denominator = 1 + z2 / n;
  const double center = (p + z2 / (2 * n)) / denominator;
  const double half =
      z / denominator * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

CustomerService::CustomerService(store::CustomerStore* store,
                                 const CatalogRegistry* catalogs,
                                 Options options,
                                 std::function<absl::Time()> now)
    : store_(store),
      catalogs_(catalogs),
      options_(options),
      now_(std::move(now)) {}

std::string CustomerService::CheckTimestamp(
    const google::protobuf::Timestamp& t, absl::Time now) const {
  if (t.nanos() < 0 || t.nanos() > 999999999) {
    return "timestamp nanos must be in [0, 999999999]";
  }
  if (t.seconds() < 0) return "timestamp is before 1970";
  const absl::Time when = common::FromProtoTime(t);
  if (when > now + options_.max_clock_skew) {
    return absl::StrCat(
        "timestamp is ",
        absl::FormatDuration(absl::Trunc(when - now, absl::Seconds(1))),
        " in the future (the limit is ",
        absl::FormatDuration(options_.max_clock_skew), ")");
  }
  return "";
}

std::string CustomerService::CheckRetained(const google::protobuf::Timestamp& t,
                                           absl::Time now) const {
  const absl::Time when = common::FromProtoTime(t);
  if (when >= now - options_.transaction_retention) return "";
  return absl::StrCat(
      "timestamp is ",
      absl::FormatDuration(absl::Trunc(now - when, absl::Hours(1))),
      " old, past the transaction retention of ",
      absl::FormatDuration(options_.transaction_retention),
      " (--transaction_retention): it would be deleted at the next retention "
      "run");
}

std::string CustomerService::CheckAfterDecision(
    const google::protobuf::Timestamp& t, absl::Time decided) const {
  const absl::Time when = common::FromProtoTime(t);
  if (when >= decided - options_.max_clock_skew) return "";
  return absl::StrCat(
      "timestamp is ",
      absl::FormatDuration(absl::Trunc(decided - when, absl::Seconds(1))),
      " before the decision was made (the tolerance is ",
      absl::FormatDuration(options_.max_clock_skew),
      "): feedback cannot precede its offer");
}

absl::Status CustomerService::UpsertCustomers(
    const nbo::v1::UpsertCustomersRequest& request,
    nbo::v1::UpsertCustomersResponse* response) {
  if (request.customers().empty()) {
    return absl::InvalidArgumentError("customers is empty");
  }
  if (request.customers_size() > options_.max_batch) {
    return absl::InvalidArgumentError(
        absl::StrCat("customers has ", request.customers_size(),
                     " records; the limit is ", options_.max_batch));
  }
  const absl::Time now = now_();
  std::vector<nbo::v1::CustomerProfile> accepted;
  accepted.reserve(request.customers_size());
  for (int i = 0; i < request.customers_size(); ++i) {
    const nbo::v1::CustomerProfile& p = request.customers(i);
    auto [field, reason] = CheckProfile(p);
    if (field.empty() && p.has_updated_time()) {
      reason = CheckTimestamp(p.updated_time(), now);
      if (!reason.empty()) field = "updated_time";
    }
    if (!field.empty()) {
      Reject(i, field, std::move(reason), response->mutable_rejected());
      continue;
    }
    accepted.push_back(p);
    if (!p.has_updated_time()) {
      common::ToProtoTime(now, accepted.back().mutable_updated_time());
    }
  }
  if (!accepted.empty()) NBO_RETURN_IF_ERROR(store_->UpsertProfiles(accepted));
  response->set_accepted(static_cast<int32_t>(accepted.size()));
  return absl::OkStatus();
}

absl::Status CustomerService::RecordTransactions(
    const nbo::v1::RecordTransactionsRequest& request, int32_t index_base,
    nbo::v1::RecordTransactionsResponse* response) {
  if (request.transactions().empty()) {
    return absl::InvalidArgumentError("transactions is empty");
  }
  if (request.transactions_size() > options_.max_batch) {
    return absl::InvalidArgumentError(
        absl::StrCat("transactions has ", request.transactions_size(),
                     " records; the limit is ", options_.max_batch));
  }
  const absl::Time now = now_();
  std::vector<nbo::v1::Transaction> accepted;
  accepted.reserve(request.transactions_size());
  for (int i = 0; i < request.transactions_size(); ++i) {
    const nbo::v1::Transaction& t = request.transactions(i);
    const int32_t index = index_base + i;
    auto reject = [&](absl::string_view field, std::string reason) {
      Reject(index, field, std::move(reason), response->mutable_rejected());
    };
    if (absl::Status s = ValidateCustomerId(t.customer_id()); !s.ok()) {
      reject("customer_id", std::string(s.message()));
      continue;
    }
    if (absl::Status s = ValidateProductId(t.product_id(), "product_id");
        !s.ok()) {
      reject("product_id", std::string(s.message()));
      continue;
    }
    if (!catalogs_->KnowsProduct(t.product_id())) {
      reject("product_id",
             absl::StrCat("unknown product ", QuoteForError(t.product_id()),
                          ": no model's catalog lists it"));
      continue;
    }
    if (t.event() == nbo::v1::TRANSACTION_EVENT_UNSPECIFIED ||
        !nbo::v1::TransactionEvent_IsValid(t.event())) {
      reject("event", "event must be VIEW, APPLY, PURCHASE, OPEN or CLOSE");
      continue;
    }
    if (!t.has_timestamp()) {
      reject("timestamp", "timestamp is required");
      continue;
    }
    if (std::string why = CheckTimestamp(t.timestamp(), now); !why.empty()) {
      reject("timestamp", std::move(why));
      continue;
    }
    if (std::string why = CheckRetained(t.timestamp(), now); !why.empty()) {
      reject("timestamp", std::move(why));
      continue;
    }
    if (!(t.amount() >= 0 && t.amount() <= kMaxMoney)) {
      reject("amount",
             absl::StrCat("amount must be finite, >= 0 and <= ", kMaxMoney));
      continue;
    }
    if (t.transaction_id().size() > kMaxTransactionIdBytes ||
        !AllChars(t.transaction_id(), TransactionIdChar)) {
      reject("transaction_id",
             absl::StrCat("transaction_id must be 0..", kMaxTransactionIdBytes,
                          " of [A-Za-z0-9._:-]"));
      continue;
    }
    accepted.push_back(t);
  }
  if (!accepted.empty()) {
    NBO_ASSIGN_OR_RETURN(store::AppendResult result,
                         store_->AppendTransactions(accepted));
    response->set_accepted(response->accepted() + result.accepted);
    response->set_duplicates(response->duplicates() + result.duplicates);
  }
  return absl::OkStatus();
}

absl::Status CustomerService::RecordFeedback(
    const nbo::v1::RecordFeedbackRequest& request,
    nbo::v1::RecordFeedbackResponse* response, store::FeedbackResult* result) {
  const absl::StatusOr<absl::Time> decided =
      store::DecisionIdTime(request.decision_id());
  if (!decided.ok()) {
    return absl::InvalidArgumentError(
        "decision_id must be the 32 hex characters of a RecommendResponse");
  }
  NBO_RETURN_IF_ERROR(ValidateCustomerId(request.customer_id()));
  NBO_RETURN_IF_ERROR(ValidateProductId(request.product_id(), "product_id"));
  if (request.outcome() == nbo::v1::FEEDBACK_OUTCOME_UNSPECIFIED ||
      !nbo::v1::FeedbackOutcome_IsValid(request.outcome())) {
    return absl::InvalidArgumentError(
        "outcome must be IMPRESSION, ACCEPTED or DECLINED");
  }
  NBO_RETURN_IF_ERROR(ValidateChannel(request.channel()));
  const absl::Time now = now_();
  nbo::v1::FeedbackEvent event;
  event.set_product_id(request.product_id());
  event.set_outcome(request.outcome());
  event.set_channel(request.channel());
  if (request.has_timestamp()) {
    if (std::string why = CheckTimestamp(request.timestamp(), now);
        !why.empty()) {
      return absl::InvalidArgumentError(why);
    }
    if (std::string why = CheckAfterDecision(request.timestamp(), *decided);
        !why.empty()) {
      return absl::InvalidArgumentError(why);
    }
    *event.mutable_timestamp() = request.timestamp();
  } else {
    common::ToProtoTime(now, event.mutable_timestamp());
  }
  NBO_ASSIGN_OR_RETURN(store::FeedbackResult stored,
                       store_->RecordFeedback(request.customer_id(),
                                              request.decision_id(), event));
  response->set_duplicate(stored.duplicate);
  response->set_experiment_arm(stored.experiment_arm);
  if (result != nullptr) *result = std::move(stored);
  return absl::OkStatus();
}

absl::Status CustomerService::GetCustomer(
    const nbo::v1::GetCustomerRequest& request,
    nbo::v1::GetCustomerResponse* response) const {
  NBO_RETURN_IF_ERROR(ValidateCustomerId(request.customer_id()));
  auto limit = [](int32_t requested,
                  absl::string_view field) -> absl::StatusOr<int> {
    if (requested < 0 || requested > kMaxRecentRecords) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, " must be in [0, ", kMaxRecentRecords, "], got ", requested));
    }
    return requested == 0 ? kDefaultRecent : requested;
  };
  NBO_ASSIGN_OR_RETURN(const int max_transactions,
                       limit(request.max_transactions(), "max_transactions"));
  NBO_ASSIGN_OR_RETURN(const int max_decisions,
                       limit(request.max_decisions(), "max_decisions"));
  bool known = false;
  absl::StatusOr<store::CustomerState> state =
      store_->GetState(request.customer_id());
  if (state.ok()) {
    known = true;
    if (state->profile.has_value())
      *response->mutable_profile() = *state->profile;
    for (const store::HoldingState& h : state->holdings) {
      nbo::v1::Holding* out = response->add_holdings();
      out->set_product_id(h.product_id);
      common::ToProtoTime(h.since, out->mutable_since());
    }
  } else if (!absl::IsNotFound(state.status())) {
    return state.status();
  }
  NBO_ASSIGN_OR_RETURN(
      std::vector<nbo::v1::Transaction> transactions,
      store_->RecentTransactions(request.customer_id(), max_transactions));
  NBO_ASSIGN_OR_RETURN(
      std::vector<nbo::v1::DecisionRecord> decisions,
      store_->RecentDecisions(request.customer_id(), max_decisions));
  known = known || !transactions.empty() || !decisions.empty();
  if (!known) {
    return absl::NotFoundError("nbo has no data for this customer");
  }
  for (nbo::v1::Transaction& t : transactions) {
    *response->add_transactions() = std::move(t);
  }
  for (nbo::v1::DecisionRecord& d : decisions) {
    *response->add_decisions() = std::move(d);
  }
  return absl::OkStatus();
}

absl::Status CustomerService::ListCustomers(
    const nbo::v1::ListCustomersRequest& request,
    nbo::v1::ListCustomersResponse* response) const {
  store::CustomerQuery query;
  if (request.page_size() < 0 || request.page_size() > kMaxListPageSize) {
    return absl::InvalidArgumentError(absl::StrCat("page_size must be in [0, ",
                                                   kMaxListPageSize, "], got ",
                                                   request.page_size()));
  }
  query.page_size =
      request.page_size() == 0 ? kDefaultListPage : request.page_size();
  query.scan_limit = std::max(kListCustomersScan, query.page_size);
  if (!request.segment().empty()) {
    NBO_RETURN_IF_ERROR(ValidateSegment("segment", request.segment()));
    query.segment = request.segment();
  }
  if (request.id_prefix().size() > kMaxCustomerIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("id_prefix is ", request.id_prefix().size(),
                     " bytes; the limit is ", kMaxCustomerIdBytes));
  }
  query.id_prefix = request.id_prefix();
  if (!request.page_token().empty()) {
    // The token is the last id the previous page examined, so a page never
    // repeats or skips an id whatever is added meanwhile.
    if (!absl::WebSafeBase64Unescape(request.page_token(), &query.after) ||
        !ValidateCustomerId(query.after).ok() ||
        !absl::StartsWith(query.after, query.id_prefix)) {
      return absl::InvalidArgumentError(
          "page_token is not a next_page_token of a ListCustomers call with "
          "this id_prefix");
    }
  }
  NBO_ASSIGN_OR_RETURN(store::CustomerPage page, store_->ListCustomers(query));
  for (std::string& id : page.customer_ids) {
    response->add_customer_ids(std::move(id));
  }
  if (page.resume_after.has_value()) {
    response->set_next_page_token(
        absl::WebSafeBase64Escape(*page.resume_after));
  }
  return absl::OkStatus();
}

absl::Status CustomerService::GetExperimentStats(
    const nbo::v1::GetExperimentStatsRequest& request,
    nbo::v1::GetExperimentStatsResponse* response) const {
  NBO_RETURN_IF_ERROR(ValidateModelName(request.model_name()));
  const double confidence =
      request.confidence() == 0 ? 0.95 : request.confidence();
  if (!(confidence > 0 && confidence < 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "confidence must be in (0, 1), got ", request.confidence()));
  }
  NBO_ASSIGN_OR_RETURN(std::vector<store::ArmCounts> counts,
                       store_->ExperimentCounts(request.model_name()));
  response->set_model_name(request.model_name());
  response->set_confidence(confidence);
  for (const store::ArmCounts& c : counts) {
    nbo::v1::ArmStats* arm = response->add_arms();
    arm->set_arm(c.arm);
    arm->set_impressions(c.impressions);
    arm->set_accepted(c.accepted);
    arm->set_declined(c.declined);
    arm->set_acceptance_rate(
        c.impressions == 0 ? 0.0
                           : static_cast<double>(c.accepted) / c.impressions);
    const auto [low, high] =
        WilsonInterval(c.accepted, c.impressions, confidence);
    arm->set_ci_low(low);
    arm->set_ci_high(high);
  }
  return absl::OkStatus();
}

absl::Status CustomerService::ExportFeedback(
    const nbo::v1::ExportFeedbackRequest& request,
    const std::function<bool(const nbo::v1::ExportFeedbackResponse&)>& write)
    const {
  const absl::Time since = request.has_since()
                               ? common::FromProtoTime(request.since())
                               : absl::InfinitePast();
  nbo::v1::ExportFeedbackResponse chunk;
  NBO_RETURN_IF_ERROR(store_->ScanFeedback(
      since, [&](const nbo::v1::ExportedFeedback& f) -> absl::Status {
        *chunk.add_feedback() = f;
        if (chunk.feedback_size() >= kExportChunk) {
          if (!write(chunk)) return absl::CancelledError("client went away");
          chunk.Clear();
        }
        return absl::OkStatus();
      }));
  if (chunk.feedback_size() > 0 && !write(chunk)) {
    return absl::CancelledError("client went away");
  }
  return absl::OkStatus();
}

}  // namespace nbo::serving
