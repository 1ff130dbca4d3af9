// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/publish_gate.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/eval/evaluator.h"
#include "lib/testing/status_matchers.h"

namespace nbo::eval {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

EvaluationReport Report(double map, double ndcg = 0.5) {
  EvaluationReport r;
  r.k = 7;
  r.num_users_evaluated = 100;
  r.num_items = 24;
  r.map_at_k = map;
  r.ndcg_at_k = ndcg;
  return r;
}

TEST(PublishGateTest, RefusesModelWorseThanPopularity) {
  ASSERT_OK_AND_ASSIGN(PublishDecision d,
                       DecidePublish(Report(0.10), Report(0.125), nullptr, {}));
  EXPECT_FALSE(d.publish);
  EXPECT_FALSE(d.passed_gate);
  EXPECT_FALSE(d.forced);
  EXPECT_EQ(d.metric, "map@7");
  EXPECT_DOUBLE_EQ(d.candidate_score, 0.10);
  EXPECT_DOUBLE_EQ(d.popularity_score, 0.125);
  EXPECT_DOUBLE_EQ(d.lift_over_popularity, -0.2);  // (0.10 - 0.125) / 0.125
  EXPECT_EQ(d.reason,
            "refused: map@7 0.1000 is below the popularity baseline's 0.1250 "
            "(lift -20.00%, minimum +0.00%)");
  EXPECT_THAT(d.ToStatus(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     HasSubstr("popularity")));
}

TEST(PublishGateTest, RefusesModelWorseThanServing) {
  EvaluationReport serving = Report(0.20);
  ASSERT_OK_AND_ASSIGN(PublishDecision d,
                       DecidePublish(Report(0.15), Report(0.10), &serving, {}));
  EXPECT_FALSE(d.publish);
  ASSERT_TRUE(d.serving_score.has_value());
  EXPECT_DOUBLE_EQ(*d.serving_score, 0.20);
  EXPECT_DOUBLE_EQ(*d.lift_over_serving, -0.25);
  EXPECT_THAT(d.reason, HasSubstr("below the serving version's 0.2000"));
  EXPECT_THAT(d.reason, Not(HasSubstr("popularity")));
}

TEST(PublishGateTest, PublishesBetterModel) {
  EvaluationReport serving = Report(0.16);
  ASSERT_OK_AND_ASSIGN(PublishDecision d,
                       DecidePublish(Report(0.20), Report(0.10), &serving, {}));
  EXPECT_TRUE(d.publish);
  EXPECT_TRUE(d.passed_gate);
  EXPECT_FALSE(d.forced);
  EXPECT_DOUBLE_EQ(d.lift_over_popularity, 1.0);
  EXPECT_DOUBLE_EQ(*d.lift_over_serving, 0.25);
  EXPECT_EQ(d.reason,
            "passed: map@7 0.2000 vs popularity 0.1000 (lift +100.00%), vs "
            "serving 0.1600 (lift +25.00%)");
  EXPECT_THAT(d.ToStatus(), IsOk());
}

TEST(PublishGateTest, EnforcesMinimumRelativeLift) {
  PublishGateOptions options;
  options.min_relative_lift = 0.5;
  // 0.14 vs 0.10 is +40%, short of +50%.
  ASSERT_OK_AND_ASSIGN(
      PublishDecision d,
      DecidePublish(Report(0.14), Report(0.10), nullptr, options));
  EXPECT_FALSE(d.publish);
  EXPECT_THAT(d.reason, HasSubstr("minimum +50.00%"));
  ASSERT_OK_AND_ASSIGN(
      d, DecidePublish(Report(0.16), Report(0.10), nullptr, options));
  EXPECT_TRUE(d.publish);
}

TEST(PublishGateTest, ForceOverridesButIsRecorded) {
  PublishGateOptions options;
  options.force = true;
  ASSERT_OK_AND_ASSIGN(
      PublishDecision d,
      DecidePublish(Report(0.05), Report(0.10), nullptr, options));
  EXPECT_TRUE(d.publish);
  EXPECT_FALSE(d.passed_gate);
  EXPECT_TRUE(d.forced);
  EXPECT_THAT(d.reason, HasSubstr("FORCED"));
  EXPECT_THAT(d.reason, HasSubstr("below the popularity baseline"));
  EXPECT_THAT(d.ToStatus(), IsOk());
}

TEST(PublishGateTest, ComparesTheChosenMetric) {
  PublishGateOptions options;
  options.metric = "ndcg@k";
  // Worse on map, better on ndcg.
  ASSERT_OK_AND_ASSIGN(
      PublishDecision d,
      DecidePublish(Report(0.05, 0.6), Report(0.10, 0.5), nullptr, options));
  EXPECT_TRUE(d.publish);
  EXPECT_EQ(d.metric, "ndcg@7");
  EXPECT_DOUBLE_EQ(d.candidate_score, 0.6);
}

TEST(PublishGateTest, InfiniteLiftOverZeroBaseline) {
  ASSERT_OK_AND_ASSIGN(PublishDecision d,
                       DecidePublish(Report(0.1), Report(0), nullptr, {}));
  EXPECT_TRUE(d.publish);
  EXPECT_TRUE(std::isinf(d.lift_over_popularity));
}

TEST(PublishGateTest, RejectsBadOptions) {
  PublishGateOptions unknown;
  unknown.metric = "rmse";
  EXPECT_THAT(DecidePublish(Report(0.2), Report(0.1), nullptr, unknown),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rmse")));
  PublishGateOptions lift;
  lift.min_relative_lift = -1;
  EXPECT_THAT(DecidePublish(Report(0.2), Report(0.1), nullptr, lift),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EvaluationReport other_k = Report(0.1);
  other_k.k = 10;
  EXPECT_THAT(DecidePublish(Report(0.2), other_k, nullptr, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace nbo::eval
