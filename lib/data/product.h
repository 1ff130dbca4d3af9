// Copyright (c) 2026 The nbo Authors. MIT License.
//
// A product of the bank's catalog and the terms it is offered on: who may be
// offered it (Eligibility), how arbitration treats it (OfferType) and how
// often a customer may be asked (ContactPolicy).
//
// These are the one C++ vocabulary for those terms. products.csv is read
// into them (products_csv.h), and lib/decision decides with them under its
// own names (decision::EligibilityRules is Eligibility, and so on): they
// live here, in the lower layer, because lib/data may not depend on
// lib/decision, while lib/decision may depend on lib/data. The API's
// nbo.v1 messages of the same names are the wire form; services convert.

#ifndef NBO_LIB_DATA_PRODUCT_H_
#define NBO_LIB_DATA_PRODUCT_H_

#include <optional>
#include <string>
#include <vector>

namespace nbo::data {

// Who may be offered a product: rules over customer attributes, all of
// which must hold. An unset bound admits everyone.
struct Eligibility {
  // Inclusive age bounds, in years.
  std::optional<int> min_age;
  std::optional<int> max_age;
  // Minimum yearly income, inclusive, in the bank's currency.
  std::optional<double> min_income;
  // Segments admitted (e.g. "student"); empty admits every segment (and an
  // unknown one).
  std::vector<std::string> segments;
  // Minimum credit score, inclusive.
  std::optional<int> min_credit_score;
  // Whether the customer must have passed know-your-customer checks.
  bool kyc_required = false;
};

// How arbitration treats a product.
enum class OfferType {
  // Ranked by priority with the others.
  kDefault = 0,
  // Placed before every non-mandatory offer (e.g. a regulatory notice); it
  // still has to pass every stage.
  kMandatory = 1,
  // A service or transaction-triggered offer; ranked like kDefault. The
  // type is kept so that the caller can present it differently.
  kTransactional = 2,
};

// What a contact policy counts contacts over.
enum class ContactScope {
  // Contacts about the product itself.
  kProduct = 0,
  // Contacts about any product of the same (non-empty) category: declining
  // one card rests every card. A product without a category counts its own.
  kCategory = 1,
};

// Suppress a product for `suppression_days` days after `max_declines`
// declines or `max_impressions` impressions.
//
// Precisely: counting only contacts at or before now, a product is fatigued
// by declines while now < T + suppression_days, where T is the time of the
// max_declines-th most recent decline; likewise for impressions. So exactly
// suppression_days after that contact the product may be offered again.
struct ContactPolicy {
  // N: declines that trigger suppression. Must be > 0.
  // Default: 2.
  int max_declines = 2;
  // M: impressions that trigger suppression. Must be > 0.
  // Default: 5.
  int max_impressions = 5;
  // D: how long the suppression lasts, in days. Must be > 0.
  // Default: 30.
  int suppression_days = 30;
  // Default: kProduct.
  ContactScope scope = ContactScope::kProduct;
};

// A catalog entry as products.csv gives it.
struct Product {
  // Unique, non-empty. Matches the ids of the item factor rows.
  std::string product_id;
  std::string name;
  // Product family; groups products for ContactScope::kCategory.
  std::string category;
  // What selling the product is worth to the bank, relative to other
  // products; arbitration multiplies propensity by it. Finite, >= 0.
  // Default: 1.
  double business_value = 1.0;
  Eligibility eligibility;
  // Default: kDefault.
  OfferType offer_type = OfferType::kDefault;
  // This product's own contact policy; unset means the server's default.
  // Default: unset.
  std::optional<ContactPolicy> contact_policy;
};

}  // namespace nbo::data

#endif  // NBO_LIB_DATA_PRODUCT_H_
