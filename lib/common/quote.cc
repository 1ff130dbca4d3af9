// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/common/quote.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace nbo::common {

std::string QuoteForError(absl::string_view value, size_t max) {
  if (value.size() <= max) {
    return absl::StrCat("'", absl::CEscape(value), "'");
  }
  return absl::StrCat("'", absl::CEscape(value.substr(0, max)), "...' (",
                      value.size(), " bytes)");
}

}  // namespace nbo::common
