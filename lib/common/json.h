// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The two JSON primitives our reports need (evaluation tables, training
// reports, benchmark output), in one place so every writer escapes alike.

#ifndef NBO_LIB_COMMON_JSON_H_
#define NBO_LIB_COMMON_JSON_H_

#include <string>

#include "absl/strings/string_view.h"

namespace nbo::common {

// `text` as a quoted JSON string: quotes, backslashes and control
// characters escaped (RFC 8259).
std::string JsonString(absl::string_view text);

// `value` as a JSON number with 10 significant digits; "null" for NaN and
// infinities, which JSON cannot express.
std::string JsonNumber(double value);

}  // namespace nbo::common

#endif  // NBO_LIB_COMMON_JSON_H_
