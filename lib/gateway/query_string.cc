// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/gateway/query_string.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/common/quote.h"
#include "lib/gateway/percent_decoding.h"

namespace nbo::gateway {

absl::StatusOr<std::vector<QueryParameter>> ParseQueryString(
    absl::string_view query) {
  std::vector<QueryParameter> out;
  for (absl::string_view pair : absl::StrSplit(query, '&')) {
    if (pair.empty()) continue;
    std::pair<absl::string_view, absl::string_view> raw =
        absl::StrSplit(pair, absl::MaxSplits('=', 1));
    QueryParameter p;
    if (!AppendPercentDecoded(raw.first, Decoding::kFormField, &p.name) ||
        !AppendPercentDecoded(raw.second, Decoding::kFormField, &p.value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter ", common::QuoteForError(raw.first),
                       " is not valid percent-encoding"));
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace nbo::gateway
