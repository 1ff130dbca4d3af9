// Copyright (c) 2026 The nbo Authors. MIT License.
//
// products.csv as the catalog ModelService.UpdateCatalog takes. The columns
// lib/data reads (product_id, name, category, business_value and the
// eligibility columns min_age, max_age, min_income, segments,
// min_credit_score, kyc_required) are read by lib/data's own strict reader;
// on top, a few optional columns only the server's decisioning needs:
//
//   offer_type        default | mandatory | transactional (empty: default)
//   max_declines      the product's contact policy: all three counts or
//   max_impressions   none (none: the server's default policy)
//   suppression_days
//   contact_scope     product | category (empty: product)

#ifndef NBO_TOOLS_NBOCTL_CATALOG_CSV_H_
#define NBO_TOOLS_NBOCTL_CATALOG_CSV_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/data/products_csv.h"
#include "nbo/v1/common.pb.h"

namespace nbo::nboctl {

// `product` as the API's Product: identity, business value and eligibility.
v1::Product ToProto(const data::Product& product);

// Reads the catalog in `path`, in file order. NOT_FOUND if the file does not
// exist. INVALID_ARGUMENT, naming "path:line", for anything lib/data's
// reader refuses (missing columns, duplicate or empty ids, bad numbers, no
// products), an unknown offer_type or contact_scope, a contact policy count
// that is not a positive integer, or a row with some but not all three of
// the contact policy counts. INTERNAL if no temporary file can be written.
absl::StatusOr<std::vector<v1::Product>> ReadCatalogCsv(
    const std::string& path);

}  // namespace nbo::nboctl

#endif  // NBO_TOOLS_NBOCTL_CATALOG_CSV_H_
