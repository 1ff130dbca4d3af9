// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_SERVING_RECOMMENDER_H_
#define NBO_LIB_SERVING_RECOMMENDER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/serving/catalog_registry.h"
#include "lib/serving/fold_in.h"
#include "lib/serving/model_manager.h"
#include "lib/store/customer_store.h"
#include "lib/store/model_store.h"
#include "nbo/v1/model_service.pb.h"
#include "nbo/v1/nbo_service.pb.h"

namespace nbo::serving {

// Answers Recommend: validates the request, routes it to a version, scores
// the version's products for the customer, runs the decision pipeline
// (eligibility, holdings, contact policy, request filter, arbitration) with
// the model's catalog and levers, logs the decision, and fills the answer.
//
// Scoring strategy, in order:
//   PERSONALIZED  the version has the customer's factor and the customer has
//                 no transaction newer than the version's training data
//                 (metadata label data_max_time);
//   FOLD_IN       the customer has transactions (and no factor, or newer
//                 ones): a factor is solved on the fly from them against the
//                 version's item factors (fold_in.h);
//   PROFILE       nothing to personalize with, but the customer has a
//                 profile and the version a propensity model: the catalog
//                 ranked by the profile-only propensity;
//   POPULARITY    nothing to personalize with.
//
// Propensity: with a propensity model (ModelMetadata.propensity), each
// candidate's is the model's output for the customer's profile, holdings,
// history with the product (the store's per-product activity summary) and
// the model score (none under PROFILE and POPULARITY);
// without, Platt scaling of the raw score.
//
// Thread-safe and lock-free on the request path.
class Recommender {
 public:
  struct Options {
    // Offers returned when the request leaves num_offers unset.
    // Default: 3.
    int32_t default_offers = 3;
    // Largest num_offers accepted.
    // Default: 100.
    int32_t max_offers = 100;
    // Largest BatchRecommend request, in customers.
    // Default: 1000.
    int32_t max_batch_customers = 1000;
    // Most recent transactions a fold-in reads.
    // Default: 1000.
    int32_t fold_in_max_transactions = 1000;
    // Contributing products named per offer when explaining.
    // Default: 3.
    int32_t explain_top_products = 3;
  };

  // None of the pointers is owned; all must outlive the recommender.
  Recommender(const ModelManager* manager, const store::ModelStore* store,
              store::CustomerStore* customers, const CatalogRegistry* catalogs,
              Options options, std::function<absl::Time()> now = absl::Now);

  // Fills `response` for one customer. INVALID_ARGUMENT: bad customer_id,
  // num_offers, channel or exclude_products, negative version. NOT_FOUND /
  // UNAVAILABLE: see ModelManager::Resolve. INTERNAL: a store read failed.
  // When the decision log cannot take the decision (storage full or
  // failing), the answer is still served, with response->unlogged() set and
  // no decision id. `reveal_attributes` false leaves the customer's own
  // attribute values out of the explanations (see Call).
  absl::Status Recommend(const nbo::v1::RecommendRequest& request,
                         nbo::v1::RecommendResponse* response,
                         bool reveal_attributes = true) const;

  // Checks what a BatchRecommend request shares by all its customers:
  // INVALID_ARGUMENT for no customers, too many, bad num_offers or version.
  absl::Status ValidateBatch(
      const nbo::v1::BatchRecommendRequest& request) const;

  // Customer `index` of a batch; codes as Recommend.
  absl::Status RecommendOne(const nbo::v1::BatchRecommendRequest& request,
                            int index,
                            nbo::v1::RecommendResponse* response) const;

  // Bare scoring (ModelService.ScoreCustomer): the stored factor or the
  // popularity ranking, no decisioning, nothing logged. With a propensity
  // model, the propensities are its output for the customer's stored
  // profile, holdings and activity summary (one more point read).
  absl::Status Score(const nbo::v1::ScoreCustomerRequest& request,
                     nbo::v1::ScoreCustomerResponse* response) const;

  // SimilarProducts. INVALID_ARGUMENT: empty product_id, k out of [0, 100].
  // NOT_FOUND: the routed version has no such product.
  absl::Status Similar(const nbo::v1::SimilarProductsRequest& request,
                       nbo::v1::SimilarProductsResponse* response) const;

 private:
  // What Recommend and RecommendOne share.
  struct Call {
    absl::string_view customer_id;
    std::optional<int32_t> num_offers;
    const nbo::v1::ModelSelector* selector = nullptr;
    absl::string_view channel;
    bool explain = false;
    // Whether explanations may quote the customer's own attribute values
    // ("income 82227 >= 20000"); false gives the rule alone ("income >=
    // 20000"), for callers without the `customer` role.
    bool reveal_attributes = true;
    const google::protobuf::RepeatedPtrField<std::string>* exclude = nullptr;
  };
  absl::Status Decide(const Call& call,
                      nbo::v1::RecommendResponse* response) const;
  // Logs the answered decision; marks the answer unlogged (no decision id)
  // when the log cannot take it.
  // The call's offer count, once every field is valid; INVALID_ARGUMENT
  // naming the field otherwise.
  absl::StatusOr<int32_t> ValidateCall(const Call& call) const;
  // The reasons an offer's score has under `strategy`: popularity, profile,
  // or the products of `row` (null: none) that contribute to `item`'s score.
  // The errors of ExplainScore.
  absl::Status AddScoreReasons(const model::ModelVersion& version,
                               nbo::v1::Strategy strategy,
                               const InteractionRow* row,
                               const FoldInConfig& fold_in_config, int32_t item,
                               nbo::v1::Offer* offer) const;
  void LogAnswer(const Call& call, int32_t num_offers,
                 nbo::v1::RecommendResponse* response) const;

  // num_offers resolved against the default; INVALID_ARGUMENT when out of
  // range.
  absl::StatusOr<int32_t> OfferCount(std::optional<int32_t> requested) const;

  // The fold-in configuration of `version`'s labels, parsed once per
  // version: a one-entry cache of the last version asked for (requests
  // mostly go to one version; a miss only costs a parse). INTERNAL when the
  // labels are malformed: the version is at fault, not the request.
  absl::StatusOr<FoldInConfig> ConfigOf(
      const std::shared_ptr<const model::ModelVersion>& version) const;
  struct CachedConfig {
    // Held, so the pointer cannot be reused by another version.
    std::shared_ptr<const model::ModelVersion> version;
    FoldInConfig config;
  };
  mutable std::atomic<std::shared_ptr<const CachedConfig>> config_cache_;

  const ModelManager* const manager_;
  const store::ModelStore* const store_;
  store::CustomerStore* const customers_;
  const CatalogRegistry* const catalogs_;
  const Options options_;
  const std::function<absl::Time()> now_;
};

}  // namespace nbo::serving

#endif  // NBO_LIB_SERVING_RECOMMENDER_H_
