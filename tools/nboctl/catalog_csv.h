// Copyright (c) 2026 The nbo Authors. MIT License.
//
// products.csv as the catalog ModelService.UpdateCatalog takes: lib/data's
// one reader (its columns: lib/data/products_csv.h) and the one conversion
// to the API (services/common/catalog_proto.h).

#ifndef NBO_TOOLS_NBOCTL_CATALOG_CSV_H_
#define NBO_TOOLS_NBOCTL_CATALOG_CSV_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nbo/v1/common.pb.h"

namespace nbo::nboctl {

// Reads the catalog in `path`, in file order, every column as
// data::ReadProductsCsv reads it. NOT_FOUND if the file does not exist.
// INVALID_ARGUMENT, naming "path:line", for anything that reader refuses
// (missing columns, duplicate or empty ids, bad numbers, an unknown
// offer_type or contact_scope, a partial contact policy, no products).
absl::StatusOr<std::vector<v1::Product>> ReadCatalogCsv(
    const std::string& path);

}  // namespace nbo::nboctl

#endif  // NBO_TOOLS_NBOCTL_CATALOG_CSV_H_
