// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/trainer/training_run.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/data/bank_datagen.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace nbo::trainer {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

// The demo's 8-product catalog, 3,000 customers: what `nboctl datagen
// --customers=3000 --catalog=demo8 --seed=1` writes.
class TrainingRunTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new nbo::testing::TempDir();
    data::BankDataGenerator::Options options;
    options.customers = 3000;
    options.products = 8;
    options.seed = 1;
    auto generator = data::BankDataGenerator::Create(options);
    ASSERT_THAT(generator, IsOk());
    ASSERT_THAT(data::WriteBankData(**generator, DataDir(), nullptr), IsOk());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string DataDir() { return dir_->Sub("bank"); }

  // Hyperparameters that suit an 8-product catalog: few factors, strong
  // regularization, mild confidence.
  // The defaults, which are tuned for bank-sized catalogs.
  static TrainingSpec GoodSpec() {
    TrainingSpec spec;
    spec.data_dir = DataDir();
    return spec;
  }

  static nbo::testing::TempDir* dir_;
};

nbo::testing::TempDir* TrainingRunTest::dir_ = nullptr;

TEST_F(TrainingRunTest, TrainsWithDecreasingLossAndBeatsPopularity) {
  std::vector<TrainingEvent> events;
  absl::StatusOr<TrainingOutcome> outcome = RunTraining(
      GoodSpec(), [&](const TrainingEvent& e) { events.push_back(e); },
      nullptr);
  ASSERT_THAT(outcome, IsOk());

  std::vector<double> losses;
  int evaluations = 0;
  int gates = 0;
  for (const TrainingEvent& e : events) {
    if (e.kind == TrainingEvent::Kind::kIteration) {
      EXPECT_EQ(e.phase, "training");
      EXPECT_EQ(e.iteration, static_cast<int>(losses.size()) + 1);
      EXPECT_GE(e.seconds, 0);
      losses.push_back(e.loss);
    }
    if (e.kind == TrainingEvent::Kind::kEvaluation) {
      ++evaluations;
      EXPECT_THAT(e.message, HasSubstr("map@7"));
      EXPECT_THAT(e.message, HasSubstr("popularity"));
    }
    if (e.kind == TrainingEvent::Kind::kGate) ++gates;
    // No targets: nothing is retrained or published.
    EXPECT_NE(e.kind, TrainingEvent::Kind::kPublish);
  }
  ASSERT_EQ(losses.size(), 15u);
  for (size_t i = 1; i < losses.size(); ++i) {
    EXPECT_LT(losses[i], losses[i - 1]) << "iteration " << i + 1;
  }
  EXPECT_EQ(evaluations, 1);
  EXPECT_EQ(gates, 1);

  EXPECT_TRUE(outcome->passed_gate);
  EXPECT_THAT(outcome->gate_reason, HasSubstr("map@7"));
  EXPECT_EQ(outcome->version, 0);
  EXPECT_TRUE(outcome->targets.empty());
  EXPECT_GT(outcome->seconds_per_iteration, 0);
  EXPECT_GT(outcome->peak_rss_bytes, 0);
  for (const char* key :
       {"\"evaluation\":", "\"model\":", "\"popularity\":", "\"gate\":",
        "\"calibration\":", "\"seconds_per_iteration\":", "\"peak_rss_bytes\":",
        "\"map@7\":", "\"targets\":[]"}) {
    EXPECT_THAT(outcome->report_json, HasSubstr(key));
  }
  EXPECT_EQ(outcome->report_json.front(), '{');
  EXPECT_EQ(outcome->report_json.back(), '}');
}

// The margin, with the default hyperparameters: ALS must beat popularity on
// MAP@7 by at least 5% relative (it reaches about +10% on this data), so the
// gate passes with a 5% lift.
TEST_F(TrainingRunTest, BeatsPopularityOnMapByAtLeastFivePercent) {
  TrainingSpec spec = GoodSpec();
  spec.min_lift = 0.05;
  absl::StatusOr<TrainingOutcome> outcome = RunTraining(spec, nullptr, nullptr);
  ASSERT_THAT(outcome, IsOk());
  EXPECT_TRUE(outcome->passed_gate);
  EXPECT_THAT(outcome->gate_reason, Not(HasSubstr("forced")));
}

// 64 factors with little regularization fit the 8-column matrix exactly and
// rank the products a customer has not touched by noise: below popularity
// (about -15% MAP@7 here). The gate refuses it.
TEST_F(TrainingRunTest, GateRefusesAnOverfitModel) {
  TrainingSpec spec;
  spec.data_dir = DataDir();
  spec.factors = 64;
  spec.regularization = 0.01;
  spec.alpha = 40;
  absl::StatusOr<TrainingOutcome> outcome = RunTraining(spec, nullptr, nullptr);
  EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kFailedPrecondition,
                                HasSubstr("below the popularity baseline")));
  absl::optional<absl::Cord> report =
      outcome.status().GetPayload(kReportJsonPayloadUrl);
  ASSERT_TRUE(report.has_value());
  EXPECT_THAT(std::string(*report), HasSubstr("\"publish\":false"));

  spec.force = true;
  outcome = RunTraining(spec, nullptr, nullptr);
  ASSERT_THAT(outcome, IsOk());
  EXPECT_TRUE(outcome->passed_gate);
}

TEST_F(TrainingRunTest, MalformedTransactionFailsNamingFileAndLine) {
  nbo::testing::TempDir bad;
  const std::string dir = bad.Sub("bank");
  std::filesystem::create_directories(dir);
  for (const char* name :
       {"customers.csv", "products.csv", "transactions.csv"}) {
    std::filesystem::copy_file(DataDir() + "/" + name, dir + "/" + name);
  }
  int lines = 0;
  {
    std::ifstream in(dir + "/transactions.csv");
    std::string line;
    while (std::getline(in, line)) ++lines;
  }
  {
    std::ofstream out(dir + "/transactions.csv", std::ios::app);
    out << "C0000001,P01,teleport,2024-03-01T10:00:00Z,\n";
  }
  TrainingSpec spec = GoodSpec();
  spec.data_dir = dir;
  EXPECT_THAT(
      RunTraining(spec, nullptr, nullptr),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr(absl::StrCat("transactions.csv:", lines + 1))));

  spec.max_bad_rows = 1;
  EXPECT_THAT(RunTraining(spec, nullptr, nullptr), IsOk());
}

TEST_F(TrainingRunTest, CancellationStopsTheRun) {
  bool cancel = false;
  int iterations = 0;
  absl::StatusOr<TrainingOutcome> outcome = RunTraining(
      GoodSpec(),
      [&](const TrainingEvent& e) {
        if (e.kind == TrainingEvent::Kind::kIteration) {
          ++iterations;
          cancel = true;
        }
      },
      [&] { return cancel; });
  EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(iterations, 1);
}

TEST_F(TrainingRunTest, RejectsBadSpecs) {
  TrainingSpec spec = GoodSpec();
  spec.split = "sideways";
  EXPECT_THAT(RunTraining(spec, nullptr, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
  spec = GoodSpec();
  spec.data_dir = "";
  EXPECT_THAT(RunTraining(spec, nullptr, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
  spec = GoodSpec();
  spec.gate_metric = "happiness@7";
  EXPECT_THAT(RunTraining(spec, nullptr, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
  spec = GoodSpec();
  spec.data_dir = DataDir() + "/missing";
  EXPECT_THAT(RunTraining(spec, nullptr, nullptr),
              StatusIs(absl::StatusCode::kNotFound));
}

// Nothing listens on the target: the version cannot be chosen, and with an
// explicit version every publish attempt fails.
TEST_F(TrainingRunTest, UnreachableTargetIsUnavailable) {
  TrainingSpec spec = GoodSpec();
  spec.publish_to = {"127.0.0.1:1"};
  EXPECT_THAT(RunTraining(spec, nullptr, nullptr),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("cannot choose a version")));

  spec.version = 7;
  std::vector<std::string> published;
  EXPECT_THAT(RunTraining(
                  spec,
                  [&](const TrainingEvent& e) {
                    if (e.kind == TrainingEvent::Kind::kPublish) {
                      published.push_back(e.message);
                    }
                  },
                  nullptr),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("failed on every target")));
  ASSERT_EQ(published.size(), 1u);
  EXPECT_THAT(published[0], HasSubstr("127.0.0.1:1: error"));
  EXPECT_THAT(published[0], HasSubstr("attempt 4/4"));
}

}  // namespace
}  // namespace nbo::trainer
