// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/serving/catalog_registry.h"

#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/common/api_limits.h"
#include "lib/common/quote.h"
#include "lib/common/status_macros.h"
#include "lib/serving/names.h"

namespace nbo::serving {
namespace {

using ::nbo::common::kMaxCatalogProducts;
using ::nbo::common::QuoteForError;

decision::OfferType ToOfferType(nbo::v1::OfferType type) {
  switch (type) {
    case nbo::v1::OFFER_TYPE_MANDATORY:
      return decision::OfferType::kMandatory;
    case nbo::v1::OFFER_TYPE_TRANSACTIONAL:
      return decision::OfferType::kTransactional;
    default:
      return decision::OfferType::kDefault;
  }
}

// Whether a published product says anything about its rules.
bool CarriesRules(const nbo::v1::Product& p) {
  const nbo::v1::EligibilityRules& e = p.eligibility();
  return p.has_business_value() ||
         p.offer_type() != nbo::v1::OFFER_TYPE_UNSPECIFIED ||
         p.has_contact_policy() || e.has_min_age() || e.has_max_age() ||
         e.has_min_income() || e.segments_size() > 0 ||
         e.has_min_credit_score() || e.kyc_required();
}

absl::Status CheckCatalogSize(int size) {
  if (size == 0) return absl::InvalidArgumentError("catalog is empty");
  if (size > kMaxCatalogProducts) {
    return absl::InvalidArgumentError(absl::StrCat(
        "catalog has ", size, " products; the limit is ", kMaxCatalogProducts));
  }
  return absl::OkStatus();
}

// OK when every set bound of `e` is in range; INVALID_ARGUMENT naming the
// field otherwise.
absl::Status CheckEligibility(const nbo::v1::EligibilityRules& e) {
  auto age_ok = [](int32_t age) { return age >= 0 && age <= common::kMaxAge; };
  if ((e.has_min_age() && !age_ok(e.min_age())) ||
      (e.has_max_age() && !age_ok(e.max_age()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("eligibility ages must be in [0, ", common::kMaxAge, "]"));
  }
  if (e.has_min_age() && e.has_max_age() && e.min_age() > e.max_age()) {
    return absl::InvalidArgumentError(
        absl::StrCat("eligibility min_age ", e.min_age(), " is above max_age ",
                     e.max_age()));
  }
  if (e.has_min_income() &&
      !(e.min_income() >= 0 && e.min_income() <= common::kMaxMoney)) {
    return absl::InvalidArgumentError(
        absl::StrCat("eligibility min_income must be finite and in [0, ",
                     common::kMaxMoney, "]"));
  }
  if (e.has_min_credit_score() &&
      (e.min_credit_score() < 0 ||
       e.min_credit_score() > common::kMaxCreditScore)) {
    return absl::InvalidArgumentError(
        absl::StrCat("eligibility min_credit_score must be in [0, ",
                     common::kMaxCreditScore, "]"));
  }
  if (e.segments_size() > common::kMaxEligibilitySegments) {
    return absl::InvalidArgumentError(absl::StrCat(
        "eligibility lists ", e.segments_size(), " segments; the limit is ",
        common::kMaxEligibilitySegments));
  }
  for (const std::string& segment : e.segments()) {
    NBO_RETURN_IF_ERROR(ValidateSegment("eligibility segment", segment));
  }
  return absl::OkStatus();
}

absl::Status CheckContactPolicy(const nbo::v1::ContactPolicy& p) {
  auto count_ok = [](int32_t n) {
    return n >= 0 && n <= common::kMaxContactCount;
  };
  if (!count_ok(p.max_declines()) || !count_ok(p.max_impressions())) {
    return absl::InvalidArgumentError(
        absl::StrCat("contact policy counts must be in [0, ",
                     common::kMaxContactCount, "]"));
  }
  if (p.suppression_days() < 0 ||
      p.suppression_days() > common::kMaxSuppressionDays) {
    return absl::InvalidArgumentError(
        absl::StrCat("contact policy suppression_days must be in [0, ",
                     common::kMaxSuppressionDays, "]"));
  }
  return absl::OkStatus();
}

// OK when every lever names a plausible product id and is finite in
// [0, kMaxLever], and there are no more levers than a catalog has products.
absl::Status ValidateLevers(
    const google::protobuf::Map<std::string, double>& levers) {
  if (levers.size() > static_cast<size_t>(kMaxCatalogProducts)) {
    return absl::InvalidArgumentError(absl::StrCat("levers has ", levers.size(),
                                                   " entries; the limit is ",
                                                   kMaxCatalogProducts));
  }
  for (const auto& [id, value] : levers) {
    NBO_RETURN_IF_ERROR(ValidateProductId(id, "lever product_id"));
    if (!(value >= 0 && value <= common::kMaxLever)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "lever of product ", QuoteForError(id), " is ", value,
          "; levers must be finite and in [0, ", common::kMaxLever, "]"));
    }
  }
  return absl::OkStatus();
}

// The checks of ValidateProduct after the id's.
absl::Status CheckProductFields(const nbo::v1::Product& p) {
  NBO_RETURN_IF_ERROR(
      ValidateLength("name", p.name(), common::kMaxProductNameBytes));
  NBO_RETURN_IF_ERROR(
      ValidateLength("category", p.category(), common::kMaxCategoryBytes));
  if (p.has_business_value() &&
      !(p.business_value() >= 0 &&
        p.business_value() <= common::kMaxBusinessValue)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "business_value is ", p.business_value(),
        "; it must be finite and in [0, ", common::kMaxBusinessValue, "]"));
  }
  NBO_RETURN_IF_ERROR(CheckEligibility(p.eligibility()));
  return CheckContactPolicy(p.contact_policy());
}

}  // namespace

absl::Status ValidateProduct(const nbo::v1::Product& product) {
  NBO_RETURN_IF_ERROR(ValidateProductId(product.product_id(), "product_id"));
  const absl::Status fields = CheckProductFields(product);
  if (fields.ok()) return fields;
  return absl::InvalidArgumentError(absl::StrCat(
      "product ", QuoteForError(product.product_id()), ": ", fields.message()));
}

absl::Status ValidateCatalog(
    const google::protobuf::RepeatedPtrField<nbo::v1::Product>& products) {
  NBO_RETURN_IF_ERROR(CheckCatalogSize(products.size()));
  absl::flat_hash_set<absl::string_view> ids;
  for (int i = 0; i < products.size(); ++i) {
    const nbo::v1::Product& product = products.Get(i);
    if (absl::Status s = ValidateProduct(product); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("catalog product ", i, ": ", s.message()));
    }
    if (!ids.insert(product.product_id()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("catalog lists product ",
                       QuoteForError(product.product_id()), " twice"));
    }
  }
  return absl::OkStatus();
}

const nbo::v1::Product* DecisionConfig::Find(
    absl::string_view product_id) const {
  auto it = products.find(product_id);
  return it == products.end() ? nullptr : it->second;
}

absl::StatusOr<decision::ProductRule> ToProductRule(
    const nbo::v1::Product& product) {
  decision::ProductRule rule;
  rule.product_id = product.product_id();
  rule.category = product.category();
  rule.offer_type = ToOfferType(product.offer_type());
  rule.business_value =
      product.has_business_value() ? product.business_value() : 1.0;
  if (!std::isfinite(rule.business_value) || rule.business_value < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "product ", QuoteForError(product.product_id()),
        ": business_value must be finite and >= 0, got ", rule.business_value));
  }
  const nbo::v1::EligibilityRules& e = product.eligibility();
  if (e.has_min_age()) rule.eligibility.min_age = e.min_age();
  if (e.has_max_age()) rule.eligibility.max_age = e.max_age();
  if (e.has_min_income()) rule.eligibility.min_income = e.min_income();
  rule.eligibility.segments.assign(e.segments().begin(), e.segments().end());
  if (e.has_min_credit_score()) {
    rule.eligibility.min_credit_score = e.min_credit_score();
  }
  rule.eligibility.kyc_required = e.kyc_required();
  return rule;
}

absl::StatusOr<decision::ContactPolicy> ContactPolicyOf(
    const nbo::v1::Product& product, const decision::ContactPolicy& defaults) {
  decision::ContactPolicy policy = defaults;
  if (!product.has_contact_policy()) return policy;
  const nbo::v1::ContactPolicy& p = product.contact_policy();
  if (p.max_declines() < 0 || p.max_impressions() < 0 ||
      p.suppression_days() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("product ", QuoteForError(product.product_id()),
                     ": contact policy counts and days must be positive"));
  }
  if (p.max_declines() > 0) policy.max_declines = p.max_declines();
  if (p.max_impressions() > 0) policy.max_impressions = p.max_impressions();
  if (p.suppression_days() > 0) policy.suppression_days = p.suppression_days();
  if (p.scope() == nbo::v1::CONTACT_SCOPE_CATEGORY) {
    policy.scope = decision::ContactScope::kCategory;
  } else if (p.scope() == nbo::v1::CONTACT_SCOPE_PRODUCT) {
    policy.scope = decision::ContactScope::kProduct;
  }
  return policy;
}

absl::StatusOr<std::unique_ptr<CatalogRegistry>> CatalogRegistry::Create(
    Options options) {
  if (options.store == nullptr) {
    return absl::InvalidArgumentError("CatalogRegistry needs a store");
  }
  std::unique_ptr<CatalogRegistry> registry(
      new CatalogRegistry(std::move(options)));
  // An empty catalog checks the default policy.
  decision::DecisionEngineOptions check;
  check.contact_policy = registry->options_.default_contact_policy;
  NBO_RETURN_IF_ERROR(decision::DecisionEngine::Create({}, check).status());
  NBO_ASSIGN_OR_RETURN(std::vector<nbo::v1::GetCatalogResponse> stored,
                       registry->options_.store->ListCatalogs());
  auto snapshot = std::make_shared<Snapshot>();
  for (nbo::v1::GetCatalogResponse& record : stored) {
    std::string model = record.model_name();
    absl::StatusOr<std::shared_ptr<const DecisionConfig>> config =
        registry->Build(std::move(record));
    if (!config.ok()) {
      return absl::InternalError(
          absl::StrCat("stored catalog of model '", model,
                       "' is invalid: ", config.status().message()));
    }
    for (const auto& [id, product] : (*config)->products) {
      snapshot->product_ids.insert(id);
    }
    snapshot->configs[model] = *std::move(config);
  }
  registry->snapshot_.store(std::move(snapshot));
  return registry;
}

std::shared_ptr<const DecisionConfig> CatalogRegistry::Get(
    absl::string_view model) const {
  std::shared_ptr<const Snapshot> snapshot = snapshot_.load();
  auto it = snapshot->configs.find(model);
  return it == snapshot->configs.end() ? nullptr : it->second;
}

bool CatalogRegistry::KnowsProduct(absl::string_view product_id) const {
  return snapshot_.load()->product_ids.contains(product_id);
}

absl::StatusOr<std::shared_ptr<const DecisionConfig>> CatalogRegistry::Build(
    nbo::v1::GetCatalogResponse record) const {
  auto config = std::make_shared<DecisionConfig>();
  config->record = std::move(record);
  std::vector<decision::ProductRule> rules;
  rules.reserve(config->record.catalog_size());
  decision::DecisionEngineOptions engine_options;
  engine_options.contact_policy = options_.default_contact_policy;
  for (const nbo::v1::Product& product : config->record.catalog()) {
    if (product.product_id().empty()) {
      return absl::InvalidArgumentError("a product has an empty product_id");
    }
    NBO_ASSIGN_OR_RETURN(decision::ProductRule rule, ToProductRule(product));
    rules.push_back(std::move(rule));
    if (product.has_contact_policy()) {
      NBO_ASSIGN_OR_RETURN(
          decision::ContactPolicy policy,
          ContactPolicyOf(product, options_.default_contact_policy));
      engine_options.contact_policy_overrides[product.product_id()] = policy;
    }
    config->products[product.product_id()] = &product;
  }
  NBO_ASSIGN_OR_RETURN(config->engine,
                       decision::DecisionEngine::Create(
                           std::move(rules), std::move(engine_options)));
  absl::flat_hash_map<std::string, double> levers(
      config->record.levers().begin(), config->record.levers().end());
  for (const auto& [id, value] : levers) {
    if (!config->products.contains(id)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "lever for product ", QuoteForError(id), ", not in the catalog"));
    }
  }
  NBO_ASSIGN_OR_RETURN(config->levers,
                       decision::Levers::Create(std::move(levers)));
  return config;
}

absl::Status CatalogRegistry::Commit(nbo::v1::GetCatalogResponse record) {
  std::shared_ptr<const DecisionConfig> current = Get(record.model_name());
  record.set_revision(current == nullptr ? 1 : current->revision() + 1);
  NBO_ASSIGN_OR_RETURN(std::shared_ptr<const DecisionConfig> config,
                       Build(std::move(record)));
  NBO_RETURN_IF_ERROR(options_.store->PutCatalog(config->record));
  Publish(std::move(config));
  return absl::OkStatus();
}

void CatalogRegistry::Publish(std::shared_ptr<const DecisionConfig> config) {
  auto next = std::make_shared<Snapshot>(*snapshot_.load());
  next->configs[config->record.model_name()] = std::move(config);
  next->product_ids.clear();
  for (const auto& [model, c] : next->configs) {
    for (const auto& [id, product] : c->products) next->product_ids.insert(id);
  }
  snapshot_.store(std::move(next));
}

absl::Status CatalogRegistry::ApplyPublishedCatalog(
    absl::string_view model,
    const google::protobuf::RepeatedPtrField<nbo::v1::Product>& products) {
  NBO_RETURN_IF_ERROR(ValidateModelName(model));
  NBO_RETURN_IF_ERROR(ValidateCatalog(products));
  absl::MutexLock lock(&write_mu_);
  std::shared_ptr<const DecisionConfig> current = Get(model);
  nbo::v1::GetCatalogResponse record;
  if (current != nullptr) record = current->record;
  record.set_model_name(std::string(model));
  absl::flat_hash_map<std::string, int> index;
  for (int i = 0; i < record.catalog_size(); ++i) {
    index[record.catalog(i).product_id()] = i;
  }
  for (const nbo::v1::Product& product : products) {
    auto it = index.find(product.product_id());
    if (it == index.end()) {
      index[product.product_id()] = record.catalog_size();
      *record.add_catalog() = product;
      continue;
    }
    nbo::v1::Product* existing = record.mutable_catalog(it->second);
    if (CarriesRules(product)) {
      *existing = product;
    } else {
      existing->set_name(product.name());
      existing->set_category(product.category());
    }
  }
  if (current != nullptr &&
      record.SerializeAsString() == current->record.SerializeAsString()) {
    return absl::OkStatus();  // Nothing changed: keep the revision.
  }
  return Commit(std::move(record));
}

absl::StatusOr<int64_t> CatalogRegistry::UpdateCatalog(
    absl::string_view model,
    const google::protobuf::RepeatedPtrField<nbo::v1::Product>& products) {
  NBO_RETURN_IF_ERROR(ValidateModelName(model));
  NBO_RETURN_IF_ERROR(ValidateCatalog(products));
  absl::MutexLock lock(&write_mu_);
  std::shared_ptr<const DecisionConfig> current = Get(model);
  // Every published model has a catalog (a publish applies its header's);
  // none means no such model, and creating one would let ingest accept
  // products of a model that does not exist.
  if (current == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("model ", QuoteForError(model), " has no catalog"));
  }
  nbo::v1::GetCatalogResponse record;
  record.set_model_name(std::string(model));
  *record.mutable_catalog() = products;
  absl::flat_hash_set<std::string> ids;
  for (const nbo::v1::Product& p : products) ids.insert(p.product_id());
  for (const auto& [id, value] : current->record.levers()) {
    if (ids.contains(id)) (*record.mutable_levers())[id] = value;
  }
  NBO_RETURN_IF_ERROR(Commit(std::move(record)));
  return Get(model)->revision();
}

absl::Status CatalogRegistry::SetLevers(
    absl::string_view model,
    const google::protobuf::Map<std::string, double>& levers) {
  NBO_RETURN_IF_ERROR(ValidateModelName(model));
  NBO_RETURN_IF_ERROR(ValidateLevers(levers));
  absl::MutexLock lock(&write_mu_);
  std::shared_ptr<const DecisionConfig> current = Get(model);
  if (current == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("model ", QuoteForError(model), " has no catalog"));
  }
  nbo::v1::GetCatalogResponse record = current->record;
  *record.mutable_levers() = levers;
  return Commit(std::move(record));
}

}  // namespace nbo::serving
