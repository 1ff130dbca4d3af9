// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The product catalog as a CSV file (products.csv): a header row naming at
// least the columns product_id, name and category, in any order, then one
// product per row:
//
//   product_id,name,category,business_value
//   P01,Super Saver Account,savings,1.0
//   P02,"Gold Credit Card, no fee",cards,2.5
//
// Columns other than those three are ignored for now.

#ifndef NBO_LIB_DATA_PRODUCTS_CSV_H_
#define NBO_LIB_DATA_PRODUCTS_CSV_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nbo::data {

// A catalog entry as read from products.csv.
struct Product {
  // Unique, non-empty. Matches the ids of the item factor rows.
  std::string product_id;
  std::string name;
  std::string category;
};

// Reads the catalog from `path`, in file order. Leading and trailing spaces
// of header names and values are dropped.
//
// NOT_FOUND if the file does not exist. INVALID_ARGUMENT, naming "path:line",
// for a missing header or required column, a row whose field count differs
// from the header's, an empty product_id, a duplicate product_id, malformed
// quoting, or a file with no products.
absl::StatusOr<std::vector<Product>> ReadProductsCsv(const std::string& path);

// Writes `products` to `path` with the header product_id,name,category,
// quoting fields as needed. INTERNAL if the file cannot be written.
absl::Status WriteProductsCsv(const std::string& path,
                              const std::vector<Product>& products);

}  // namespace nbo::data

#endif  // NBO_LIB_DATA_PRODUCTS_CSV_H_
