// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/catalog_proto.h"

#include <string>

namespace nbo::services {
namespace {

v1::OfferType OfferTypeToProto(data::OfferType type) {
  switch (type) {
    case data::OfferType::kMandatory:
      return v1::OFFER_TYPE_MANDATORY;
    case data::OfferType::kTransactional:
      return v1::OFFER_TYPE_TRANSACTIONAL;
    case data::OfferType::kDefault:
      break;
  }
  return v1::OFFER_TYPE_DEFAULT;
}

v1::ContactScope ScopeToProto(data::ContactScope scope) {
  return scope == data::ContactScope::kCategory ? v1::CONTACT_SCOPE_CATEGORY
                                                : v1::CONTACT_SCOPE_PRODUCT;
}

void CopyEligibility(const data::Eligibility& in, v1::EligibilityRules* out) {
  if (in.min_age) out->set_min_age(*in.min_age);
  if (in.max_age) out->set_max_age(*in.max_age);
  if (in.min_income) out->set_min_income(*in.min_income);
  for (const std::string& segment : in.segments) out->add_segments(segment);
  if (in.min_credit_score) out->set_min_credit_score(*in.min_credit_score);
  out->set_kyc_required(in.kyc_required);
}

}  // namespace

v1::Product ToProto(const data::Product& product) {
  v1::Product out;
  out.set_product_id(product.product_id);
  out.set_name(product.name);
  out.set_category(product.category);
  out.set_business_value(product.business_value);
  out.set_offer_type(OfferTypeToProto(product.offer_type));
  CopyEligibility(product.eligibility, out.mutable_eligibility());
  if (product.contact_policy.has_value()) {
    const data::ContactPolicy& in = *product.contact_policy;
    v1::ContactPolicy* policy = out.mutable_contact_policy();
    policy->set_max_declines(in.max_declines);
    policy->set_max_impressions(in.max_impressions);
    policy->set_suppression_days(in.suppression_days);
    policy->set_scope(ScopeToProto(in.scope));
  }
  return out;
}

}  // namespace nbo::services
