// Copyright (c) 2026 The nbo Authors. MIT License.

#include "tools/nboctl/catalog_csv.h"

#include "lib/common/status_macros.h"
#include "lib/data/products_csv.h"
#include "services/common/catalog_proto.h"

namespace nbo::nboctl {

absl::StatusOr<std::vector<v1::Product>> ReadCatalogCsv(
    const std::string& path) {
  NBO_ASSIGN_OR_RETURN(const std::vector<data::Product> products,
                       data::ReadProductsCsv(path));
  std::vector<v1::Product> catalog;
  catalog.reserve(products.size());
  for (const data::Product& product : products) {
    catalog.push_back(services::ToProto(product));
  }
  return catalog;
}

}  // namespace nbo::nboctl
