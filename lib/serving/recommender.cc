// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/serving/recommender.h"

#include <cstring>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"
#include "lib/serving/names.h"

namespace nbo::serving {
namespace {

// 128 random bits as 32 hex characters.
std::string NewDecisionId() {
  thread_local absl::BitGen gen;
  char bytes[16];
  for (int i = 0; i < 16; i += 8) {
    const uint64_t r = absl::Uniform<uint64_t>(gen);
    std::memcpy(bytes + i, &r, 8);
  }
  return absl::BytesToHexString(absl::string_view(bytes, sizeof(bytes)));
}

std::optional<int32_t> OptionalOffers(bool has, int32_t value) {
  return has ? std::optional<int32_t>(value) : std::nullopt;
}

}  // namespace

Recommender::Recommender(const ModelManager* manager,
                         const store::ModelStore* store, Options options,
                         std::function<absl::Time()> now)
    : manager_(manager),
      store_(store),
      options_(options),
      now_(std::move(now)) {}

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

absl::Status Recommender::Recommend(
    const nbo::v1::RecommendRequest& request,
    nbo::v1::RecommendResponse* response) const {
  return RecommendOne(
      request.customer_id(),
      OptionalOffers(request.has_num_offers(), request.num_offers()),
      request.model(), response);
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
    absl::string_view customer_id, std::optional<int32_t> num_offers,
    const nbo::v1::ModelSelector& selector,
    nbo::v1::RecommendResponse* response) const {
  NBO_RETURN_IF_ERROR(ValidateCustomerId(customer_id));
  NBO_ASSIGN_OR_RETURN(const int32_t n, OfferCount(num_offers));
  NBO_ASSIGN_OR_RETURN(Route route, manager_->Resolve(selector, customer_id));
  const model::ModelVersion& version = *route.version;

  // Customer factors live in the store; a small stack buffer covers the
  // usual ranks without touching the heap.
  float stack_buffer[256];
  std::vector<float> heap_buffer;
  absl::Span<float> factor;
  if (version.rank() <= 256) {
    factor = absl::MakeSpan(stack_buffer, version.rank());
  } else {
    heap_buffer.resize(version.rank());
    factor = absl::MakeSpan(heap_buffer);
  }
  const absl::Status found = store_->GetCustomerFactor(
      version.model_name(), version.version(), customer_id, factor);
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

  response->set_customer_id(std::string(customer_id));
  response->set_model_name(version.model_name());
  response->set_model_version(version.version());
  response->set_experiment_arm(std::move(route.arm));
  response->set_decision_id(NewDecisionId());
  const absl::Time now = now_();
  const int64_t micros = absl::ToUnixMicros(now);
  response->mutable_timestamp()->set_seconds(micros / 1000000);
  response->mutable_timestamp()->set_nanos(
      static_cast<int32_t>(micros % 1000000) * 1000);
  const std::vector<model::Product>& catalog = version.catalog();
  for (size_t i = 0; i < top.size(); ++i) {
    const model::Product& product = catalog[top[i].index];
    nbo::v1::Offer* offer = response->add_offers();
    offer->set_product_id(product.id);
    offer->set_name(product.name);
    offer->set_category(product.category);
    offer->set_rank(static_cast<int32_t>(i + 1));
    offer->set_score(top[i].score);
    offer->set_propensity(version.Propensity(top[i].score));
  }
  return absl::OkStatus();
}

}  // namespace nbo::serving
