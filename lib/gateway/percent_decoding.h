// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Percent-decoding (RFC 3986 section 2.1) of path segments and of query
// keys and values. Stateless.

#ifndef NBO_LIB_GATEWAY_PERCENT_DECODING_H_
#define NBO_LIB_GATEWAY_PERCENT_DECODING_H_

#include <string>

#include "absl/strings/string_view.h"

namespace nbo::gateway {

enum class Decoding {
  // Every "%XX" decoded; '+' stays '+'.
  kPathSegment,
  // Like kPathSegment, except that "%2F" and "%2f" stay as they are.
  kPathSegmentKeepSlash,
  // application/x-www-form-urlencoded: like kPathSegment, and '+' is a
  // space.
  kFormField,
};

// Appends `text` decoded to `out`. False if a '%' is not followed by two
// hex digits; `out` then holds part of the result.
bool AppendPercentDecoded(absl::string_view text, Decoding decoding,
                          std::string* out);

}  // namespace nbo::gateway

#endif  // NBO_LIB_GATEWAY_PERCENT_DECODING_H_
