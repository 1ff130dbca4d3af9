// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/serving/recommender.h"

#include <memory>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "tests/unit/serving/test_model.h"

namespace nbo::serving {
namespace {

using ::nbo::serving::testing::Publish;
using ::nbo::serving::testing::TestModel;
using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;

class RecommenderTest : public testing::ServingTest {
 protected:
  void SetUp() override {
    ServingTest::SetUp();
    recommender_ = std::make_unique<Recommender>(
        manager_.get(), store_.get(), Recommender::Options(),
        [] { return absl::FromUnixSeconds(1700000000); });
  }

  void PublishModel() {
    ASSERT_THAT(Publish(manager_.get(), store_.get(), model_.Stream()), IsOk());
  }

  absl::StatusOr<nbo::v1::RecommendResponse> Ask(
      const std::string& customer, std::optional<int> n = std::nullopt) {
    nbo::v1::RecommendRequest request;
    request.set_customer_id(customer);
    if (n.has_value()) request.set_num_offers(*n);
    nbo::v1::RecommendResponse response;
    absl::Status status = recommender_->Recommend(request, &response);
    if (!status.ok()) return status;
    return response;
  }

  TestModel model_;
  std::unique_ptr<Recommender> recommender_;
};

TEST_F(RecommenderTest, ScoresAKnownCustomerWithItsOwnFactors) {
  PublishModel();
  // C0000002 is e_1; products with j % 4 == 1 are P02 (score 2), P06 (6).
  ASSERT_OK_AND_ASSIGN(auto r, Ask("C0000002", 2));
  EXPECT_EQ(r.strategy(), nbo::v1::STRATEGY_PERSONALIZED);
  ASSERT_EQ(r.offers_size(), 2);
  EXPECT_EQ(r.offers(0).product_id(), "P06");
  EXPECT_EQ(r.offers(0).rank(), 1);
  EXPECT_DOUBLE_EQ(r.offers(0).score(), 6.0);
  EXPECT_DOUBLE_EQ(r.offers(0).propensity(), 1.0);  // Clamped, uncalibrated.
  EXPECT_EQ(r.offers(0).name(), "Product 6");
  EXPECT_EQ(r.offers(0).category(), "loans");
  EXPECT_EQ(r.offers(1).product_id(), "P02");
  EXPECT_EQ(r.model_name(), "nbo");
  EXPECT_EQ(r.model_version(), 1);
  EXPECT_EQ(r.customer_id(), "C0000002");
  EXPECT_EQ(r.timestamp().seconds(), 1700000000);
  EXPECT_EQ(r.decision_id().size(), 32u);
}

TEST_F(RecommenderTest, GivesUnknownCustomersThePopularityRanking) {
  PublishModel();
  ASSERT_OK_AND_ASSIGN(auto r, Ask("C9999999"));
  EXPECT_EQ(r.strategy(), nbo::v1::STRATEGY_POPULARITY);
  ASSERT_EQ(r.offers_size(), 3);  // The default.
  // Mean scores: P06 = 6*3/10 (e_1 has C2,C6,C10) is the most popular.
  EXPECT_EQ(r.offers(0).product_id(), "P06");
  for (const auto& offer : r.offers()) {
    EXPECT_GE(offer.propensity(), 0.0);
    EXPECT_LE(offer.propensity(), 1.0);
  }
}

TEST_F(RecommenderTest, GivesEveryDecisionItsOwnId) {
  PublishModel();
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK_AND_ASSIGN(auto r, Ask("C0000001"));
    ids.insert(r.decision_id());
  }
  EXPECT_EQ(ids.size(), 100u);
}

TEST_F(RecommenderTest, RejectsBadInputWithInvalidArgument) {
  PublishModel();
  EXPECT_THAT(Ask(""), StatusIs(absl::StatusCode::kInvalidArgument,
                                HasSubstr("customer_id is required")));
  EXPECT_THAT(Ask(std::string(129, 'C')),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("129 bytes; the limit is 128")));
  EXPECT_THAT(Ask(std::string(128, 'C')), IsOk());
  EXPECT_THAT(Ask("C\n1"), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("control character")));
  EXPECT_THAT(Ask("C0000001", 0),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("num_offers must be in [1, 100], got 0")));
  EXPECT_THAT(Ask("C0000001", -3),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Ask("C0000001", 101),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(auto capped, Ask("C0000001", 100));
  EXPECT_EQ(capped.offers_size(), model_.products);
}

TEST_F(RecommenderTest, IsUnavailableBeforeAnyModel) {
  EXPECT_THAT(Ask("C0000001"), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(RecommenderTest, ValidatesBatchesAsAWhole) {
  nbo::v1::BatchRecommendRequest batch;
  EXPECT_THAT(recommender_->ValidateBatch(batch),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  for (int i = 0; i < 1001; ++i) batch.add_customer_ids("C1");
  EXPECT_THAT(recommender_->ValidateBatch(batch),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1001")));
  batch.mutable_customer_ids()->RemoveLast();
  EXPECT_THAT(recommender_->ValidateBatch(batch), IsOk());
  batch.set_num_offers(0);
  EXPECT_THAT(recommender_->ValidateBatch(batch),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace nbo::serving
