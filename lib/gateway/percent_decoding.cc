// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/gateway/percent_decoding.h"

#include <cstddef>

namespace nbo::gateway {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool AppendPercentDecoded(absl::string_view text, Decoding decoding,
                          std::string* out) {
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && decoding == Decoding::kFormField) {
      *out += ' ';
      continue;
    }
    if (c != '%') {
      *out += c;
      continue;
    }
    if (i + 2 >= text.size()) return false;
    const int high = HexValue(text[i + 1]), low = HexValue(text[i + 2]);
    if (high < 0 || low < 0) return false;
    const char decoded = static_cast<char>(high * 16 + low);
    if (decoded == '/' && decoding == Decoding::kPathSegmentKeepSlash) {
      out->append(text.data() + i, 3);
    } else {
      *out += decoded;
    }
    i += 2;
  }
  return true;
}

}  // namespace nbo::gateway
