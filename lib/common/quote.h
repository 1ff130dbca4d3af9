// Copyright (c) 2026 The nbo Authors. MIT License.
//
// How error messages show what a client sent.

#ifndef NBO_LIB_COMMON_QUOTE_H_
#define NBO_LIB_COMMON_QUOTE_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace nbo::common {

// Client input as an error message may show it: single-quoted, C-escaped
// (control characters, quotes and non-ASCII bytes become escapes, so a
// message is one printable line) and cut after `max` bytes of input, in
// which case the full length follows:
//
//   QuoteForError("P01")            -> 'P01'
//   QuoteForError("a\nb")           -> 'a\nb'
//   QuoteForError(<1 MiB of "x">)   -> 'xxxx...x...' (1048576 bytes)
//
// The result is at most about 4 * max + 30 bytes whatever the input, so a
// hostile name cannot make a large error. Never use it on customer ids:
// those are personal data and are not echoed at all.
std::string QuoteForError(absl::string_view value, size_t max = 64);

}  // namespace nbo::common

#endif  // NBO_LIB_COMMON_QUOTE_H_
