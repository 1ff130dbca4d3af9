// Copyright (c) 2026 The nbo Authors. MIT License.
//
// JSON text the gateway writes itself (error bodies, the OpenAPI document)
// and the UTF-8 check its inputs pass. Everything else is printed by
// protobuf's JSON utilities. Stateless.

#ifndef NBO_LIB_GATEWAY_JSON_TEXT_H_
#define NBO_LIB_GATEWAY_JSON_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace nbo::gateway {

// True if `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
bool IsValidUtf8(absl::string_view text);

// `text` as a quoted JSON string (RFC 8259), escaped as common::JsonString
// does, after each byte of an invalid UTF-8 sequence is replaced by U+FFFD:
// the result is always valid JSON and valid UTF-8.
std::string JsonQuote(absl::string_view text);

}  // namespace nbo::gateway

#endif  // NBO_LIB_GATEWAY_JSON_TEXT_H_
