// Copyright (c) 2026 The nbo Authors. MIT License.

#include "tools/nboctl/catalog_csv.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"
#include "lib/data/bank_data.h"
#include "lib/data/csv_reader.h"

namespace nbo::nboctl {
namespace {

// A header-only transactions.csv in the temp directory, removed when it goes
// out of scope: lib/data reads products.csv with its business value and
// eligibility columns only as part of the bank's three files, and a catalog
// update has no transactions. Not thread-safe.
class EmptyTransactionsFile {
 public:
  static absl::StatusOr<std::unique_ptr<EmptyTransactionsFile>> Create() {
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
    if (ec) dir = "/tmp";
    std::string path = (dir / "nboctl-catalog-XXXXXX").string();
    const int fd = mkstemp(path.data());
    if (fd < 0) {
      return absl::InternalError(
          absl::StrCat("cannot create a temporary file in ", dir.string()));
    }
    constexpr absl::string_view kHeader =
        "customer_id,product_id,event,timestamp\n";
    const bool written = write(fd, kHeader.data(), kHeader.size()) ==
                         static_cast<ssize_t>(kHeader.size());
    close(fd);
    auto file = std::unique_ptr<EmptyTransactionsFile>(
        new EmptyTransactionsFile(std::move(path)));
    if (!written) {
      return absl::InternalError(
          absl::StrCat("cannot write the temporary file ", file->path()));
    }
    return file;
  }

  ~EmptyTransactionsFile() {
    std::error_code ignored;  // Best effort: it lives in the temp directory.
    std::filesystem::remove(path_, ignored);
  }

  const std::string& path() const { return path_; }

 private:
  explicit EmptyTransactionsFile(std::string path) : path_(std::move(path)) {}
  const std::string path_;
};

absl::Status RowError(const data::CsvReader& csv, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(csv.Where(), ": ", reason));
}

// An empty cell is unset; otherwise a positive integer.
absl::Status ParsePositive(const data::CsvReader& csv, absl::string_view cell,
                           absl::string_view column, std::optional<int>* out) {
  out->reset();
  if (cell.empty()) return absl::OkStatus();
  int value;
  if (!absl::SimpleAtoi(cell, &value) || value <= 0) {
    return RowError(
        csv, absl::StrCat(column, " '", cell, "' is not a positive integer"));
  }
  *out = value;
  return absl::OkStatus();
}

// Reads the columns lib/data does not know into the products of `*catalog`
// (matched by product_id).
absl::Status ReadDecisioningColumns(const std::string& path,
                                    std::vector<v1::Product>* catalog) {
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<data::CsvReader> csv,
                       data::CsvReader::Open(path));
  std::vector<std::string> fields;
  NBO_ASSIGN_OR_RETURN(const bool has_header, csv->Next(&fields));
  if (!has_header) return absl::OkStatus();  // lib/data has said so already.
  absl::flat_hash_map<std::string, int> columns;
  for (size_t i = 0; i < fields.size(); ++i) {
    columns.emplace(absl::StripAsciiWhitespace(fields[i]), static_cast<int>(i));
  }
  const auto find = [&columns](absl::string_view name) {
    auto it = columns.find(name);
    return it == columns.end() ? -1 : it->second;
  };
  const int id_column = find("product_id");
  const int type_column = find("offer_type");
  const int declines_column = find("max_declines");
  const int impressions_column = find("max_impressions");
  const int days_column = find("suppression_days");
  const int scope_column = find("contact_scope");
  if (type_column < 0 && declines_column < 0 && impressions_column < 0 &&
      days_column < 0 && scope_column < 0) {
    return absl::OkStatus();
  }
  absl::flat_hash_map<std::string, v1::Product*> by_id;
  for (v1::Product& product : *catalog) by_id[product.product_id()] = &product;
  for (;;) {
    NBO_ASSIGN_OR_RETURN(const bool more, csv->Next(&fields));
    if (!more) return absl::OkStatus();
    for (std::string& field : fields) absl::StripAsciiWhitespace(&field);
    const auto cell = [&fields](int column) {
      return column < 0 ? std::string() : absl::AsciiStrToLower(fields[column]);
    };
    auto it = by_id.find(fields[id_column]);
    if (it == by_id.end()) continue;
    v1::Product* product = it->second;
    const std::string type = cell(type_column);
    if (type.empty() || type == "default") {
      product->set_offer_type(v1::OFFER_TYPE_DEFAULT);
    } else if (type == "mandatory") {
      product->set_offer_type(v1::OFFER_TYPE_MANDATORY);
    } else if (type == "transactional") {
      product->set_offer_type(v1::OFFER_TYPE_TRANSACTIONAL);
    } else {
      return RowError(*csv, absl::StrCat("offer_type '", type,
                                         "' is not default, mandatory or "
                                         "transactional"));
    }
    std::optional<int> declines, impressions, days;
    NBO_RETURN_IF_ERROR(
        ParsePositive(*csv, cell(declines_column), "max_declines", &declines));
    NBO_RETURN_IF_ERROR(ParsePositive(*csv, cell(impressions_column),
                                      "max_impressions", &impressions));
    NBO_RETURN_IF_ERROR(
        ParsePositive(*csv, cell(days_column), "suppression_days", &days));
    const std::string scope = cell(scope_column);
    const int set =
        declines.has_value() + impressions.has_value() + days.has_value();
    if (set == 0) {
      if (!scope.empty()) {
        return RowError(*csv,
                        "contact_scope without max_declines, max_impressions "
                        "and suppression_days");
      }
      continue;
    }
    if (set != 3) {
      return RowError(*csv,
                      "a contact policy needs all of max_declines, "
                      "max_impressions and suppression_days");
    }
    v1::ContactPolicy* policy = product->mutable_contact_policy();
    policy->set_max_declines(*declines);
    policy->set_max_impressions(*impressions);
    policy->set_suppression_days(*days);
    if (scope.empty() || scope == "product") {
      policy->set_scope(v1::CONTACT_SCOPE_PRODUCT);
    } else if (scope == "category") {
      policy->set_scope(v1::CONTACT_SCOPE_CATEGORY);
    } else {
      return RowError(*csv, absl::StrCat("contact_scope '", scope,
                                         "' is not product or category"));
    }
  }
}

}  // namespace

v1::Product ToProto(const data::Product& product) {
  v1::Product out;
  out.set_product_id(product.product_id);
  out.set_name(product.name);
  out.set_category(product.category);
  out.set_business_value(product.business_value);
  const data::Eligibility& in = product.eligibility;
  v1::EligibilityRules* rules = out.mutable_eligibility();
  if (in.min_age) rules->set_min_age(*in.min_age);
  if (in.max_age) rules->set_max_age(*in.max_age);
  if (in.min_income) rules->set_min_income(*in.min_income);
  for (const std::string& segment : in.segments) rules->add_segments(segment);
  if (in.min_credit_score) rules->set_min_credit_score(*in.min_credit_score);
  rules->set_kyc_required(in.kyc_required);
  return out;
}

absl::StatusOr<std::vector<v1::Product>> ReadCatalogCsv(
    const std::string& path) {
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<EmptyTransactionsFile> transactions,
                       EmptyTransactionsFile::Create());
  data::BankDataOptions options;
  options.products_path = path;
  options.transactions_path = transactions->path();
  NBO_ASSIGN_OR_RETURN(const data::BankData data, data::ReadBankData(options));
  std::vector<v1::Product> catalog;
  catalog.reserve(data.products.size());
  for (const data::Product& product : data.products) {
    catalog.push_back(ToProto(product));
  }
  NBO_RETURN_IF_ERROR(ReadDecisioningColumns(path, &catalog));
  return catalog;
}

}  // namespace nbo::nboctl
