// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/gateway/call_metadata.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace nbo::gateway {
namespace {

using ::nbo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Pair;

services::HttpRequest Request(services::HttpHeaders headers) {
  services::HttpRequest request;
  request.method = "GET";
  request.target = "/v1/models";
  request.headers = std::move(headers);
  return request;
}

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

TEST(CallMetadataTest, ForwardsOnlyAuthorizationRequestIdAndGrpcMetadata) {
  const services::HttpRequest request = Request({
      {"Authorization", "Bearer t0k3n"},
      {"Cookie", "session=secret"},
      {"Grpc-Metadata-Tenant", "bank-a"},
      {"X-Forwarded-For", "10.0.0.1"},
      {"grpc-metadata-trace.id", "abc"},
  });
  ASSERT_OK_AND_ASSIGN(CallOptions options,
                       CallOptionsFor(request, "rid-1", kNow, absl::Seconds(30),
                                      absl::Minutes(5)));
  EXPECT_THAT(options.metadata,
              ElementsAre(Pair("authorization", "Bearer t0k3n"),
                          Pair("x-request-id", "rid-1"),
                          Pair("tenant", "bank-a"), Pair("trace.id", "abc")));
  EXPECT_EQ(options.deadline, kNow + absl::Seconds(30));
}

TEST(CallMetadataTest, GrpcTimeoutSetsTheDeadlineUpToTheCap) {
  ASSERT_OK_AND_ASSIGN(
      CallOptions short_one,
      CallOptionsFor(Request({{"Grpc-Timeout", "250m"}}), "r", kNow,
                     absl::Seconds(30), absl::Minutes(5)));
  EXPECT_EQ(short_one.deadline, kNow + absl::Milliseconds(250));
  ASSERT_OK_AND_ASSIGN(
      CallOptions capped,
      CallOptionsFor(Request({{"Grpc-Timeout", "10H"}}), "r", kNow,
                     absl::Seconds(30), absl::Minutes(5)));
  EXPECT_EQ(capped.deadline, kNow + absl::Minutes(5));
}

TEST(CallMetadataTest, GrpcTimeoutUnitsAndMalformedValues) {
  EXPECT_EQ(ParseGrpcTimeout("1H").value_or(absl::ZeroDuration()),
            absl::Hours(1));
  EXPECT_EQ(ParseGrpcTimeout("2M").value_or(absl::ZeroDuration()),
            absl::Minutes(2));
  EXPECT_EQ(ParseGrpcTimeout("3S").value_or(absl::ZeroDuration()),
            absl::Seconds(3));
  EXPECT_EQ(ParseGrpcTimeout("4u").value_or(absl::ZeroDuration()),
            absl::Microseconds(4));
  EXPECT_EQ(ParseGrpcTimeout("5n").value_or(absl::ZeroDuration()),
            absl::Nanoseconds(5));
  for (const char* bad : {"", "S", "10", "10s", "-1S", "123456789S", "1.5S"}) {
    EXPECT_THAT(
        ParseGrpcTimeout(bad),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Grpc-Timeout")))
        << bad;
  }
}

TEST(CallMetadataTest, ReservedOrUnprintableMetadataIsInvalidArgument) {
  for (const services::HttpHeaders& headers :
       std::vector<services::HttpHeaders>{
           {{"Grpc-Metadata-Grpc-Status", "0"}},
           {{"Grpc-Metadata-Bad Key", "x"}},
           {{"Grpc-Metadata-Ok", "bell\x07"}},
       }) {
    EXPECT_THAT(CallOptionsFor(Request(headers), "r", kNow, absl::Seconds(1),
                               absl::Seconds(1)),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("cannot be sent as gRPC metadata")));
  }
}

TEST(CallMetadataTest, RequestIdIsTheClientsWhenSaneElseNew) {
  EXPECT_EQ(RequestIdFor(Request({{"X-Request-Id", "abc-123.x:y_z"}})),
            "abc-123.x:y_z");
  for (const std::string& insane :
       {std::string(), std::string("has space"), std::string(129, 'a'),
        std::string("new\nline")}) {
    const std::string id = RequestIdFor(Request({{"X-Request-Id", insane}}));
    EXPECT_THAT(id, MatchesRegex("[0-9a-f]{32}")) << insane;
  }
  EXPECT_NE(RequestIdFor(Request({})), RequestIdFor(Request({})));
}

}  // namespace
}  // namespace nbo::gateway
