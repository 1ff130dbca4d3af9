// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/csv_cells.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace nbo::data {

absl::string_view Cell(const std::vector<std::string>& fields, int index) {
  return index < 0 ? absl::string_view() : absl::string_view(fields[index]);
}

absl::Status ParseCount(absl::string_view cell, absl::string_view column,
                        std::optional<int>* out) {
  out->reset();
  if (cell.empty()) return absl::OkStatus();
  int value;
  if (!absl::SimpleAtoi(cell, &value)) {
    return absl::InvalidArgumentError(
        absl::StrCat(column, " '", cell, "' is not an integer"));
  }
  if (value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(column, " ", value, " is negative"));
  }
  *out = value;
  return absl::OkStatus();
}

absl::Status ParsePositive(absl::string_view cell, absl::string_view column,
                           std::optional<int>* out) {
  out->reset();
  if (cell.empty()) return absl::OkStatus();
  int value;
  if (!absl::SimpleAtoi(cell, &value) || value <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(column, " '", cell, "' is not a positive integer"));
  }
  *out = value;
  return absl::OkStatus();
}

absl::Status ParseAmount(absl::string_view cell, absl::string_view column,
                         std::optional<double>* out) {
  out->reset();
  if (cell.empty()) return absl::OkStatus();
  double value;
  if (!absl::SimpleAtod(cell, &value) || !std::isfinite(value)) {
    return absl::InvalidArgumentError(
        absl::StrCat(column, " '", cell, "' is not a finite number"));
  }
  if (value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(column, " ", cell, " is negative"));
  }
  *out = value;
  return absl::OkStatus();
}

absl::Status ParseBool(absl::string_view cell, absl::string_view column,
                       bool* out) {
  if (cell.empty()) return absl::OkStatus();
  const std::string lower = absl::AsciiStrToLower(cell);
  if (lower == "true" || lower == "1" || lower == "yes") {
    *out = true;
  } else if (lower == "false" || lower == "0" || lower == "no") {
    *out = false;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(column, " '", cell, "' is not true/false/1/0/yes/no"));
  }
  return absl::OkStatus();
}

}  // namespace nbo::data
