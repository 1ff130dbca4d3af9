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
// ReadProductsCsv ignores other columns; the bank data reader
// (bank_data.h) reads the business value and eligibility columns too, which
// WriteCatalogCsv writes.

#ifndef NBO_LIB_DATA_PRODUCTS_CSV_H_
#define NBO_LIB_DATA_PRODUCTS_CSV_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nbo::data {

// Who may be offered a product: rules over customer attributes, all of
// which must hold. An unset bound admits everyone.
struct Eligibility {
  // Inclusive age bounds, in years.
  std::optional<int> min_age;
  std::optional<int> max_age;
  // Minimum yearly income, in the bank's currency.
  std::optional<double> min_income;
  // Segments admitted (e.g. "student"); empty admits every segment.
  std::vector<std::string> segments;
  // Minimum credit score.
  std::optional<int> min_credit_score;
  // Whether the customer must have passed know-your-customer checks.
  bool kyc_required = false;
};

// A catalog entry as read from products.csv.
struct Product {
  // Unique, non-empty. Matches the ids of the item factor rows.
  std::string product_id;
  std::string name;
  std::string category;
  // What selling the product is worth to the bank, relative to other
  // products; arbitration multiplies propensity by it. Finite, >= 0.
  double business_value = 1.0;
  Eligibility eligibility;
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

// Like WriteProductsCsv, with the business value and eligibility columns
// too: product_id,name,category,business_value,min_age,max_age,min_income,
// segments,min_credit_score,kyc_required. Unset bounds are empty cells,
// segments are joined with ';', kyc_required is true or false.
absl::Status WriteCatalogCsv(const std::string& path,
                             const std::vector<Product>& products);

}  // namespace nbo::data

#endif  // NBO_LIB_DATA_PRODUCTS_CSV_H_
