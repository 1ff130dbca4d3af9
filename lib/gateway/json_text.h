// Copyright (c) 2026 The nbo Authors. MIT License.
//
// JSON strings the gateway writes itself (responses through json_writer,
// error bodies, the OpenAPI document) and the UTF-8 check its inputs pass.
// Stateless.

#ifndef NBO_LIB_GATEWAY_JSON_TEXT_H_
#define NBO_LIB_GATEWAY_JSON_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace nbo::gateway {

// True if `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
bool IsValidUtf8(absl::string_view text);

// Appends `text` as a quoted JSON string (RFC 8259), escaped as protobuf's
// JSON printer escapes: quotes and backslashes; control characters as \b,
// \t, \n, \f, \r or \u00xx; '<', '>', DEL and the C1 controls; and the
// invisible format characters (U+00AD, U+200B..U+200F, U+2028..U+202E, U+FEFF,
// ...) as \uxxxx, so that the text is safe inside HTML and JavaScript. Each
// byte of an invalid UTF-8 sequence becomes U+FFFD: the result is always valid
// JSON and valid UTF-8.
void AppendJsonQuoted(absl::string_view text, std::string* out);

// The same, returned.
std::string JsonQuote(absl::string_view text);

}  // namespace nbo::gateway

#endif  // NBO_LIB_GATEWAY_JSON_TEXT_H_
