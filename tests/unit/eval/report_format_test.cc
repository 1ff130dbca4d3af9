// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/report_format.h"

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/eval/evaluator.h"
#include "lib/eval/publish_gate.h"

namespace nbo::eval {
namespace {

EvaluationReport Model() {
  EvaluationReport r;
  r.k = 7;
  r.num_users_evaluated = 3;
  r.num_users_auc = 2;
  r.num_items = 6;
  r.precision_at_k = 0.25;
  r.recall_at_k = 0.5;
  r.map_at_k = 0.4;
  r.ndcg_at_k = 0.6;
  r.auc = 0.75;
  r.coverage_at_k = 1;
  r.elapsed = absl::Milliseconds(250);
  return r;
}

EvaluationReport Popularity() {
  EvaluationReport r = Model();
  r.precision_at_k = 0.125;
  r.recall_at_k = 0.5;
  r.map_at_k = 0.5;
  r.ndcg_at_k = 0;
  r.auc = 0.5;
  r.coverage_at_k = 0.5;
  return r;
}

TEST(ReportFormatTest, PrintsFixedWidthTable) {
  EXPECT_EQ(FormatEvaluationTable(Model(), Popularity()),
            "metric              model  popularity      lift\n"
            "precision@7        0.2500      0.1250  +100.00%\n"
            "recall@7           0.5000      0.5000    +0.00%\n"
            "map@7              0.4000      0.5000   -20.00%\n"
            "ndcg@7             0.6000      0.0000       n/a\n"
            "auc                0.7500      0.5000   +50.00%\n"
            "coverage@7         1.0000      0.5000  +100.00%\n"
            "users evaluated: 3 (auc over 2), items: 6, K: 7\n");
}

TEST(ReportFormatTest, AddsServingColumn) {
  EvaluationReport serving = Popularity();
  serving.map_at_k = 0.3;
  std::string table = FormatEvaluationTable(Model(), Popularity(), &serving);
  EXPECT_THAT(table, ::testing::HasSubstr(
                         "metric              model  popularity    serving"));
  EXPECT_THAT(
      table, ::testing::HasSubstr(
                 "map@7              0.4000      0.5000     0.3000   -20.00%"));
}

TEST(ReportFormatTest, WritesJson) {
  EXPECT_EQ(EvaluationReportToJson(Model()),
            "{\"k\":7,\"num_users_evaluated\":3,\"num_users_auc\":2,"
            "\"num_items\":6,\"precision@7\":0.25,\"recall@7\":0.5,"
            "\"map@7\":0.4,\"ndcg@7\":0.6,\"auc\":0.75,\"coverage@7\":1,"
            "\"elapsed_seconds\":0.25}");
  std::string table = EvaluationTableToJson(Model(), Popularity());
  EXPECT_EQ(table, "{\"k\":7,\"model\":" + EvaluationReportToJson(Model()) +
                       ",\"popularity\":" +
                       EvaluationReportToJson(Popularity()) + "}");
  EvaluationReport serving = Popularity();
  EXPECT_THAT(EvaluationTableToJson(Model(), Popularity(), &serving),
              ::testing::HasSubstr(",\"serving\":{\"k\":7,"));
}

TEST(ReportFormatTest, WritesDecisionJsonWithEscapes) {
  PublishDecision d;
  d.publish = true;
  d.forced = true;
  d.metric = "map@7";
  d.candidate_score = 0.1;
  d.popularity_score = 0.2;
  d.lift_over_popularity = -0.5;
  d.reason = "FORCED \"x\"\n";
  EXPECT_EQ(PublishDecisionToJson(d),
            "{\"publish\":true,\"passed_gate\":false,\"forced\":true,"
            "\"metric\":\"map@7\",\"min_relative_lift\":0,"
            "\"candidate_score\":0.1,\"popularity_score\":0.2,"
            "\"serving_score\":null,\"lift_over_popularity\":-0.5,"
            "\"lift_over_serving\":null,\"reason\":\"FORCED \\\"x\\\"\\n\"}");
}

// Two bins: 0.1 (2 pairs, none taken) and 0.99999999998 (1 pair, taken).
CalibrationMetrics TwoBins() {
  CalibrationMetrics c;
  c.pairs = 3;
  c.positives = 1;
  c.brier = 0.02;
  c.ece = 0.0666666667;
  c.max_predicted = 0.99999999998;
  c.bins = {{2, 0.1, 0, 0.1, 0.1},
            {1, 0.99999999998, 1, 0.99999999998, 0.99999999998}};
  return c;
}

TEST(ReportFormatTest, WritesBrierEceAndBinsUnderTheModel) {
  EvaluationReport model = Model();
  model.calibration = TwoBins();
  const std::string json = EvaluationTableToJson(model, Popularity());
  EXPECT_THAT(json, ::testing::HasSubstr(
                        "\"model\":{\"k\":7,\"num_users_evaluated\":3,"));
  EXPECT_THAT(json, ::testing::HasSubstr(
                        "\"brier\":0.02,\"ece\":0.0666666667,"
                        "\"max_propensity\":0.99999999998,"
                        "\"calibration_pairs\":3,\"calibration_positives\":1,"
                        "\"bins\":[{\"count\":2,\"predicted\":0.1,"
                        "\"observed\":0,\"min\":0.1,\"max\":0.1},"
                        "{\"count\":1,\"predicted\":0.99999999998,"
                        "\"observed\":1,"));
  // Popularity has no calibration metrics here: no keys, not nulls.
  const size_t popularity = json.find("\"popularity\":");
  ASSERT_NE(popularity, std::string::npos);
  EXPECT_EQ(json.find("\"brier\"", popularity), std::string::npos);
}

TEST(ReportFormatTest, PrintsCalibrationRowsAndTheReliabilityTable) {
  EvaluationReport model = Model();
  model.calibration = TwoBins();
  EvaluationReport popularity = Popularity();
  popularity.calibration = TwoBins();
  popularity.calibration->brier = 0.5;
  const std::string table = FormatEvaluationTable(model, popularity);
  EXPECT_THAT(table, ::testing::HasSubstr(
                         "brier              0.0200      0.5000         -\n"));
  EXPECT_THAT(table, ::testing::HasSubstr("ece                0.0667"));
  EXPECT_THAT(table, ::testing::HasSubstr("max propensity     1.0000"));
  EXPECT_THAT(table, ::testing::HasSubstr("0.1 .. 0.1\n"));
  EXPECT_THAT(table,
              ::testing::HasSubstr("reliability of model (3 pairs, 1 taken; "
                                   "equal-mass bins):\n"));
  EXPECT_THAT(table,
              ::testing::HasSubstr("           1     1.0000     1.0000   "
                                   "0.99999999998 .. 0.99999999998\n"));
  EXPECT_THAT(table, ::testing::HasSubstr("reliability of popularity"));
}

}  // namespace
}  // namespace nbo::eval
