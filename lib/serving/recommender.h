// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_SERVING_RECOMMENDER_H_
#define NBO_LIB_SERVING_RECOMMENDER_H_

#include <cstdint>
#include <functional>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/serving/model_manager.h"
#include "lib/store/model_store.h"
#include "nbo/v1/nbo_service.pb.h"

namespace nbo::serving {

// Answers Recommend: validates the request, routes it to a version, reads the
// customer's factor from the store and scores the catalog; a customer the
// version does not know gets its popularity ranking.
//
// Thread-safe and lock-free on the request path (see ModelManager::Resolve).
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
  };

  // `manager` and `store` are not owned and must outlive the recommender.
  Recommender(const ModelManager* manager, const store::ModelStore* store,
              Options options, std::function<absl::Time()> now = absl::Now);

  // Fills `response` for one customer. INVALID_ARGUMENT: bad customer_id or
  // num_offers, negative version. NOT_FOUND / UNAVAILABLE: see
  // ModelManager::Resolve. INTERNAL: the store failed.
  absl::Status Recommend(const nbo::v1::RecommendRequest& request,
                         nbo::v1::RecommendResponse* response) const;

  // Checks what a BatchRecommend request shares by all its customers:
  // INVALID_ARGUMENT for no customers, too many, bad num_offers or version.
  absl::Status ValidateBatch(
      const nbo::v1::BatchRecommendRequest& request) const;

  // One customer of a batch; codes as Recommend.
  absl::Status RecommendOne(absl::string_view customer_id,
                            std::optional<int32_t> num_offers,
                            const nbo::v1::ModelSelector& selector,
                            nbo::v1::RecommendResponse* response) const;

 private:
  // num_offers resolved against the default; INVALID_ARGUMENT when out of
  // range.
  absl::StatusOr<int32_t> OfferCount(std::optional<int32_t> requested) const;

  const ModelManager* const manager_;
  const store::ModelStore* const store_;
  const Options options_;
  const std::function<absl::Time()> now_;
};

}  // namespace nbo::serving

#endif  // NBO_LIB_SERVING_RECOMMENDER_H_
