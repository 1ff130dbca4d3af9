// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/propensity_fit.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/eval/calibration_metrics.h"
#include "lib/eval/propensity_features.h"
#include "lib/testing/status_matchers.h"

namespace nbo::eval {
namespace {

using ::nbo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kDay = 86400;
constexpr int64_t kCutoff = 1000 * kDay;

data::Product MakeProduct(std::string id) {
  data::Product p;
  p.product_id = std::move(id);
  p.name = p.product_id;
  p.category = "c";
  return p;
}

// `n` customers, every other one a student (the rest "mass"), ages 20..79,
// region north/south by thirds; products A, B, C.
data::BankData Customers(int n) {
  data::BankData d;
  d.attribute_names = {"region", "customer_ref", "kyc_verified"};
  for (int i = 0; i < n; ++i) {
    data::Customer c;
    c.customer_id = "C" + std::to_string(i);
    c.age = 20 + i % 60;
    c.income = 1000.0 * (i % 100);
    c.credit_score = 500 + i % 300;
    c.segment = i % 2 == 0 ? "student" : "mass";
    // region is categorical; customer_ref is an id (too many values).
    c.attributes = {i % 3 == 0 ? "north" : "south", c.customer_id,
                    i % 2 == 0 ? "true" : "false"};
    d.customer_ids.push_back(c.customer_id);
    d.customers.push_back(std::move(c));
  }
  d.products = {MakeProduct("A"), MakeProduct("B"), MakeProduct("C")};
  return d;
}

void Add(data::BankData* d, int32_t user, int32_t item, data::Event e,
         int64_t t) {
  d->interactions.push_back({t, user, item, 0, e});
}

TEST(PropensityFeaturesTest, ReadsHistoryAndHoldingsStrictlyBeforeTheCutoff) {
  data::BankData d = Customers(40);
  Add(&d, 0, 0, data::Event::kView, kCutoff - 40 * kDay);
  Add(&d, 0, 0, data::Event::kApply, kCutoff - 3 * kDay);
  Add(&d, 0, 1, data::Event::kOpen, kCutoff - 200 * kDay);
  Add(&d, 0, 2, data::Event::kOpen, kCutoff - 100 * kDay);
  Add(&d, 0, 2, data::Event::kClose, kCutoff - 50 * kDay);
  // At and after the cutoff: the future.
  Add(&d, 0, 1, data::Event::kClose, kCutoff);
  Add(&d, 1, 0, data::Event::kView, kCutoff + 1);
  Add(&d, 1, 0, data::Event::kDecline, kCutoff - kDay);
  absl::StatusOr<PropensityFeatures> f =
      PropensityFeatures::Create(d, kCutoff, {});
  ASSERT_TRUE(f.ok()) << f.status();

  EXPECT_EQ(f->Customer(0).holdings, 1);  // B; C was closed.
  EXPECT_EQ(f->Customer(1).holdings, 0);
  const model::PairInputs a = f->Pair(0, 0, true, 0.5);
  EXPECT_TRUE(a.has_score);
  EXPECT_EQ(a.score, 0.5);
  EXPECT_EQ(a.seconds_since_interaction, 3 * kDay);
  EXPECT_EQ(a.strongest, model::PairEvent::kApply);
  const model::PairInputs c = f->Pair(0, 2, false, 0);
  EXPECT_EQ(c.seconds_since_interaction, 50 * kDay);
  EXPECT_EQ(c.strongest, model::PairEvent::kHeldBefore);
  // A decline is an offer answer, and the view is after the cutoff.
  const model::PairInputs none = f->Pair(1, 0, false, 0);
  EXPECT_FALSE(none.seconds_since_interaction.has_value());
  EXPECT_EQ(none.strongest, model::PairEvent::kNone);
}

TEST(PropensityFeaturesTest, LearnsBinsAndVocabulariesFromTheProfiles) {
  data::BankData d = Customers(100);
  PropensityFeatureOptions options;
  options.numeric_bins = 4;
  absl::StatusOr<PropensityFeatures> f =
      PropensityFeatures::Create(d, kCutoff, options);
  ASSERT_TRUE(f.ok()) << f.status();
  const model::PropensityParams& s = f->schema();
  EXPECT_THAT(s.products, ElementsAre("A", "B", "C"));
  // Ages 20..79 then 20..59, so 20..59 twice: sorted, the 25th, 50th and
  // 75th values (from 0) are 32, 45 and 57.
  EXPECT_THAT(s.age_edges, ElementsAre(32, 45, 57));
  EXPECT_THAT(s.segments, ElementsAre("mass", "student"));
  // customer_ref has 100 values: not a category; kyc_verified is a field
  // of the server's profile, not an attribute.
  ASSERT_EQ(s.attributes.size(), 1u);
  EXPECT_EQ(s.attributes[0].name, "region");
  EXPECT_THAT(s.attributes[0].values, ElementsAre("south", "north"));
  EXPECT_THAT(f->Customer(3).attributes, ElementsAre("north"));
  EXPECT_EQ(f->Customer(3).segment, "mass");
}

TEST(PropensityFeaturesTest, RejectsOptionsOutOfRange) {
  data::BankData d = Customers(10);
  PropensityFeatureOptions options;
  options.numeric_bins = 0;
  EXPECT_THAT(
      PropensityFeatures::Create(d, kCutoff, options),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("numeric_bins")));
  d.products.clear();
  EXPECT_THAT(PropensityFeatures::Create(d, kCutoff, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Every customer is a candidate for every product; A is taken only by
// students (30% of them), B by 10% of everyone, C by 5%.
TEST(PropensityFitTest, RecoversAProductThatOnlyOneSegmentTakes) {
  data::BankData d = Customers(4000);
  absl::StatusOr<PropensityFeatures> f =
      PropensityFeatures::Create(d, kCutoff, {});
  ASSERT_TRUE(f.ok()) << f.status();
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<PropensityExample> examples;
  for (int32_t user = 0; user < 4000; ++user) {
    const bool student = user % 2 == 0;
    examples.push_back({user, 0, 0, false, student && u(rng) < 0.3});
    examples.push_back({user, 1, 0, false, u(rng) < 0.1});
    examples.push_back({user, 2, 0, false, u(rng) < 0.05});
  }
  absl::StatusOr<model::PropensityModel> m =
      FitPropensity(*f, examples, FitOptions{});
  ASSERT_TRUE(m.ok()) << m.status();
  const double a_student = PredictPropensity(*m, *f, {10, 0, 0, false, false});
  const double a_mass = PredictPropensity(*m, *f, {11, 0, 0, false, false});
  const double b_student = PredictPropensity(*m, *f, {10, 1, 0, false, false});
  const double b_mass = PredictPropensity(*m, *f, {11, 1, 0, false, false});
  EXPECT_NEAR(a_student, 0.3, 0.05);
  EXPECT_LT(a_mass, 0.02);
  EXPECT_NEAR(b_student, 0.1, 0.04);
  EXPECT_NEAR(b_mass, 0.1, 0.04);
  EXPECT_NEAR(PredictPropensity(*m, *f, {11, 2, 0, false, false}), 0.05, 0.03);
}

// Outcomes drawn from a known logistic law of score, segment and recency:
// the fitted propensities are calibrated on other customers.
TEST(PropensityFitTest, IsCalibratedOnHeldOutCustomers) {
  constexpr int kUsers = 12000;
  data::BankData d = Customers(kUsers);
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(0, 1);
  for (int32_t user = 0; user < kUsers; user += 4) {
    Add(&d, user, 1, data::Event::kView, kCutoff - 5 * kDay);
  }
  absl::StatusOr<PropensityFeatures> f =
      PropensityFeatures::Create(d, kCutoff, {});
  ASSERT_TRUE(f.ok()) << f.status();
  std::vector<PropensityExample> train, test;
  for (int32_t user = 0; user < kUsers; ++user) {
    for (int32_t item = 0; item < 3; ++item) {
      const float score = static_cast<float>(u(rng));
      const bool has_score = user % 5 != 0;
      double z = -3 + item * 0.5 + (user % 2 == 0 ? 0.8 : 0);
      if (has_score) z += 3 * score;
      if (item == 1 && user % 4 == 0) z += 1.5;
      const bool positive = u(rng) < 1 / (1 + std::exp(-z));
      (user % 2 == 0 || user % 3 == 0 ? train : test)
          .push_back({user, item, score, has_score, positive});
    }
  }
  absl::StatusOr<model::PropensityModel> m =
      FitPropensity(*f, train, FitOptions{});
  ASSERT_TRUE(m.ok()) << m.status();
  std::vector<PropensityOutcome> outcomes;
  for (const PropensityExample& e : test) {
    outcomes.push_back({PredictPropensity(*m, *f, e), e.positive});
  }
  absl::StatusOr<CalibrationMetrics> c =
      MeasureCalibration(outcomes, CalibrationMetricsOptions{});
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->bins.size(), 10u);
  for (const ReliabilityBin& bin : c->bins) {
    ASSERT_GE(bin.count, 500);
    EXPECT_NEAR(bin.predicted, bin.observed, 0.05)
        << "bin of " << bin.count << " pairs";
  }
  EXPECT_LT(c->ece, 0.02);
}

TEST(PropensityFitTest, ExamplesAreTheNboCandidatesWithTheirOutcomes) {
  Split split;
  split.num_users = 3;
  split.num_items = 4;
  split.population = {1, 0, 1};
  split.excluded = {{1}, {}, {0, 3}};
  split.test = {{2}, {0}, {}};
  ASSERT_OK_AND_ASSIGN(
      std::vector<PropensityExample> examples,
      PropensityExamplesFromSplit(
          split, [](int32_t user, int32_t item) -> std::optional<float> {
            if (user == 2) return std::nullopt;
            return 10.0f * user + item;
          }));
  std::vector<std::string> got;
  for (const PropensityExample& e : examples) {
    got.push_back(absl::StrCat(e.user, ":", e.item, " ",
                               e.has_score ? absl::StrCat(e.score) : "-",
                               e.positive ? " +" : ""));
  }
  // Customer 1 is outside the population; held items are no candidates.
  EXPECT_THAT(got, ElementsAre("0:0 0", "0:2 2 +", "0:3 3", "2:1 -", "2:2 -"));
  split.population.clear();
  EXPECT_THAT(PropensityExamplesFromSplit(
                  split, [](int32_t, int32_t) { return std::nullopt; }),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(PropensityFitTest, RejectsExamplesItCannotLearnFrom) {
  data::BankData d = Customers(10);
  absl::StatusOr<PropensityFeatures> f =
      PropensityFeatures::Create(d, kCutoff, {});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_THAT(FitPropensity(*f, {}, FitOptions{}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const std::vector<PropensityExample> out_of_range = {{10, 0, 0, false, true}};
  EXPECT_THAT(FitPropensity(*f, out_of_range, FitOptions{}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("example 0 is (user 10, item 0)")));
  const std::vector<PropensityExample> no_positive = {{0, 0, 0, false, false},
                                                      {1, 1, 0, false, false}};
  EXPECT_THAT(FitPropensity(*f, no_positive, FitOptions{}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  FitOptions bad;
  bad.l2 = 0;
  EXPECT_THAT(FitPropensity(*f, no_positive, bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("l2")));
}

}  // namespace
}  // namespace nbo::eval
