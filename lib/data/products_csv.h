// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The product catalog as a CSV file, products.csv: a header row, then one
// product per row. Columns come in any order; leading and trailing spaces of
// names and values are dropped; columns not listed here are ignored. This is
// the one description of the format, and ProductsCsvParser its one parser:
// nbo-trainer reads products.csv through ReadBankData, `nboctl publish` and
// `nboctl catalog update` through ReadProductsCsv, and both use it.
//
//   column            required  cell                       empty cell
//   product_id        yes       unique id                  (a bad row)
//   name              yes       free text                  ""
//   category          yes       free text                  ""
//   business_value    no        finite number >= 0         1
//   min_age           no        integer >= 0, <= max_age   no bound
//   max_age           no        integer >= 0               no bound
//   min_income        no        finite number >= 0         no bound
//   segments          no        a;b;c                      every segment
//   min_credit_score  no        integer >= 0               no bound
//   kyc_required      no        true|false|1|0|yes|no      false
//   offer_type        no        default|mandatory|         default
//                               transactional
//   max_declines      no        integer > 0  } the contact policy: all
//   max_impressions   no        integer > 0  } three or none (none: the
//   suppression_days  no        integer > 0  } server's default policy)
//   contact_scope     no        product|category           product
//
// kyc_required, offer_type and contact_scope ignore ASCII case; a
// contact_scope needs the three counts. For example:
//
//   product_id,name,category,business_value,min_age,segments,offer_type
//   P01,Super Saver Account,savings,1.0,,,
//   P02,"Gold Credit Card, no fee",cards,2.5,21,mass;affluent,mandatory
//
// The meaning of each term is in product.h.

#ifndef NBO_LIB_DATA_PRODUCTS_CSV_H_
#define NBO_LIB_DATA_PRODUCTS_CSV_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/data/csv_reader.h"
#include "lib/data/product.h"

namespace nbo::data {

// Turns the records of one products.csv into Products: the header's column
// map, and the ids seen so far so that a repeated id is refused. Readers
// decide what a bad row costs (ReadProductsCsv fails, ReadBankData may skip
// it); what a bad row is, and its message, is decided here only.
//
// Not thread-safe.
class ProductsCsvParser {
 public:
  // Reads the header row of `reader` and maps the columns above.
  // INVALID_ARGUMENT, naming "path:line", for an empty file, a column named
  // twice, or a missing required column.
  // REQUIRES: no record of `reader` has been read yet.
  static absl::StatusOr<ProductsCsvParser> ReadHeader(CsvReader* reader);

  // The product in `fields`, a record of the file after its header that
  // starts on `line`. A product returned is remembered, so that a later row
  // with its id is a duplicate; a refused row is not.
  //
  // INVALID_ARGUMENT with the reason alone (callers prefix "path:line",
  // CsvReader::Where()): a record of another width than the header, an
  // empty or duplicate product_id ("duplicate product_id 'P01' (first at
  // line 2)"), a cell the table above refuses, min_age above max_age, some
  // but not all of the contact policy counts, or a contact_scope without
  // them.
  absl::StatusOr<Product> Parse(const std::vector<std::string>& fields,
                                int64_t line);

 private:
  ProductsCsvParser() = default;

  // The parts of Parse: each fills its fields of `*product` from `fields`
  // or says why the row is bad.
  absl::Status ParseEligibility(const std::vector<std::string>& fields,
                                Eligibility* rules) const;
  absl::Status ParseOfferTerms(const std::vector<std::string>& fields,
                               Product* product) const;

  // Index of each column in the header; -1 when the file has none.
  size_t width_ = 0;
  int id_ = -1;
  int name_ = -1;
  int category_ = -1;
  int business_value_ = -1;
  int min_age_ = -1;
  int max_age_ = -1;
  int min_income_ = -1;
  int segments_ = -1;
  int min_credit_score_ = -1;
  int kyc_required_ = -1;
  int offer_type_ = -1;
  int max_declines_ = -1;
  int max_impressions_ = -1;
  int suppression_days_ = -1;
  int contact_scope_ = -1;
  // The line of each product returned, by id.
  absl::flat_hash_map<std::string, int64_t> first_line_;
};

// Reads the catalog from `path`, every column above, in file order. Strict:
// the first bad row fails the read.
//
// NOT_FOUND if the file does not exist. INVALID_ARGUMENT, naming
// "path:line", for what ProductsCsvParser refuses, malformed quoting, or a
// file with no products.
absl::StatusOr<std::vector<Product>> ReadProductsCsv(const std::string& path);

// Writes `products` to `path` with the header product_id,name,category,
// quoting fields as needed. INTERNAL if the file cannot be written.
absl::Status WriteProductsCsv(const std::string& path,
                              const std::vector<Product>& products);

// Like WriteProductsCsv, with every column of the table above, in its order:
// unset bounds and an unset contact policy are empty cells, segments are
// joined with ';', kyc_required is true or false, offer_type and
// contact_scope are lower-case words. ReadProductsCsv reads the file back
// into the same products (but for segments that hold ';' or are blank).
absl::Status WriteCatalogCsv(const std::string& path,
                             const std::vector<Product>& products);

}  // namespace nbo::data

#endif  // NBO_LIB_DATA_PRODUCTS_CSV_H_
