// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/products_csv.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/common/status_macros.h"
#include "lib/data/csv_reader.h"

namespace nbo::data {
namespace {

constexpr const char* kRequiredColumns[] = {"product_id", "name", "category"};

}  // namespace

absl::StatusOr<std::vector<Product>> ReadProductsCsv(const std::string& path) {
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<CsvReader> reader,
                       CsvReader::Open(path));
  std::vector<std::string> fields;
  NBO_ASSIGN_OR_RETURN(bool has_header, reader->Next(&fields));
  if (!has_header) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":1: empty file; expected a header row with ",
                     absl::StrJoin(kRequiredColumns, ",")));
  }
  const size_t columns = fields.size();
  // Index of each required column in the header.
  int index[3] = {-1, -1, -1};
  for (size_t i = 0; i < columns; ++i) {
    const std::string name(absl::StripAsciiWhitespace(fields[i]));
    for (int r = 0; r < 3; ++r) {
      if (name != kRequiredColumns[r]) continue;
      if (index[r] >= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(reader->Where(), ": column '", name,
                         "' appears twice in the header"));
      }
      index[r] = static_cast<int>(i);
    }
  }
  for (int r = 0; r < 3; ++r) {
    if (index[r] < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          reader->Where(), ": header lacks column '", kRequiredColumns[r],
          "' (need ", absl::StrJoin(kRequiredColumns, ","), ")"));
    }
  }

  std::vector<Product> products;
  absl::flat_hash_map<std::string, int64_t> first_line;
  for (;;) {
    NBO_ASSIGN_OR_RETURN(bool more, reader->Next(&fields));
    if (!more) break;
    Product product;
    product.product_id =
        std::string(absl::StripAsciiWhitespace(fields[index[0]]));
    product.name = std::string(absl::StripAsciiWhitespace(fields[index[1]]));
    product.category =
        std::string(absl::StripAsciiWhitespace(fields[index[2]]));
    if (product.product_id.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(reader->Where(), ": empty product_id"));
    }
    auto [it, inserted] =
        first_line.emplace(product.product_id, reader->line());
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          reader->Where(), ": duplicate product_id '", product.product_id,
          "' (first at line ", it->second, ")"));
    }
    products.push_back(std::move(product));
  }
  if (products.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no products after the header"));
  }
  return products;
}

namespace {

absl::Status WriteWholeFile(const std::string& path, const std::string& out) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    return absl::InternalError(
        absl::StrCat(path, ": cannot create: ", std::strerror(errno)));
  }
  const size_t written = std::fwrite(out.data(), 1, out.size(), file);
  const bool closed = std::fclose(file) == 0;
  if (written != out.size() || !closed) {
    return absl::InternalError(absl::StrCat(path, ": write failed"));
  }
  return absl::OkStatus();
}

void AppendIdentity(const Product& product, std::string* out) {
  AppendCsvField(product.product_id, out);
  out->push_back(',');
  AppendCsvField(product.name, out);
  out->push_back(',');
  AppendCsvField(product.category, out);
}

// Appends the shortest decimal that reads back as exactly `value`.
// absl::StrAppend would round doubles to six significant digits, so a
// business value of 0.1234567 would come back as 0.123457.
void AppendNumber(double value, std::string* out) {
  char buffer[32];
  const std::to_chars_result result =
      std::to_chars(buffer, buffer + sizeof(buffer), value);
  out->append(buffer, result.ptr);
}
void AppendNumber(int value, std::string* out) { absl::StrAppend(out, value); }

template <typename T>
void AppendOptional(const std::optional<T>& value, std::string* out) {
  out->push_back(',');
  if (value.has_value()) AppendNumber(*value, out);
}

}  // namespace

absl::Status WriteProductsCsv(const std::string& path,
                              const std::vector<Product>& products) {
  std::string out = "product_id,name,category\n";
  for (const Product& product : products) {
    AppendIdentity(product, &out);
    out.push_back('\n');
  }
  return WriteWholeFile(path, out);
}

absl::Status WriteCatalogCsv(const std::string& path,
                             const std::vector<Product>& products) {
  std::string out =
      "product_id,name,category,business_value,min_age,max_age,min_income,"
      "segments,min_credit_score,kyc_required\n";
  for (const Product& product : products) {
    const Eligibility& rules = product.eligibility;
    AppendIdentity(product, &out);
    out.push_back(',');
    AppendNumber(product.business_value, &out);
    AppendOptional(rules.min_age, &out);
    AppendOptional(rules.max_age, &out);
    AppendOptional(rules.min_income, &out);
    out.push_back(',');
    AppendCsvField(absl::StrJoin(rules.segments, ";"), &out);
    AppendOptional(rules.min_credit_score, &out);
    absl::StrAppend(&out, ",", rules.kyc_required ? "true" : "false", "\n");
  }
  return WriteWholeFile(path, out);
}

}  // namespace nbo::data
