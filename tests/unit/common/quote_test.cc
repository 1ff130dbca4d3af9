// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/common/quote.h"

#include <string>

#include "gtest/gtest.h"

namespace nbo::common {
namespace {

TEST(QuoteForErrorTest, QuotesShortInputWhole) {
  EXPECT_EQ(QuoteForError("P01"), "'P01'");
  EXPECT_EQ(QuoteForError(""), "''");
}

TEST(QuoteForErrorTest, EscapesControlCharactersQuotesAndNonAscii) {
  EXPECT_EQ(QuoteForError("a\nb"), "'a\\nb'");
  EXPECT_EQ(QuoteForError("it's"), "'it\\'s'");
  EXPECT_EQ(QuoteForError(std::string("\0\x7f\xff", 3)), "'\\000\\177\\377'");
}

TEST(QuoteForErrorTest, CutsLongInputAndSaysHowLongItWas) {
  const std::string mib(1 << 20, 'x');
  const std::string quoted = QuoteForError(mib);
  EXPECT_EQ(quoted, "'" + std::string(64, 'x') + "...' (1048576 bytes)");
  EXPECT_EQ(QuoteForError("abcdef", 3), "'abc...' (6 bytes)");
  EXPECT_EQ(QuoteForError("abc", 3), "'abc'");
}

TEST(QuoteForErrorTest, StaysShortWhenEveryByteNeedsAnEscape) {
  const std::string hostile(1 << 20, '\x01');
  EXPECT_LE(QuoteForError(hostile).size(), 4u * 64 + 30);
}

}  // namespace
}  // namespace nbo::common
