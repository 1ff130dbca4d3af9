// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Typed cells of the bank's CSV files, shared by the customers, products and
// transactions readers so that a number means the same in each. Internal to
// lib/data.
//
// Every parser reads one cell (already stripped of surrounding spaces) of
// the column named `column`, and on failure returns INVALID_ARGUMENT with
// the reason alone ("age 'x' is not an integer"): the readers prefix
// "path:line".

#ifndef NBO_LIB_DATA_CSV_CELLS_H_
#define NBO_LIB_DATA_CSV_CELLS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace nbo::data {

// The cell of column `index` of a record (-1: the file has no such column,
// read as an empty cell).
// REQUIRES: index < fields.size().
absl::string_view Cell(const std::vector<std::string>& fields, int index);

// An empty cell leaves `*out` unset; otherwise an integer >= 0.
absl::Status ParseCount(absl::string_view cell, absl::string_view column,
                        std::optional<int>* out);

// An empty cell leaves `*out` unset; otherwise an integer > 0.
absl::Status ParsePositive(absl::string_view cell, absl::string_view column,
                           std::optional<int>* out);

// An empty cell leaves `*out` unset; otherwise a finite number >= 0.
absl::Status ParseAmount(absl::string_view cell, absl::string_view column,
                         std::optional<double>* out);

// An empty cell leaves `*out` as it is; otherwise true/1/yes or
// false/0/no, ASCII case ignored.
absl::Status ParseBool(absl::string_view cell, absl::string_view column,
                       bool* out);

}  // namespace nbo::data

#endif  // NBO_LIB_DATA_CSV_CELLS_H_
