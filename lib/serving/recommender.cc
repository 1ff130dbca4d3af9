// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/serving/recommender.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "lib/common/api_limits.h"
#include "lib/common/proto_time.h"
#include "lib/common/quote.h"
#include "lib/common/status_macros.h"
#include "lib/decision/decision_engine.h"
#include "lib/serving/fold_in.h"
#include "lib/serving/names.h"

namespace nbo::serving {
namespace {

// A propensity as answers show it: 4 decimals, so that no answer claims
// more precision than a calibrated probability has (0.99999999998 is
// shown as 1). Arbitration uses the unrounded value.
double AnswerPropensity(double propensity) {
  return std::round(propensity * 1e4) / 1e4;
}

using ::nbo::common::kMaxExcludedProducts;
using ::nbo::common::kMaxScoredProducts;
using ::nbo::common::QuoteForError;

constexpr int kMaxSimilar = common::kMaxSimilarProducts;
constexpr int kDefaultSimilar = 5;

// A customer factor: on the stack for the usual ranks, on the heap above.
class FactorBuffer {
 public:
  explicit FactorBuffer(int32_t rank) {
    if (rank <= kStackRank) {
      span_ = absl::MakeSpan(stack_, rank);
    } else {
      heap_.resize(rank);
      span_ = absl::MakeSpan(heap_);
    }
  }
  absl::Span<float> span() { return span_; }

 private:
  static constexpr int32_t kStackRank = 256;
  float stack_[kStackRank];
  std::vector<float> heap_;
  absl::Span<float> span_;
};

std::optional<int32_t> OptionalOffers(bool has, int32_t value) {
  return has ? std::optional<int32_t>(value) : std::nullopt;
}

decision::CustomerProfile ToDecisionProfile(const nbo::v1::CustomerProfile& p) {
  decision::CustomerProfile out;
  if (p.has_age()) out.age = p.age();
  if (p.has_income()) out.income = p.income();
  if (p.has_segment()) out.segment = p.segment();
  if (p.has_credit_score()) out.credit_score = p.credit_score();
  if (p.has_kyc_verified()) out.kyc_verified = p.kyc_verified();
  return out;
}

nbo::v1::OfferType ToApiOfferType(decision::OfferType type) {
  switch (type) {
    case decision::OfferType::kMandatory:
      return nbo::v1::OFFER_TYPE_MANDATORY;
    case decision::OfferType::kTransactional:
      return nbo::v1::OFFER_TYPE_TRANSACTIONAL;
    case decision::OfferType::kDefault:
      break;
  }
  return nbo::v1::OFFER_TYPE_DEFAULT;
}

nbo::v1::SuppressionReason ToApiReason(decision::SuppressionReason reason) {
  switch (reason) {
    case decision::SuppressionReason::kIneligible:
      return nbo::v1::SUPPRESSION_REASON_INELIGIBLE;
    case decision::SuppressionReason::kOwned:
      return nbo::v1::SUPPRESSION_REASON_OWNED;
    case decision::SuppressionReason::kFatigued:
      return nbo::v1::SUPPRESSION_REASON_FATIGUED;
    case decision::SuppressionReason::kFilteredByRequest:
      return nbo::v1::SUPPRESSION_REASON_FILTERED_BY_REQUEST;
    case decision::SuppressionReason::kNotInCatalog:
      return nbo::v1::SUPPRESSION_REASON_NOT_IN_CATALOG;
    case decision::SuppressionReason::kBelowTopN:
      break;
  }
  return nbo::v1::SUPPRESSION_REASON_UNSPECIFIED;
}

std::optional<data::Event> ToEvent(nbo::v1::TransactionEvent event) {
  switch (event) {
    case nbo::v1::TRANSACTION_EVENT_VIEW:
      return data::Event::kView;
    case nbo::v1::TRANSACTION_EVENT_APPLY:
      return data::Event::kApply;
    case nbo::v1::TRANSACTION_EVENT_PURCHASE:
      return data::Event::kPurchase;
    case nbo::v1::TRANSACTION_EVENT_OPEN:
      return data::Event::kOpen;
    case nbo::v1::TRANSACTION_EVENT_CLOSE:
      return data::Event::kClose;
    default:
      return std::nullopt;
  }
}

// Whether the version was trained with feedback (nbo-trainer
// --feedback_path): then a customer's declines belong in their row too.
bool TrainedWithFeedback(const model::ModelVersion& version) {
  auto it = version.labels().find("feedback_rows");
  return it != version.labels().end() && !it->second.empty() &&
         it->second != "0";
}

// The customer's interaction row for `version`, as the trainer would build
// it: their stored `transactions` and, when the version learnt from
// feedback, their declines.
absl::StatusOr<InteractionRow> CustomerRow(
    absl::Span<const nbo::v1::Transaction> transactions,
    const store::CustomerState& state, const model::ModelVersion& version,
    const FoldInConfig& config) {
  std::vector<CustomerEvent> events;
  events.reserve(transactions.size());
  for (const nbo::v1::Transaction& t : transactions) {
    if (std::optional<data::Event> e = ToEvent(t.event()); e.has_value()) {
      events.push_back({t.product_id(), *e});
    }
  }
  if (TrainedWithFeedback(version)) {
    for (const store::ContactHistory& c : state.contacts) {
      for (size_t i = 0; i < c.declines.size(); ++i) {
        events.push_back({c.product_id, data::Event::kDecline});
      }
    }
  }
  return BuildInteractionRow(version, events, config.weights);
}

// What the second stage reads about one customer at one time: the
// profile's slots and the history with each catalog product, from the
// store's per-product activity summary (or, for customers recorded before
// the store kept one, from their newest transactions). The same
// inputs the trainer reads from the bank data (lib/eval/propensity_features)
// at its cutoff, through the same encoding.
class SecondStageInputs {
 public:
  SecondStageInputs(const model::ModelVersion& version,
                    const store::CustomerState* state,
                    absl::Span<const nbo::v1::Transaction> transactions,
                    absl::Time now)
      : version_(version),
        model_(*version.propensity_model()),
        now_(absl::ToUnixSeconds(now)),
        histories_(version.catalog().size()) {
    std::array<absl::string_view, model::kMaxPropensityAttributes> attributes;
    model::CustomerInputs in;
    const std::vector<model::PropensityAttribute>& names =
        model_.params().attributes;
    if (state != nullptr && state->profile.has_value()) {
      const nbo::v1::CustomerProfile& p = *state->profile;
      if (p.has_age()) in.age = p.age();
      if (p.has_income()) in.income = p.income();
      if (p.has_credit_score()) in.credit_score = p.credit_score();
      if (p.has_segment()) in.segment = p.segment();
      for (size_t a = 0; a < names.size() && a < attributes.size(); ++a) {
        auto it = p.attributes().find(names[a].name);
        if (it != p.attributes().end()) attributes[a] = it->second;
      }
      in.attributes = absl::MakeConstSpan(attributes.data(), names.size());
    }
    if (state != nullptr) {
      in.holdings = static_cast<int32_t>(state->holdings.size());
    }
    code_ = model_.EncodeCustomer(in);
    if (state != nullptr && state->activity_complete) {
      // The store's summary of every transaction: no read.
      for (const store::ProductActivity& a : state->activity) {
        const int32_t index = version.ProductIndex(a.product_id);
        if (index < 0) continue;
        for (int e = 0; e < 32; ++e) {
          std::optional<model::PairEvent> event =
              (a.event_mask >> e) & 1
                  ? PairEventOf(static_cast<nbo::v1::TransactionEvent>(e))
                  : std::nullopt;
          if (event.has_value()) {
            histories_[index].Add(*event, absl::ToUnixSeconds(a.last));
          }
        }
      }
      return;
    }
    for (const nbo::v1::Transaction& t : transactions) {
      std::optional<model::PairEvent> e = PairEventOf(t.event());
      const int32_t index = version.ProductIndex(t.product_id());
      if (e.has_value() && index >= 0) {
        histories_[index].Add(*e, t.timestamp().seconds());
      }
    }
  }

  // The propensity of catalog product `index`, with the model score when
  // there is one.
  double Propensity(int32_t index, bool has_score, double score) const {
    return model_.Propensity(version_.PropensityRow(index), code_,
                             histories_[index].At(now_, has_score, score));
  }

 private:
  // The mapping of model::PairHistory, for the server's transactions.
  static std::optional<model::PairEvent> PairEventOf(
      nbo::v1::TransactionEvent event) {
    switch (event) {
      case nbo::v1::TRANSACTION_EVENT_VIEW:
        return model::PairEvent::kView;
      case nbo::v1::TRANSACTION_EVENT_APPLY:
        return model::PairEvent::kApply;
      case nbo::v1::TRANSACTION_EVENT_PURCHASE:
      case nbo::v1::TRANSACTION_EVENT_OPEN:
      case nbo::v1::TRANSACTION_EVENT_CLOSE:
        return model::PairEvent::kHeldBefore;
      default:
        return std::nullopt;
    }
  }

  const model::ModelVersion& version_;
  const model::PropensityModel& model_;
  const int64_t now_;
  model::CustomerCode code_;
  absl::InlinedVector<model::PairHistory, 32> histories_;
};

// What the store knows of the customer, as the decision engine reads it:
// profile, holdings and contact histories.
void AddCustomer(const store::CustomerState& state,
                 decision::DecisionRequest* request) {
  if (state.profile.has_value()) {
    request->customer = ToDecisionProfile(*state.profile);
  }
  request->holdings.reserve(state.holdings.size());
  for (const store::HoldingState& h : state.holdings) {
    request->holdings.insert(h.product_id);
  }
  for (const store::ContactHistory& c : state.contacts) {
    decision::ProductContacts& contacts = request->contacts[c.product_id];
    contacts.impressions = c.impressions;
    contacts.declines = c.declines;
  }
}

// The reasons the decision gives an offer of `product_id`: the eligibility
// rules the customer meets (quoting their values when `reveal`), and its
// business priority.
void AddDecisionReasons(const DecisionConfig& config,
                        absl::string_view product_id,
                        const decision::CustomerProfile& customer, bool reveal,
                        nbo::v1::Offer* offer) {
  const decision::ProductRule* rule = config.engine->FindProduct(product_id);
  if (rule == nullptr) return;
  for (decision::EligibilityReason& e :
       decision::ExplainEligibility(rule->eligibility, customer, reveal)) {
    nbo::v1::Reason* r = offer->add_reasons();
    r->set_code("ELIGIBLE");
    r->set_attribute(std::move(e.attribute));
    r->set_detail(std::move(e.detail));
  }
  nbo::v1::Reason* r = offer->add_reasons();
  r->set_code("BUSINESS_PRIORITY");
  r->set_detail(absl::StrCat("business value ", rule->business_value,
                             " x lever ", config.levers->Get(product_id)));
}

// What an answer says of itself: whose, from which model version, arm and
// strategy, its decision id, channel, catalog revision and time.
void SetAnswerHeader(absl::string_view customer_id, absl::string_view channel,
                     const model::ModelVersion& version, std::string arm,
                     nbo::v1::Strategy strategy, const DecisionConfig& config,
                     absl::Time now, nbo::v1::RecommendResponse* response) {
  response->set_customer_id(std::string(customer_id));
  response->set_model_name(version.model_name());
  response->set_model_version(version.version());
  response->set_experiment_arm(std::move(arm));
  response->set_strategy(strategy);
  response->set_decision_id(store::MakeDecisionId(now));
  response->set_channel(std::string(channel));
  response->set_catalog_revision(config.revision());
  common::ToProtoTime(now, response->mutable_timestamp());
}

// The answer's suppressions (not those only below the top N) and
// no-action, moved out of `decision`; `candidates` products were scored.
void AddWhyNot(decision::Decision* decision, size_t candidates,
               nbo::v1::RecommendResponse* response) {
  for (decision::Suppression& s : decision->suppressions) {
    if (s.reason == decision::SuppressionReason::kBelowTopN) continue;
    nbo::v1::Suppression* out = response->add_suppressions();
    out->set_product_id(std::string(s.product_id));
    out->set_reason(ToApiReason(s.reason));
    if (s.rule.has_value()) {
      out->set_rule(std::string(decision::EligibilityRuleName(*s.rule)));
    } else if (s.fatigue_cause.has_value()) {
      out->set_rule(std::string(decision::FatigueCauseName(*s.fatigue_cause)));
      common::ToProtoTime(s.suppressed_until, out->mutable_until());
    }
    out->set_detail(std::move(s.detail));
  }
  if (decision->no_action.has_value()) {
    nbo::v1::NoAction* no_action = response->mutable_no_action();
    no_action->set_reason(
        std::string(decision::NoActionReasonName(decision->no_action->reason)));
    no_action->set_count(decision->no_action->count);
    no_action->set_message(
        decision->no_action->reason == decision::NoActionReason::kNoCandidates
            ? "the model scored no products"
            : absl::StrCat(
                  "no product can be offered: ", decision->no_action->count,
                  " of ", candidates, " are ", no_action->reason()));
  }
}

// The catalog ranked by the profile-only propensity (STRATEGY_PROFILE), the
// propensity as the score; ties by catalog order.
std::vector<model::ScoredProduct> RankByProfile(
    const model::ModelVersion& version, const SecondStageInputs& inputs) {
  std::vector<model::ScoredProduct> ranked(version.catalog().size());
  for (size_t i = 0; i < ranked.size(); ++i) {
    const int32_t index = static_cast<int32_t>(i);
    ranked[i] = {index, inputs.Propensity(index, /*has_score=*/false, 0)};
  }
  std::stable_sort(
      ranked.begin(), ranked.end(),
      [](const model::ScoredProduct& a, const model::ScoredProduct& b) {
        return a.score > b.score;
      });
  return ranked;
}

// The decision record of an answer, built without copying the answer's
// offers, suppressions and no-action: the record borrows them for as long
// as it lives (it is serialized into the log, once per request) and gives
// them back before the answer is sent. The answer must outlive the view and
// stay unchanged while it lives.
class DecisionRecordView {
 public:
  explicit DecisionRecordView(nbo::v1::RecommendResponse* answer)
      // On the answer's arena when it has one: nothing to free per call.
      : record_(google::protobuf::Arena::CreateMessage<nbo::v1::DecisionRecord>(
            answer->GetArena())) {
    record_->set_decision_id(answer->decision_id());
    record_->unsafe_arena_set_allocated_timestamp(answer->mutable_timestamp());
    record_->set_model_name(answer->model_name());
    record_->set_model_version(answer->model_version());
    record_->set_experiment_arm(answer->experiment_arm());
    record_->set_strategy(answer->strategy());
    record_->set_channel(answer->channel());
    record_->set_catalog_revision(answer->catalog_revision());
    record_->mutable_offers()->Reserve(answer->offers_size());
    record_->mutable_suppressions()->Reserve(answer->suppressions_size());
    for (nbo::v1::Offer& offer : *answer->mutable_offers()) {
      record_->mutable_offers()->UnsafeArenaAddAllocated(&offer);
    }
    for (nbo::v1::Suppression& s : *answer->mutable_suppressions()) {
      record_->mutable_suppressions()->UnsafeArenaAddAllocated(&s);
    }
    if (answer->has_no_action()) {
      record_->unsafe_arena_set_allocated_no_action(
          answer->mutable_no_action());
    }
  }
  ~DecisionRecordView() {
    // Give the borrowed parts back; the answer still owns them.
    (void)record_->unsafe_arena_release_timestamp();
    (void)record_->unsafe_arena_release_no_action();
    while (!record_->offers().empty()) {
      (void)record_->mutable_offers()->UnsafeArenaReleaseLast();
    }
    while (!record_->suppressions().empty()) {
      (void)record_->mutable_suppressions()->UnsafeArenaReleaseLast();
    }
    if (record_->GetArena() == nullptr) delete record_;
  }
  DecisionRecordView(const DecisionRecordView&) = delete;
  DecisionRecordView& operator=(const DecisionRecordView&) = delete;

  nbo::v1::DecisionRecord* operator->() { return record_; }
  const nbo::v1::DecisionRecord& operator*() const { return *record_; }

 private:
  nbo::v1::DecisionRecord* const record_;
};

}  // namespace

Recommender::Recommender(const ModelManager* manager,
                         const store::ModelStore* store,
                         store::CustomerStore* customers,
                         const CatalogRegistry* catalogs, Options options,
                         std::function<absl::Time()> now)
    : manager_(manager),
      store_(store),
      customers_(customers),
      catalogs_(catalogs),
      options_(options),
      now_(std::move(now)) {}

absl::StatusOr<FoldInConfig> Recommender::ConfigOf(
    const std::shared_ptr<const model::ModelVersion>& version) const {
  std::shared_ptr<const CachedConfig> cached = config_cache_.load();
  if (cached != nullptr && cached->version == version) return cached->config;
  absl::StatusOr<FoldInConfig> parsed =
      FoldInConfigFromLabels(version->labels());
  if (!parsed.ok()) {
    // The version's metadata is at fault, not the request.
    return absl::InternalError(absl::StrCat(
        "version ", version->version(), " of model '", version->model_name(),
        "' has unusable fold-in labels: ", parsed.status().message()));
  }
  FoldInConfig config = *std::move(parsed);
  config_cache_.store(
      std::make_shared<const CachedConfig>(CachedConfig{version, config}));
  return config;
}

absl::StatusOr<int32_t> Recommender::OfferCount(
    std::optional<int32_t> requested) const {
  if (!requested.has_value()) return options_.default_offers;
  if (*requested <= 0 || *requested > options_.max_offers) {
    return absl::InvalidArgumentError(absl::StrCat("num_offers must be in [1, ",
                                                   options_.max_offers,
                                                   "], got ", *requested));
  }
  return *requested;
}

absl::Status Recommender::Recommend(const nbo::v1::RecommendRequest& request,
                                    nbo::v1::RecommendResponse* response,
                                    bool reveal_attributes) const {
  Call call;
  call.customer_id = request.customer_id();
  call.num_offers =
      OptionalOffers(request.has_num_offers(), request.num_offers());
  call.selector = &request.model();
  call.channel = request.channel();
  call.explain = request.explain();
  call.exclude = &request.exclude_products();
  call.reveal_attributes = reveal_attributes;
  return Decide(call, response);
}

absl::Status Recommender::ValidateBatch(
    const nbo::v1::BatchRecommendRequest& request) const {
  if (request.customer_ids().empty()) {
    return absl::InvalidArgumentError("customer_ids is empty");
  }
  if (request.customer_ids_size() > options_.max_batch_customers) {
    return absl::InvalidArgumentError(
        absl::StrCat("customer_ids has ", request.customer_ids_size(),
                     " entries; the limit is ", options_.max_batch_customers));
  }
  if (request.model().has_version() && request.model().version() <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model.version must be positive, got ", request.model().version()));
  }
  return OfferCount(
             OptionalOffers(request.has_num_offers(), request.num_offers()))
      .status();
}

absl::Status Recommender::RecommendOne(
    const nbo::v1::BatchRecommendRequest& request, int index,
    nbo::v1::RecommendResponse* response) const {
  static const google::protobuf::RepeatedPtrField<std::string> kNone;
  Call call;
  call.customer_id = request.customer_ids(index);
  call.num_offers =
      OptionalOffers(request.has_num_offers(), request.num_offers());
  call.selector = &request.model();
  call.exclude = &kNone;
  return Decide(call, response);
}

absl::StatusOr<int32_t> Recommender::ValidateCall(const Call& call) const {
  NBO_RETURN_IF_ERROR(ValidateCustomerId(call.customer_id));
  NBO_ASSIGN_OR_RETURN(const int32_t n, OfferCount(call.num_offers));
  NBO_RETURN_IF_ERROR(ValidateChannel(call.channel));
  if (call.exclude->size() > kMaxExcludedProducts) {
    return absl::InvalidArgumentError(
        absl::StrCat("exclude_products has ", call.exclude->size(),
                     " entries; the limit is ", kMaxExcludedProducts));
  }
  for (const std::string& id : *call.exclude) {
    NBO_RETURN_IF_ERROR(ValidateProductId(id, "exclude_products"));
  }
  return n;
}

absl::Status Recommender::AddScoreReasons(const model::ModelVersion& version,
                                          nbo::v1::Strategy strategy,
                                          const InteractionRow* row,
                                          const FoldInConfig& fold_in_config,
                                          int32_t item,
                                          nbo::v1::Offer* offer) const {
  if (strategy == nbo::v1::STRATEGY_POPULARITY) {
    nbo::v1::Reason* r = offer->add_reasons();
    r->set_code("POPULAR");
    r->set_detail("ranked by the version's popularity");
  } else if (strategy == nbo::v1::STRATEGY_PROFILE) {
    nbo::v1::Reason* r = offer->add_reasons();
    r->set_code("PROFILE");
    r->set_detail("ranked by the propensity of customers with this profile");
  } else if (row != nullptr && !row->items.empty()) {
    NBO_ASSIGN_OR_RETURN(std::vector<Contribution> contributions,
                         ExplainScore(version, fold_in_config, *row, item,
                                      options_.explain_top_products));
    for (const Contribution& c : contributions) {
      nbo::v1::Reason* r = offer->add_reasons();
      r->set_code("CONTRIBUTING_PRODUCT");
      r->set_product_id(version.catalog()[c.item].id);
      r->set_weight(c.weight);
    }
  }
  return absl::OkStatus();
}

absl::Status Recommender::Decide(const Call& call,
                                 nbo::v1::RecommendResponse* response) const {
  NBO_ASSIGN_OR_RETURN(const int32_t n, ValidateCall(call));
  NBO_ASSIGN_OR_RETURN(Route route,
                       manager_->Resolve(*call.selector, call.customer_id));
  const model::ModelVersion& version = *route.version;
  std::shared_ptr<const DecisionConfig> config =
      catalogs_->Get(version.model_name());
  if (config == nullptr) {
    return absl::InternalError(
        absl::StrCat("model '", version.model_name(), "' has no catalog"));
  }

  // What the store knows of the customer.
  NBO_ASSIGN_OR_RETURN(std::shared_ptr<const store::CustomerState> state,
                       customers_->GetSharedState(call.customer_id));
  const bool has_transactions =
      state != nullptr && state->transaction_count > 0;

  // Scoring.
  FactorBuffer buffer(version.rank());
  absl::Span<float> factor = buffer.span();
  const absl::Status found = store_->GetCustomerFactor(
      version.model_name(), version.version(), call.customer_id, factor);
  if (!found.ok() && !absl::IsNotFound(found)) return found;

  std::optional<FoldInConfig> fold_in_config;
  std::optional<InteractionRow> row;
  // The customer's newest transactions, read once for fold-in, the second
  // stage's recency and explanations.
  std::vector<nbo::v1::Transaction> transactions;
  nbo::v1::Strategy strategy = nbo::v1::STRATEGY_POPULARITY;
  const bool second_stage = version.propensity_model() != nullptr;
  if (has_transactions) {
    NBO_ASSIGN_OR_RETURN(fold_in_config, ConfigOf(route.version));
  }
  const bool personalized =
      found.ok() &&
      (!has_transactions ||
       state->newest_transaction <= fold_in_config->training_end ||
       fold_in_config->training_end == absl::InfinitePast());
  // The stage reads the store's per-product summary; only customers whose
  // transactions predate it need them read.
  const bool stage_needs_transactions =
      second_stage && has_transactions && !state->activity_complete;
  if (has_transactions &&
      (!personalized || stage_needs_transactions || call.explain)) {
    NBO_ASSIGN_OR_RETURN(
        transactions, customers_->TransactionsForFoldIn(
                          call.customer_id, options_.fold_in_max_transactions));
  }
  if (personalized) {
    strategy = nbo::v1::STRATEGY_PERSONALIZED;
  } else if (has_transactions) {
    NBO_ASSIGN_OR_RETURN(
        row, CustomerRow(transactions, *state, version, *fold_in_config));
    // Only declines say what the customer does not want, not what they
    // do: a row without a positive value folds into the zero vector.
    if (absl::c_any_of(row->values, [](float v) { return v > 0; })) {
      NBO_ASSIGN_OR_RETURN(std::vector<float> folded,
                           FoldIn(version, *fold_in_config, *row));
      std::copy(folded.begin(), folded.end(), factor.begin());
      strategy = nbo::v1::STRATEGY_FOLD_IN;
    } else if (found.ok()) {
      strategy = nbo::v1::STRATEGY_PERSONALIZED;
    }
  }
  const absl::Time now = now_();
  std::optional<SecondStageInputs> second;
  if (second_stage) second.emplace(version, state.get(), transactions, now);
  if (strategy == nbo::v1::STRATEGY_POPULARITY && second.has_value() &&
      state != nullptr && state->profile.has_value()) {
    strategy = nbo::v1::STRATEGY_PROFILE;
  }
  const bool model_scored = strategy == nbo::v1::STRATEGY_PERSONALIZED ||
                            strategy == nbo::v1::STRATEGY_FOLD_IN;
  const int catalog_size = static_cast<int>(version.catalog().size());
  const std::vector<model::ScoredProduct> scored =
      model_scored ? version.TopN(factor, catalog_size)
      : strategy == nbo::v1::STRATEGY_PROFILE
          ? RankByProfile(version, *second)
          : version.MostPopular(catalog_size);

  // Decisioning.
  decision::DecisionRequest request;
  if (state != nullptr) AddCustomer(*state, &request);
  request.candidates.reserve(scored.size());
  for (const model::ScoredProduct& s : scored) {
    // The second stage when the version has one (without a model score
    // under PROFILE and POPULARITY), else Platt over the raw score.
    const double propensity =
        !second.has_value() ? version.Propensity(s.score)
        : strategy == nbo::v1::STRATEGY_PROFILE
            ? s.score
            : second->Propensity(s.index, model_scored, s.score);
    request.candidates.push_back({version.catalog()[s.index].id, propensity});
  }
  request.num_offers = n;
  request.excluded_products.insert(call.exclude->begin(), call.exclude->end());
  request.now = now;
  request.levers = config->levers;
  request.list_below_top_n = false;
  request.with_details = call.explain;
  request.reveal_attributes = call.reveal_attributes;
  NBO_ASSIGN_OR_RETURN(decision::Decision decision,
                       config->engine->Decide(request));

  // The answer.
  SetAnswerHeader(call.customer_id, call.channel, version, std::move(route.arm),
                  strategy, *config, now, response);

  if (call.explain && strategy == nbo::v1::STRATEGY_PERSONALIZED &&
      !row.has_value()) {
    // EASE: the stored factor is the row that was scored.
    row = RowOfFactor(version, factor);
  }
  if (call.explain && model_scored && !row.has_value() && has_transactions) {
    NBO_ASSIGN_OR_RETURN(
        row, CustomerRow(transactions, *state, version, *fold_in_config));
  }
  for (const decision::Offer& o : decision.offers) {
    const model::ScoredProduct& s = scored[o.candidate_index];
    const model::Product& product = version.catalog()[s.index];
    const nbo::v1::Product* listed = config->Find(o.product_id);
    nbo::v1::Offer* offer = response->add_offers();
    offer->set_product_id(std::string(o.product_id));
    offer->set_name(listed != nullptr ? listed->name() : product.name);
    offer->set_category(listed != nullptr ? listed->category()
                                          : product.category);
    offer->set_rank(o.rank);
    offer->set_score(s.score);
    offer->set_propensity(AnswerPropensity(o.propensity));
    offer->set_priority(o.priority);
    offer->set_offer_type(ToApiOfferType(o.offer_type));
    if (!call.explain) continue;
    NBO_RETURN_IF_ERROR(AddScoreReasons(
        version, strategy, row.has_value() ? &*row : nullptr,
        fold_in_config.value_or(FoldInConfig()), s.index, offer));
    AddDecisionReasons(*config, o.product_id, request.customer,
                       call.reveal_attributes, offer);
  }
  AddWhyNot(&decision, request.candidates.size(), response);

  LogAnswer(call, n, response);
  return absl::OkStatus();
}

void Recommender::LogAnswer(const Call& call, int32_t num_offers,
                            nbo::v1::RecommendResponse* response) const {
  // The decision log: what was decided, from what, and why not the rest.
  // Suppressions carry the reason and rule code always, the sentence for
  // people only when the request asked for explain; the record keeps what
  // the answer said.
  absl::Status logged;
  {
    DecisionRecordView record(response);
    record->set_num_offers(num_offers);
    *record->mutable_exclude_products() = *call.exclude;
    logged = customers_->LogDecision(call.customer_id, *record);
  }
  if (!logged.ok()) {
    // The log cannot be written (a full disk): the answer still stands on
    // what is stored, but without an id, so that nobody sends feedback about
    // a decision the compliance view will never show.
    response->clear_decision_id();
    response->set_unlogged(true);
  }
}

absl::Status Recommender::Score(
    const nbo::v1::ScoreCustomerRequest& request,
    nbo::v1::ScoreCustomerResponse* response) const {
  NBO_RETURN_IF_ERROR(ValidateCustomerId(request.customer_id()));
  if (request.num_products() < 0 ||
      request.num_products() > kMaxScoredProducts) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_products must be in [0, ", kMaxScoredProducts,
                     "], got ", request.num_products()));
  }
  NBO_ASSIGN_OR_RETURN(
      Route route, manager_->Resolve(request.model(), request.customer_id()));
  const model::ModelVersion& version = *route.version;
  const int catalog_size = static_cast<int>(version.catalog().size());
  const int n = request.num_products() == 0
                    ? catalog_size
                    : std::min(request.num_products(), catalog_size);
  FactorBuffer buffer(version.rank());
  absl::Span<float> factor = buffer.span();
  const absl::Status found = store_->GetCustomerFactor(
      version.model_name(), version.version(), request.customer_id(), factor);
  std::vector<model::ScoredProduct> top;
  if (found.ok()) {
    top = version.TopN(factor, n);
    response->set_strategy(nbo::v1::STRATEGY_PERSONALIZED);
  } else if (absl::IsNotFound(found)) {
    top = version.MostPopular(n);
    response->set_strategy(nbo::v1::STRATEGY_POPULARITY);
  } else {
    return found;
  }
  // With a second stage, the propensity it gives the customer as stored
  // (profile, holdings, activity), the model score when there is a factor.
  std::optional<SecondStageInputs> second;
  std::shared_ptr<const store::CustomerState> state;
  if (version.propensity_model() != nullptr) {
    NBO_ASSIGN_OR_RETURN(state,
                         customers_->GetSharedState(request.customer_id()));
    second.emplace(version, state.get(),
                   absl::Span<const nbo::v1::Transaction>(), now_());
  }
  response->set_model_name(version.model_name());
  response->set_model_version(version.version());
  for (const model::ScoredProduct& s : top) {
    nbo::v1::ProductScore* out = response->add_scores();
    out->set_product_id(version.catalog()[s.index].id);
    out->set_score(s.score);
    out->set_propensity(AnswerPropensity(
        second.has_value() ? second->Propensity(s.index, found.ok(), s.score)
                           : version.Propensity(s.score)));
  }
  return absl::OkStatus();
}

absl::Status Recommender::Similar(
    const nbo::v1::SimilarProductsRequest& request,
    nbo::v1::SimilarProductsResponse* response) const {
  NBO_RETURN_IF_ERROR(ValidateProductId(request.product_id(), "product_id"));
  if (request.k() < 0 || request.k() > kMaxSimilar) {
    return absl::InvalidArgumentError(
        absl::StrCat("k must be in [0, ", kMaxSimilar, "], got ", request.k()));
  }
  NBO_ASSIGN_OR_RETURN(Route route, manager_->Resolve(request.model(), ""));
  const model::ModelVersion& version = *route.version;
  const int32_t index = version.ProductIndex(request.product_id());
  if (index < 0) {
    return absl::NotFoundError(absl::StrCat(
        "product ", QuoteForError(request.product_id()), " is not in version ",
        version.version(), " of model ", QuoteForError(version.model_name())));
  }
  std::shared_ptr<const DecisionConfig> config =
      catalogs_->Get(version.model_name());
  response->set_product_id(request.product_id());
  response->set_model_name(version.model_name());
  response->set_model_version(version.version());
  for (const model::ScoredProduct& s : SimilarProducts(
           version, index, request.k() == 0 ? kDefaultSimilar : request.k())) {
    const model::Product& product = version.catalog()[s.index];
    const nbo::v1::Product* listed =
        config != nullptr ? config->Find(product.id) : nullptr;
    nbo::v1::SimilarProduct* out = response->add_similar();
    out->set_product_id(product.id);
    out->set_name(listed != nullptr ? listed->name() : product.name);
    out->set_category(listed != nullptr ? listed->category()
                                        : product.category);
    out->set_similarity(s.score);
  }
  return absl::OkStatus();
}

}  // namespace nbo::serving
