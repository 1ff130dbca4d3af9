// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/gateway/json_text.h"

#include <cstddef>
#include <cstdint>

namespace nbo::gateway {
namespace {

// The length of the well-formed UTF-8 sequence at the start of `text`, or 0
// if it does not start with one (RFC 3629, table 3-7 of Unicode's chapter 3).
size_t Utf8SequenceLength(absl::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t b0 = byte(0);
  if (b0 < 0x80) return 1;
  size_t length;
  uint8_t low = 0x80, high = 0xBF;  // bounds of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) low = 0xA0;   // overlong
    if (b0 == 0xED) high = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) low = 0x90;   // overlong
    if (b0 == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

// The code point of a well-formed sequence of `length` = text.size() bytes.
uint32_t DecodeUtf8(absl::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  static constexpr uint8_t kLeadMask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  uint32_t code_point = byte(0) & kLeadMask[text.size()];
  for (size_t i = 1; i < text.size(); ++i) {
    code_point = (code_point << 6) | (byte(i) & 0x3F);
  }
  return code_point;
}

// How an ASCII character is written: null when as itself, "" when as
// \u00xx, else its short escape.
const char* AsciiEscape(uint8_t c) {
  switch (c) {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\b':
      return "\\b";
    case '\t':
      return "\\t";
    case '\n':
      return "\\n";
    case '\f':
      return "\\f";
    case '\r':
      return "\\r";
    case '<':
    case '>':
    case 0x7F:
      return "";
    default:
      return c < 0x20 ? "" : nullptr;
  }
}

// C1 control characters, and invisible characters that change how text
// around them is read or shown (soft hyphen, zero-width and direction
// marks, line and paragraph separators, byte order mark, tags, ...):
// written as escapes, as protobuf does.
bool IsEscapedFormatCharacter(uint32_t c) {
  struct Range {
    uint32_t first, last;
  };
  static constexpr Range kRanges[] = {
      {0x00AD, 0x00AD},   {0x0600, 0x0603},   {0x06DD, 0x06DD},
      {0x070F, 0x070F},   {0x17B4, 0x17B5},   {0x200B, 0x200F},
      {0x2028, 0x202E},   {0x2060, 0x2064},   {0x206A, 0x206F},
      {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},   {0x1D173, 0x1D17A},
      {0xE0001, 0xE0001}, {0xE0020, 0xE007F},
  };
  if (c < 0xA0) return c >= 0x80;  // C1 control characters
  if (c < 0xAD) return false;
  for (const Range& r : kRanges) {
    if (c < r.first) return false;
    if (c <= r.last) return true;
  }
  return false;
}

// Appends \uxxxx (lowercase hex), as a surrogate pair above U+FFFF.
void AppendUnicodeEscape(uint32_t code_point, std::string* out) {
  const auto unit = [out](uint32_t u) {
    static constexpr char kHex[] = "0123456789abcdef";
    const char escape[] = {'\\',
                           'u',
                           kHex[u >> 12],
                           kHex[(u >> 8) & 0xF],
                           kHex[(u >> 4) & 0xF],
                           kHex[u & 0xF]};
    out->append(escape, sizeof(escape));
  };
  if (code_point < 0x10000) return unit(code_point);
  code_point -= 0x10000;
  unit(0xD800 + (code_point >> 10));
  unit(0xDC00 + (code_point & 0x3FF));
}

}  // namespace

bool IsValidUtf8(absl::string_view text) {
  while (!text.empty()) {
    const size_t length = Utf8SequenceLength(text);
    if (length == 0) return false;
    text.remove_prefix(length);
  }
  return true;
}

void AppendJsonQuoted(absl::string_view text, std::string* out) {
  out->reserve(out->size() + text.size() + 2);
  out->push_back('"');
  size_t plain = 0;  // start of the bytes not yet copied
  size_t i = 0;
  const auto flush = [&] { out->append(text.data() + plain, i - plain); };
  while (i < text.size()) {
    const uint8_t c = static_cast<uint8_t>(text[i]);
    if (c < 0x80) {
      const char* escape = AsciiEscape(c);
      if (escape == nullptr) {
        ++i;
        continue;
      }
      flush();
      if (escape[0] != '\0') {
        out->append(escape);
      } else {
        AppendUnicodeEscape(c, out);
      }
      plain = ++i;
      continue;
    }
    const size_t length = Utf8SequenceLength(text.substr(i));
    if (length == 0) {
      flush();
      out->append("\xEF\xBF\xBD");  // U+FFFD REPLACEMENT CHARACTER
      plain = ++i;
      continue;
    }
    const uint32_t code_point = DecodeUtf8(text.substr(i, length));
    if (!IsEscapedFormatCharacter(code_point)) {
      i += length;
      continue;
    }
    flush();
    AppendUnicodeEscape(code_point, out);
    plain = i += length;
  }
  flush();
  out->push_back('"');
}

std::string JsonQuote(absl::string_view text) {
  std::string out;
  AppendJsonQuoted(text, &out);
  return out;
}

}  // namespace nbo::gateway
