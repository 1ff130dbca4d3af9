// Copyright (c) 2026 The nbo Authors. MIT License.
//
// CatalogRegistry holds each model's decisioning configuration: its catalog
// (names, categories, business values, offer types, eligibility, contact
// policies) and its levers, with the DecisionEngine built from them. The
// catalog is data that changes without a retrain (DESIGN.md section 5):
//
//   - a publish upserts the header's products into the model's catalog; a
//     header product that carries no rule at all (no business value, offer
//     type, eligibility or contact policy) keeps the rules the catalog
//     already has for it, so a factor import does not wipe them;
//   - ModelService.UpdateCatalog replaces the catalog whole;
//   - ModelService.SetLevers replaces the levers whole.
//
// Every change bumps the model's revision, is written to the ModelStore
// (synced) before it is visible, and is published as a new immutable
// snapshot: requests read it without a lock and keep the one they started
// with.

#ifndef NBO_LIB_SERVING_CATALOG_REGISTRY_H_
#define NBO_LIB_SERVING_CATALOG_REGISTRY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "lib/decision/decision_engine.h"
#include "lib/decision/levers.h"
#include "lib/store/model_store.h"
#include "nbo/v1/model_service.pb.h"

namespace nbo::serving {

// One model's decisioning configuration. Immutable.
struct DecisionConfig {
  // As stored and as GetCatalog returns it.
  nbo::v1::GetCatalogResponse record;
  std::unique_ptr<const decision::DecisionEngine> engine;
  std::shared_ptr<const decision::Levers> levers;
  // Catalog products by id, pointing into record.
  absl::flat_hash_map<std::string, const nbo::v1::Product*> products;

  int64_t revision() const { return record.revision(); }
  // The product, or null.
  const nbo::v1::Product* Find(absl::string_view product_id) const;
};

// Thread-safe. Readers take no lock; writers are serialized.
class CatalogRegistry {
 public:
  struct Options {
    // Not owned; must outlive the registry. Required.
    store::ModelStore* store = nullptr;
    // The contact policy of products whose own leaves fields unset.
    // Default: decision::ContactPolicy{}.
    decision::ContactPolicy default_contact_policy;
  };

  // Loads every stored configuration. INVALID_ARGUMENT for a null store or
  // a bad default policy; INTERNAL when a stored catalog no longer builds.
  static absl::StatusOr<std::unique_ptr<CatalogRegistry>> Create(
      Options options);

  CatalogRegistry(const CatalogRegistry&) = delete;
  CatalogRegistry& operator=(const CatalogRegistry&) = delete;

  // The model's configuration, or null when it has none yet.
  std::shared_ptr<const DecisionConfig> Get(absl::string_view model) const;

  // Whether any model's catalog lists the product (ingest validation).
  bool KnowsProduct(absl::string_view product_id) const;

  // A publish of `model`: upserts `products` as described above.
  // INVALID_ARGUMENT for a bad product.
  absl::Status ApplyPublishedCatalog(
      absl::string_view model,
      const google::protobuf::RepeatedPtrField<nbo::v1::Product>& products);

  // Replaces the catalog whole; returns the new revision. INVALID_ARGUMENT
  // for an empty catalog, more than 10000 products, or a bad product;
  // NOT_FOUND when the model has no catalog (it was never published). Levers
  // of products no longer listed are dropped.
  absl::StatusOr<int64_t> UpdateCatalog(
      absl::string_view model,
      const google::protobuf::RepeatedPtrField<nbo::v1::Product>& products);

  // Replaces the levers whole. NOT_FOUND when the model has no catalog;
  // INVALID_ARGUMENT for a product not in it or a bad value.
  absl::Status SetLevers(
      absl::string_view model,
      const google::protobuf::Map<std::string, double>& levers);

 private:
  using Map =
      absl::flat_hash_map<std::string, std::shared_ptr<const DecisionConfig>>;
  struct Snapshot {
    Map configs;
    absl::flat_hash_set<std::string> product_ids;
  };

  explicit CatalogRegistry(Options options) : options_(std::move(options)) {}

  // Builds the engine and levers of `record`.
  absl::StatusOr<std::shared_ptr<const DecisionConfig>> Build(
      nbo::v1::GetCatalogResponse record) const;
  // Stores `record` (revision bumped) and publishes it.
  absl::Status Commit(nbo::v1::GetCatalogResponse record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  void Publish(std::shared_ptr<const DecisionConfig> config)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  const Options options_;
  absl::Mutex write_mu_;
  std::atomic<std::shared_ptr<const Snapshot>> snapshot_;
};

// OK when a product a client sends is within lib/common/api_limits.h's
// bounds: product id, name and category lengths; business value finite in
// [0, kMaxBusinessValue]; eligibility ages, credit score and income in range,
// min_age <= max_age, segments' count and form; contact policy counts and
// days in range. INVALID_ARGUMENT naming the field and a quoted prefix of the
// product id otherwise. Stored catalogs are not held to these bounds (they
// may predate them); only what clients send is.
absl::Status ValidateProduct(const nbo::v1::Product& product);

// ValidateProduct for each of 1..kMaxCatalogProducts products, whose ids
// must be unique. INVALID_ARGUMENT otherwise, naming the product's position.
absl::Status ValidateCatalog(
    const google::protobuf::RepeatedPtrField<nbo::v1::Product>& products);

// The decision pipeline's view of a catalog product (its contact policy is
// separate: see ContactPolicyOf). INVALID_ARGUMENT, naming the product, for
// a business value that is negative, NaN or infinite.
absl::StatusOr<decision::ProductRule> ToProductRule(
    const nbo::v1::Product& product);

// The product's contact policy: its own fields where set (> 0), `defaults`
// elsewhere. INVALID_ARGUMENT for a negative field.
absl::StatusOr<decision::ContactPolicy> ContactPolicyOf(
    const nbo::v1::Product& product, const decision::ContactPolicy& defaults);

}  // namespace nbo::serving

#endif  // NBO_LIB_SERVING_CATALOG_REGISTRY_H_
