// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/model/propensity_model.h"

#include <cmath>
#include <limits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace nbo::model {
namespace {

using ::nbo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kDay = 86400;

// Two products; age edges {30, 50}; one segment list; one attribute.
PropensityParams Small() {
  PropensityParams p;
  p.products = {"A", "B"};
  p.age_edges = {30, 50};
  p.income_edges = {40000};
  p.credit_score_edges = {600, 700};
  p.score_edges = {0.1, 0.5};
  p.segments = {"mass", "student"};
  p.attributes = {{"region", {"north", "south"}}};
  const PropensityLayout layout(p);
  p.weights.assign(p.products.size() * layout.dim(), 0);
  return p;
}

TEST(PropensityLayoutTest, BlocksFollowTheDocumentedOrderAndSizes) {
  const PropensityLayout l(Small());
  // bias, has_score, score, 3 score bins.
  EXPECT_EQ(l.age(), 6);
  EXPECT_EQ(l.income(), 6 + 4);    // age: 2 edges + 2.
  EXPECT_EQ(l.credit(), 10 + 3);   // income: 1 edge + 2.
  EXPECT_EQ(l.segment(), 13 + 4);  // credit: 2 edges + 2.
  EXPECT_EQ(l.attribute(0), 17 + 3);
  EXPECT_EQ(l.holdings(), 20 + 3);
  EXPECT_EQ(l.recency(), 23 + 5);
  EXPECT_EQ(l.event(), 28 + 5);
  EXPECT_EQ(l.dim(), 33 + 4);
}

TEST(PropensityModelTest, BinSlotCountsEdgesAtOrBelowAndKeepsUnknownApart) {
  const std::vector<double> edges = {30, 50};
  EXPECT_EQ(BinSlot(edges, std::nullopt), 0);
  EXPECT_EQ(BinSlot(edges, 29.9), 1);
  EXPECT_EQ(BinSlot(edges, 30), 2);
  EXPECT_EQ(BinSlot(edges, 49), 2);
  EXPECT_EQ(BinSlot(edges, 50), 3);
  EXPECT_EQ(BinSlot(edges, 1e9), 3);
  EXPECT_EQ(BinSlot(edges, std::numeric_limits<double>::quiet_NaN()), 0);
}

TEST(PropensityModelTest, RecencySlotsAreNoneWeekMonthQuarterOlder) {
  EXPECT_EQ(RecencySlot(std::nullopt), 0);
  EXPECT_EQ(RecencySlot(0), 1);
  EXPECT_EQ(RecencySlot(7 * kDay), 1);
  EXPECT_EQ(RecencySlot(7 * kDay + 1), 2);
  EXPECT_EQ(RecencySlot(30 * kDay), 2);
  EXPECT_EQ(RecencySlot(90 * kDay), 3);
  EXPECT_EQ(RecencySlot(90 * kDay + 1), 4);
}

TEST(PropensityModelTest, EncodesAKnownCustomerIntoOneSlotPerBlock) {
  absl::StatusOr<PropensityModel> m = PropensityModel::Create(Small());
  ASSERT_TRUE(m.ok()) << m.status();
  const PropensityLayout& l = m->layout();
  const absl::string_view attrs[] = {"south"};
  CustomerInputs c;
  c.age = 35;
  c.income = 40000;
  c.credit_score = 710;
  c.segment = "student";
  c.attributes = attrs;
  c.holdings = 9;
  const CustomerCode code = m->EncodeCustomer(c);
  std::vector<int32_t> slots(code.slots.begin(),
                             code.slots.begin() + code.size);
  EXPECT_THAT(slots, ElementsAre(l.age() + 2, l.income() + 2, l.credit() + 3,
                                 l.segment() + 2, l.attribute(0) + 2,
                                 l.holdings() + 4));

  PairInputs pair;
  pair.has_score = true;
  pair.score = 0.3;
  pair.seconds_since_interaction = 10 * kDay;
  pair.strongest = PairEvent::kApply;
  FeatureRow x;
  m->EncodePair(code, pair, &x);
  std::vector<int32_t> index(x.index.begin(), x.index.begin() + x.size);
  EXPECT_THAT(index,
              ElementsAre(0, 1, 2, 3 + 1, l.age() + 2, l.income() + 2,
                          l.credit() + 3, l.segment() + 2, l.attribute(0) + 2,
                          l.holdings() + 4, l.recency() + 2, l.event() + 2));
  EXPECT_FLOAT_EQ(x.value[2], 0.3f);
  EXPECT_FLOAT_EQ(x.value[3], 1);
}

TEST(PropensityModelTest, UnknownAndUnlistedValuesTakeSlotZero) {
  absl::StatusOr<PropensityModel> m = PropensityModel::Create(Small());
  ASSERT_TRUE(m.ok()) << m.status();
  const PropensityLayout& l = m->layout();
  CustomerInputs c;
  c.segment = "affluent";  // Not listed.
  const CustomerCode code = m->EncodeCustomer(c);
  std::vector<int32_t> slots(code.slots.begin(),
                             code.slots.begin() + code.size);
  EXPECT_THAT(slots, ElementsAre(l.age(), l.income(), l.credit(), l.segment(),
                                 l.attribute(0), l.holdings()));
  FeatureRow x;
  m->EncodePair(code, PairInputs{}, &x);
  std::vector<int32_t> index(x.index.begin(), x.index.begin() + x.size);
  // No score: no has_score, score or score bin slot.
  EXPECT_THAT(
      index, ElementsAre(0, l.age(), l.income(), l.credit(), l.segment(),
                         l.attribute(0), l.holdings(), l.recency(), l.event()));
}

TEST(PropensityModelTest, PropensityIsTheSigmoidOfTheProductRowsWeights) {
  PropensityParams p = Small();
  const PropensityLayout l(p);
  // Product B: intercept -2, +3 for students, +1.5 per unit of score.
  float* b = p.weights.data() + l.dim();
  b[PropensityLayout::kBias] = -2;
  b[l.segment() + 2] = 3;
  b[PropensityLayout::kScore] = 1.5;
  absl::StatusOr<PropensityModel> m = PropensityModel::Create(p);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->ProductRow("B"), 1);
  EXPECT_EQ(m->ProductRow("Z"), -1);
  CustomerInputs c;
  c.segment = "student";
  PairInputs pair;
  pair.has_score = true;
  pair.score = 0.4;
  const CustomerCode code = m->EncodeCustomer(c);
  EXPECT_NEAR(m->Propensity(1, code, pair),
              1 / (1 + std::exp(-(-2 + 3 + 1.5 * 0.4))), 1e-7);
  EXPECT_NEAR(m->Propensity(0, code, pair), 0.5, 1e-12);
  c.segment = "mass";
  EXPECT_NEAR(m->Propensity(1, m->EncodeCustomer(c), pair),
              1 / (1 + std::exp(-(-2 + 1.5 * 0.4))), 1e-7);
}

TEST(PropensityModelTest, CreateRejectsWhatCannotBeScored) {
  PropensityParams p = Small();
  p.weights.pop_back();
  EXPECT_THAT(PropensityModel::Create(p),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("2 products x 37 features need 74")));
  p = Small();
  p.weights[40] = std::numeric_limits<float>::infinity();
  EXPECT_THAT(PropensityModel::Create(p),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("weights[40] (product B, feature 3)")));
  p = Small();
  p.products = {"A", "A"};
  EXPECT_THAT(PropensityModel::Create(p),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("products[1] repeats")));
  p = Small();
  p.age_edges = {50, 30};
  EXPECT_THAT(
      PropensityModel::Create(p),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("age_edges[1]")));
  p = Small();
  p.attributes[0].values.push_back("");
  EXPECT_THAT(PropensityModel::Create(p),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("attributes[0].values[2] is empty")));
  p = Small();
  p.products.clear();
  p.weights.clear();
  EXPECT_THAT(PropensityModel::Create(p),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("products is empty")));
}

TEST(PropensityModelTest, SigmoidDoesNotOverflow) {
  EXPECT_EQ(Sigmoid(-1000), 0);
  EXPECT_EQ(Sigmoid(1000), 1);
  EXPECT_DOUBLE_EQ(Sigmoid(0), 0.5);
}

}  // namespace
}  // namespace nbo::model
