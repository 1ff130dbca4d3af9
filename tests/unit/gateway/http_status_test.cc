// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/gateway/http_status.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/gateway/json_text.h"

namespace nbo::gateway {
namespace {

TEST(HttpStatusTest, MapsEveryCodeCanonically) {
  const std::vector<std::pair<absl::StatusCode, int>> table = {
      {absl::StatusCode::kOk, 200},
      {absl::StatusCode::kCancelled, 499},
      {absl::StatusCode::kUnknown, 500},
      {absl::StatusCode::kInvalidArgument, 400},
      {absl::StatusCode::kDeadlineExceeded, 504},
      {absl::StatusCode::kNotFound, 404},
      {absl::StatusCode::kAlreadyExists, 409},
      {absl::StatusCode::kPermissionDenied, 403},
      {absl::StatusCode::kResourceExhausted, 429},
      {absl::StatusCode::kFailedPrecondition, 400},
      {absl::StatusCode::kAborted, 409},
      {absl::StatusCode::kOutOfRange, 400},
      {absl::StatusCode::kUnimplemented, 501},
      {absl::StatusCode::kInternal, 500},
      {absl::StatusCode::kUnavailable, 503},
      {absl::StatusCode::kDataLoss, 500},
      {absl::StatusCode::kUnauthenticated, 401},
      {static_cast<absl::StatusCode>(42), 500},
  };
  for (const auto& [code, http] : table) {
    EXPECT_EQ(HttpStatusFor(code), http) << absl::StatusCodeToString(code);
  }
}

TEST(HttpStatusTest, WritesTheErrorBodyInTheStatusShape) {
  EXPECT_EQ(ErrorJson(absl::StatusCode::kNotFound, "no such model"),
            R"({"code":5,"message":"no such model","details":[]})");
  EXPECT_EQ(ErrorJson(absl::StatusCode::kInvalidArgument, ""),
            R"({"code":3,"message":"","details":[]})");
}

TEST(HttpStatusTest, EscapesMessages) {
  EXPECT_EQ(ErrorJson(absl::StatusCode::kInternal,
                      std::string("a\"b\\c\nd\x01\te\r\x7f\0", 13)),
            R"({"code":13,"message":"a\"b\\c\nd\u0001\te\r\u007f\u0000",)"
            R"("details":[]})");
  // Safe inside HTML and JavaScript, as protobuf escapes.
  EXPECT_EQ(
      ErrorJson(absl::StatusCode::kInternal, "<b>\u2028\u00ad"),
      R"({"code":13,"message":"\u003cb\u003e\u2028\u00ad","details":[]})");
  // UTF-8 passes; invalid bytes become U+FFFD, one per byte.
  EXPECT_EQ(ErrorJson(absl::StatusCode::kInternal, "caf\xc3\xa9 \xff\xc3"),
            "{\"code\":13,\"message\":\"caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd\","
            "\"details\":[]}");
  EXPECT_TRUE(IsValidUtf8(ErrorJson(absl::StatusCode::kInternal,
                                    "\xed\xa0\x80\xf4\x90\x80\x80\xc0\xaf")));
}

TEST(HttpStatusTest, WritesStreamLines) {
  EXPECT_EQ(StreamErrorJson(absl::StatusCode::kUnavailable, "draining"),
            R"({"error":{"code":14,"message":"draining","details":[]}})");
  EXPECT_EQ(StreamResultJson(R"({"a":1})"), R"({"result":{"a":1}})");
}

TEST(JsonTextTest, ValidatesUtf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));   // U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));          // truncated
}

}  // namespace
}  // namespace nbo::gateway
