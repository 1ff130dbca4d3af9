// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/model/model_version.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"

namespace nbo::model {
namespace {

using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;

// Three products in rank 2: A = (1,0), B = (0,1), C = (1,1).
ModelVersionParams ThreeProducts() {
  ModelVersionParams p;
  p.model_name = "nbo";
  p.version = 1;
  p.rank = 2;
  p.catalog = {{"A", "Alpha", "cards"},
               {"B", "Beta", "loans"},
               {"C", "Gamma", "savings"}};
  p.item_factors = {1, 0, 0, 1, 1, 1};
  p.popularity = {0.2, 0.5, 0.1};
  return p;
}

TEST(ModelVersionTest, RanksProductsByDotProduct) {
  ASSERT_OK_AND_ASSIGN(auto v, ModelVersion::Create(ThreeProducts()));
  const float u[] = {2.0f, -1.0f};  // A: 2, B: -1, C: 1.
  auto top = v->TopN(u, 2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].index, 0);
  EXPECT_DOUBLE_EQ(top[0].score, 2.0);
  EXPECT_EQ(top[1].index, 2);
  EXPECT_DOUBLE_EQ(top[1].score, 1.0);
}

TEST(ModelVersionTest, BreaksTiesByCatalogOrderAndCapsAtCatalogSize) {
  ASSERT_OK_AND_ASSIGN(auto v, ModelVersion::Create(ThreeProducts()));
  const float u[] = {1.0f, 1.0f};  // A: 1, B: 1, C: 2.
  auto top = v->TopN(u, 10);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].index, 2);
  EXPECT_EQ(top[1].index, 0);
  EXPECT_EQ(top[2].index, 1);
}

TEST(ModelVersionTest, MostPopularFollowsPopularityScores) {
  ASSERT_OK_AND_ASSIGN(auto v, ModelVersion::Create(ThreeProducts()));
  auto top = v->MostPopular(2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].index, 1);
  EXPECT_EQ(top[1].index, 0);
  EXPECT_EQ(v->ProductIndex("C"), 2);
  EXPECT_EQ(v->ProductIndex("Z"), -1);
}

TEST(ModelVersionTest, PropensityClampsWithoutCalibrationAndUsesPlattWithIt) {
  ASSERT_OK_AND_ASSIGN(auto raw, ModelVersion::Create(ThreeProducts()));
  EXPECT_DOUBLE_EQ(raw->Propensity(1.7), 1.0);
  EXPECT_DOUBLE_EQ(raw->Propensity(-0.3), 0.0);
  EXPECT_DOUBLE_EQ(raw->Propensity(0.25), 0.25);
  ModelVersionParams p = ThreeProducts();
  p.calibration_a = 2.0;
  p.calibration_b = -1.0;
  ASSERT_OK_AND_ASSIGN(auto platt, ModelVersion::Create(p));
  EXPECT_NEAR(platt->Propensity(0.5), 0.5, 1e-12);
  EXPECT_NEAR(platt->Propensity(1.0), 1.0 / (1.0 + std::exp(-1.0)), 1e-12);
}

TEST(ModelVersionTest, ComputesTheGramianWhenNotGiven) {
  ASSERT_OK_AND_ASSIGN(auto v, ModelVersion::Create(ThreeProducts()));
  // Y^T Y of A = (1,0), B = (0,1), C = (1,1).
  ASSERT_EQ(v->gramian().rows(), 2);
  ASSERT_EQ(v->gramian().cols(), 2);
  EXPECT_EQ(v->gramian()(0, 0), 2.0f);
  EXPECT_EQ(v->gramian()(0, 1), 1.0f);
  EXPECT_EQ(v->gramian()(1, 0), 1.0f);
  EXPECT_EQ(v->gramian()(1, 1), 2.0f);
  ASSERT_EQ(v->item_matrix().rows(), 3);
  EXPECT_EQ(v->item_matrix()(2, 1), 1.0f);
}

TEST(ModelVersionTest, KeepsTheGivenGramianAndLabels) {
  ModelVersionParams p = ThreeProducts();
  // Not Y^T Y: what was given is what is served.
  p.gramian = {4, 1, 1, 3};
  p.labels = {{"alpha", "40"}, {"trainer", "nbo-trainer"}};
  ASSERT_OK_AND_ASSIGN(auto v, ModelVersion::Create(p));
  EXPECT_EQ(v->gramian()(0, 0), 4.0f);
  EXPECT_EQ(v->gramian()(0, 1), 1.0f);
  EXPECT_EQ(v->gramian()(1, 1), 3.0f);
  EXPECT_EQ(v->labels(), p.labels);
}

TEST(ModelVersionTest, RejectsMalformedParamsWithInvalidArgument) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  struct Case {
    const char* what;
    void (*mutate)(ModelVersionParams&);
    const char* message;
  };
  const Case cases[] = {
      {"rank 0", [](ModelVersionParams& p) { p.rank = 0; }, "rank 0"},
      {"rank too big", [](ModelVersionParams& p) { p.rank = 1025; }, "rank"},
      {"empty catalog",
       [](ModelVersionParams& p) {
         p.catalog.clear();
         p.item_factors.clear();
         p.popularity.clear();
       },
       "catalog is empty"},
      {"short factors",
       [](ModelVersionParams& p) { p.item_factors.pop_back(); }, "need 6"},
      {"duplicate id", [](ModelVersionParams& p) { p.catalog[2].id = "A"; },
       "twice"},
      {"empty id", [](ModelVersionParams& p) { p.catalog[1].id = ""; },
       "empty id"},
      {"popularity size", [](ModelVersionParams& p) { p.popularity = {1}; },
       "popularity"},
      {"gramian size",
       [](ModelVersionParams& p) {
         p.gramian = {1, 0, 0};
       },
       "gramian holds 3"},
      {"gramian value",
       [](ModelVersionParams& p) {
         p.gramian = {1, 0, 0, std::numeric_limits<float>::infinity()};
       },
       "gramian"},
  };
  for (const Case& c : cases) {
    ModelVersionParams p = ThreeProducts();
    c.mutate(p);
    EXPECT_THAT(
        ModelVersion::Create(p),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.what;
  }
  ModelVersionParams p = ThreeProducts();
  p.item_factors[3] = nan;
  EXPECT_THAT(ModelVersion::Create(p),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'B'")));
}

// An EASE version of `products` products: rank = catalog size, item row j
// (column j of B) all 0.5 but 0 at j.
ModelVersionParams EaseProducts(int products) {
  ModelVersionParams p;
  p.kind = ModelKind::kEase;
  p.model_name = "nbo";
  p.version = 1;
  p.rank = products;
  for (int i = 0; i < products; ++i) {
    p.catalog.push_back({absl::StrCat("P", i), "name", "cards"});
    for (int j = 0; j < products; ++j) {
      p.item_factors.push_back(i == j ? 0.0f : 0.5f);
    }
  }
  p.popularity.assign(products, 0.0);
  return p;
}

TEST(ModelVersionTest, AnEaseVersionScoresItsRowsAndHasNoGramian) {
  ASSERT_OK_AND_ASSIGN(auto v, ModelVersion::Create(EaseProducts(3)));
  EXPECT_EQ(v->kind(), ModelKind::kEase);
  EXPECT_EQ(v->gramian().size(), 0);
  // The customer took product 0 (weight 2): products 1 and 2 score
  // 2 * 0.5, product 0 itself 0 (diag(B) = 0).
  const float u[] = {2.0f, 0.0f, 0.0f};
  auto top = v->TopN(u, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].index, 1);
  EXPECT_DOUBLE_EQ(top[0].score, 1.0);
  EXPECT_EQ(top[2].index, 0);
  EXPECT_DOUBLE_EQ(top[2].score, 0.0);
}

TEST(ModelVersionTest, AnEaseVersionsRankIsItsCatalogUpToTheEaseLimit) {
  // Above the ALS limit: allowed for EASE.
  ASSERT_OK_AND_ASSIGN(auto v, ModelVersion::Create(EaseProducts(1100)));
  EXPECT_EQ(v->rank(), 1100);

  ModelVersionParams wrong_rank = EaseProducts(3);
  wrong_rank.rank = 2;
  wrong_rank.item_factors.resize(6);
  EXPECT_THAT(ModelVersion::Create(wrong_rank),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("must be its catalog size 3")));
  ModelVersionParams with_gramian = EaseProducts(2);
  with_gramian.gramian = {1, 0, 0, 1};
  EXPECT_THAT(
      ModelVersion::Create(with_gramian),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no gramian")));
  ModelVersionParams too_big;
  too_big.kind = ModelKind::kEase;
  too_big.rank = kMaxEaseRank + 1;
  for (int i = 0; i <= kMaxEaseRank; ++i) {
    too_big.catalog.push_back({absl::StrCat("P", i), "", ""});
  }
  EXPECT_THAT(ModelVersion::Create(too_big),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("at most 4096 products")));
}

}  // namespace
}  // namespace nbo::model
