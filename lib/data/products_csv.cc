// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/products_csv.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/common/status_macros.h"
#include "lib/data/csv_cells.h"
#include "lib/data/csv_reader.h"

namespace nbo::data {
namespace {

constexpr absl::string_view kRequiredColumns = "product_id,name,category";

absl::Status BadRow(absl::string_view reason) {
  return absl::InvalidArgumentError(reason);
}

// The cell of column `index`, stripped of surrounding spaces ("" when the
// file has no such column).
absl::string_view Strip(const std::vector<std::string>& fields, int index) {
  return absl::StripAsciiWhitespace(Cell(fields, index));
}

}  // namespace

absl::StatusOr<ProductsCsvParser> ProductsCsvParser::ReadHeader(
    CsvReader* reader) {
  NBO_ASSIGN_OR_RETURN(const CsvHeader header,
                       CsvHeader::Read(reader, kRequiredColumns));
  ProductsCsvParser parser;
  parser.width_ = header.names().size();
  NBO_ASSIGN_OR_RETURN(parser.id_, header.Require("product_id"));
  NBO_ASSIGN_OR_RETURN(parser.name_, header.Require("name"));
  NBO_ASSIGN_OR_RETURN(parser.category_, header.Require("category"));
  parser.business_value_ = header.Find("business_value");
  parser.min_age_ = header.Find("min_age");
  parser.max_age_ = header.Find("max_age");
  parser.min_income_ = header.Find("min_income");
  parser.segments_ = header.Find("segments");
  parser.min_credit_score_ = header.Find("min_credit_score");
  parser.kyc_required_ = header.Find("kyc_required");
  parser.offer_type_ = header.Find("offer_type");
  parser.max_declines_ = header.Find("max_declines");
  parser.max_impressions_ = header.Find("max_impressions");
  parser.suppression_days_ = header.Find("suppression_days");
  parser.contact_scope_ = header.Find("contact_scope");
  return parser;
}

absl::StatusOr<Product> ProductsCsvParser::Parse(
    const std::vector<std::string>& fields, int64_t line) {
  if (fields.size() != width_) {
    return BadRow(absl::StrCat("row has ", fields.size(),
                               " fields but the header has ", width_));
  }
  Product product;
  product.product_id = std::string(absl::StripAsciiWhitespace(fields[id_]));
  if (product.product_id.empty()) return BadRow("empty product_id");
  if (auto it = first_line_.find(product.product_id); it != first_line_.end()) {
    return BadRow(absl::StrCat("duplicate product_id '", product.product_id,
                               "' (first at line ", it->second, ")"));
  }
  product.name = std::string(absl::StripAsciiWhitespace(fields[name_]));
  product.category = std::string(absl::StripAsciiWhitespace(fields[category_]));
  std::optional<double> value;
  NBO_RETURN_IF_ERROR(
      ParseAmount(Strip(fields, business_value_), "business_value", &value));
  product.business_value = value.value_or(1.0);
  NBO_RETURN_IF_ERROR(ParseEligibility(fields, &product.eligibility));
  NBO_RETURN_IF_ERROR(ParseOfferTerms(fields, &product));
  first_line_.emplace(product.product_id, line);
  return product;
}

absl::Status ProductsCsvParser::ParseEligibility(
    const std::vector<std::string>& fields, Eligibility* rules) const {
  NBO_RETURN_IF_ERROR(
      ParseCount(Strip(fields, min_age_), "min_age", &rules->min_age));
  NBO_RETURN_IF_ERROR(
      ParseCount(Strip(fields, max_age_), "max_age", &rules->max_age));
  if (rules->min_age && rules->max_age && *rules->min_age > *rules->max_age) {
    return BadRow(absl::StrCat("min_age ", *rules->min_age,
                               " is above max_age ", *rules->max_age));
  }
  NBO_RETURN_IF_ERROR(ParseAmount(Strip(fields, min_income_), "min_income",
                                  &rules->min_income));
  for (absl::string_view segment :
       absl::StrSplit(Strip(fields, segments_), ';')) {
    segment = absl::StripAsciiWhitespace(segment);
    if (!segment.empty()) rules->segments.emplace_back(segment);
  }
  NBO_RETURN_IF_ERROR(ParseCount(Strip(fields, min_credit_score_),
                                 "min_credit_score", &rules->min_credit_score));
  return ParseBool(Strip(fields, kyc_required_), "kyc_required",
                   &rules->kyc_required);
}

absl::Status ProductsCsvParser::ParseOfferTerms(
    const std::vector<std::string>& fields, Product* product) const {
  // The words are compared, and quoted in errors, in lower case.
  const std::string type = absl::AsciiStrToLower(Strip(fields, offer_type_));
  if (type.empty() || type == "default") {
    product->offer_type = OfferType::kDefault;
  } else if (type == "mandatory") {
    product->offer_type = OfferType::kMandatory;
  } else if (type == "transactional") {
    product->offer_type = OfferType::kTransactional;
  } else {
    return BadRow(absl::StrCat("offer_type '", type,
                               "' is not default, mandatory or transactional"));
  }
  std::optional<int> declines, impressions, days;
  NBO_RETURN_IF_ERROR(
      ParsePositive(Strip(fields, max_declines_), "max_declines", &declines));
  NBO_RETURN_IF_ERROR(ParsePositive(Strip(fields, max_impressions_),
                                    "max_impressions", &impressions));
  NBO_RETURN_IF_ERROR(ParsePositive(Strip(fields, suppression_days_),
                                    "suppression_days", &days));
  const std::string scope =
      absl::AsciiStrToLower(Strip(fields, contact_scope_));
  const int set =
      declines.has_value() + impressions.has_value() + days.has_value();
  if (set == 0) {
    if (!scope.empty()) {
      return BadRow(
          "contact_scope without max_declines, max_impressions and "
          "suppression_days");
    }
    product->contact_policy.reset();
    return absl::OkStatus();
  }
  if (set != 3) {
    return BadRow(
        "a contact policy needs all of max_declines, max_impressions and "
        "suppression_days");
  }
  ContactPolicy policy;
  policy.max_declines = *declines;
  policy.max_impressions = *impressions;
  policy.suppression_days = *days;
  if (scope.empty() || scope == "product") {
    policy.scope = ContactScope::kProduct;
  } else if (scope == "category") {
    policy.scope = ContactScope::kCategory;
  } else {
    return BadRow(
        absl::StrCat("contact_scope '", scope, "' is not product or category"));
  }
  product->contact_policy = policy;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Product>> ReadProductsCsv(const std::string& path) {
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<CsvReader> reader,
                       CsvReader::Open(path));
  NBO_ASSIGN_OR_RETURN(ProductsCsvParser parser,
                       ProductsCsvParser::ReadHeader(reader.get()));
  std::vector<Product> products;
  std::vector<std::string> fields;
  for (;;) {
    NBO_ASSIGN_OR_RETURN(const bool more, reader->Next(&fields));
    if (!more) break;
    absl::StatusOr<Product> product = parser.Parse(fields, reader->line());
    if (!product.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(reader->Where(), ": ", product.status().message()));
    }
    products.push_back(*std::move(product));
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

absl::string_view OfferTypeName(OfferType type) {
  switch (type) {
    case OfferType::kMandatory:
      return "mandatory";
    case OfferType::kTransactional:
      return "transactional";
    case OfferType::kDefault:
      break;
  }
  return "default";
}

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
      "segments,min_credit_score,kyc_required,offer_type,max_declines,"
      "max_impressions,suppression_days,contact_scope\n";
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
    absl::StrAppend(&out, ",", rules.kyc_required ? "true" : "false", ",",
                    OfferTypeName(product.offer_type));
    if (product.contact_policy.has_value()) {
      const ContactPolicy& policy = *product.contact_policy;
      absl::StrAppend(
          &out, ",", policy.max_declines, ",", policy.max_impressions, ",",
          policy.suppression_days, ",",
          policy.scope == ContactScope::kCategory ? "category" : "product");
    } else {
      out.append(",,,,");
    }
    out.push_back('\n');
  }
  return WriteWholeFile(path, out);
}

}  // namespace nbo::data
