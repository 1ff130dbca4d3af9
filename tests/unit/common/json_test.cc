// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/common/json.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace nbo::common {
namespace {

TEST(JsonTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(JsonString("plain"), "\"plain\"");
  EXPECT_EQ(JsonString("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonString("l1\nl2\tx"), "\"l1\\nl2\\tx\"");
  EXPECT_EQ(JsonString(absl::string_view("\x01", 1)), "\"\\u0001\"");
  EXPECT_EQ(JsonString("Zoë"), "\"Zoë\"");  // UTF-8 passes through.
}

TEST(JsonTest, NumbersHaveTenDigitsAndNonFiniteIsNull) {
  EXPECT_EQ(JsonNumber(0.5), "0.5");
  EXPECT_EQ(JsonNumber(1.0 / 3.0), "0.3333333333");
  EXPECT_EQ(JsonNumber(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(JsonNumber(-std::numeric_limits<double>::infinity()), "null");
}

}  // namespace
}  // namespace nbo::common
