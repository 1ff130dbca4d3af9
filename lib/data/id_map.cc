// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/id_map.h"

#include <memory>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"
#include "lib/data/csv_reader.h"

namespace nbo::data {

absl::StatusOr<IdMap> IdMap::ReadCsv(const std::string& path) {
  NBO_ASSIGN_OR_RETURN(std::unique_ptr<CsvReader> reader,
                       CsvReader::Open(path));
  std::vector<std::string> fields;
  NBO_ASSIGN_OR_RETURN(bool has_header, reader->Next(&fields));
  if (!has_header) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":1: empty file; expected the header spark_id,customer_id"));
  }
  const size_t columns = fields.size();
  int spark_column = -1;
  int customer_column = -1;
  for (size_t i = 0; i < columns; ++i) {
    absl::string_view name = absl::StripAsciiWhitespace(fields[i]);
    if (name == "spark_id" && spark_column < 0) {
      spark_column = static_cast<int>(i);
    } else if (name == "customer_id" && customer_column < 0) {
      customer_column = static_cast<int>(i);
    }
  }
  if (spark_column < 0 || customer_column < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(reader->Where(), ": header lacks column '",
                     spark_column < 0 ? "spark_id" : "customer_id",
                     "' (need spark_id,customer_id)"));
  }

  IdMap map;
  map.path_ = path;
  for (;;) {
    NBO_ASSIGN_OR_RETURN(bool more, reader->Next(&fields));
    if (!more) break;
    absl::string_view spark_text =
        absl::StripAsciiWhitespace(fields[spark_column]);
    int64_t spark_id = 0;
    if (!absl::SimpleAtoi(spark_text, &spark_id)) {
      return absl::InvalidArgumentError(
          absl::StrCat(reader->Where(), ": spark_id '", spark_text,
                       "' is not a 64-bit integer"));
    }
    std::string customer_id(
        absl::StripAsciiWhitespace(fields[customer_column]));
    if (customer_id.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(reader->Where(), ": empty customer_id"));
    }
    if (!map.Insert(spark_id, std::move(customer_id))) {
      return absl::InvalidArgumentError(
          absl::StrCat(reader->Where(), ": duplicate spark_id ", spark_id));
    }
  }
  return map;
}

}  // namespace nbo::data
