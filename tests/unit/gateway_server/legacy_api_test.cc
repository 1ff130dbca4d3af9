// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/gateway/legacy_api.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "nbo/v1/nbo_service.pb.h"

namespace nbo::gateway {
namespace {

using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;

TEST(LegacyApiTest, UserIdOrIdBecomesTheRecommendRequest) {
  for (const char* query :
       {"user_id=C0000042", "id=C0000042", "user_id=C0000042&id=C0000042",
        "x=1&id=C0000042"}) {
    ASSERT_OK_AND_ASSIGN(std::string bytes, LegacyRecommendRequest(query));
    nbo::v1::RecommendRequest request;
    ASSERT_TRUE(request.ParseFromString(bytes));
    EXPECT_EQ(request.customer_id(), "C0000042") << query;
  }
  ASSERT_OK_AND_ASSIGN(std::string encoded,
                       LegacyRecommendRequest("user_id=C%2D1"));
  nbo::v1::RecommendRequest request;
  ASSERT_TRUE(request.ParseFromString(encoded));
  EXPECT_EQ(request.customer_id(), "C-1");
}

TEST(LegacyApiTest, MissingConflictingOrInvalidIdsAreInvalidArgument) {
  for (const char* query : {"", "user_id=", "user_id=a&id=b",
                            "user_id=has+space", "id=%ZZ", "user_id=%00"}) {
    EXPECT_THAT(LegacyRecommendRequest(query),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << query;
  }
  EXPECT_THAT(
      LegacyRecommendRequest(std::string("id=") + std::string(129, 'a')),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(LegacyApiTest, AnswersInTheOldDemosShape) {
  nbo::v1::RecommendResponse response;
  response.set_customer_id("C0000042");
  response.set_strategy(nbo::v1::STRATEGY_PERSONALIZED);
  response.mutable_timestamp()->set_seconds(1'800'000'000);
  for (int i = 0; i < 2; ++i) {
    nbo::v1::Offer* offer = response.add_offers();
    offer->set_product_id(i == 0 ? "P03" : "P07");
    offer->set_name(i == 0 ? "Gold Card" : "Savings");
    offer->set_category("cards");
    offer->set_propensity(i == 0 ? 0.81 : 0.4);
  }
  ASSERT_OK_AND_ASSIGN(std::string json,
                       LegacyRecommendJson(response.SerializeAsString()));
  google::protobuf::Struct body;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &body).ok());
  const auto& f = body.fields();
  EXPECT_EQ(f.at("user_id").string_value(), "C0000042");
  EXPECT_EQ(f.at("recommended_product").string_value(), "P03");
  EXPECT_DOUBLE_EQ(f.at("confidence_score").number_value(), 0.81);
  EXPECT_EQ(f.at("timestamp").string_value(), "2027-01-15T08:00:00Z");
  ASSERT_EQ(f.at("recommendations").list_value().values_size(), 2);
  const auto& second =
      f.at("recommendations").list_value().values(1).struct_value().fields();
  EXPECT_EQ(second.at("product_id").string_value(), "P07");
  EXPECT_EQ(second.at("name").string_value(), "Savings");
  EXPECT_EQ(second.at("category").string_value(), "cards");
  EXPECT_DOUBLE_EQ(second.at("prediction_score").number_value(), 0.4);
}

TEST(LegacyApiTest, CustomerNboKnowsNothingOfIsNotFound) {
  nbo::v1::RecommendResponse response;
  response.set_customer_id("NOBODY");
  response.set_strategy(nbo::v1::STRATEGY_POPULARITY);
  response.add_offers()->set_product_id("P01");
  EXPECT_THAT(LegacyRecommendJson(response.SerializeAsString()),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("not known")));
  EXPECT_THAT(LegacyRecommendJson("\xff\xff garbage"),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_EQ(LegacyHttpStatus(absl::StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(LegacyHttpStatus(absl::StatusCode::kNotFound), 404);
  EXPECT_EQ(LegacyHttpStatus(absl::StatusCode::kUnavailable), 500);
  EXPECT_EQ(LegacyHttpStatus(absl::StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(LegacyHttpStatus(absl::StatusCode::kPermissionDenied), 403);
}

}  // namespace
}  // namespace nbo::gateway
