// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/als/ease.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "Eigen/Core"
#include "Eigen/LU"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/als/interaction_matrix.h"
#include "lib/testing/status_matchers.h"

namespace nbo::als {
namespace {

using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;

InteractionMatrix MakeMatrix(int64_t users, int64_t items,
                             const std::vector<Interaction>& cells) {
  absl::StatusOr<InteractionMatrix> m =
      InteractionMatrix::Create(users, items, cells);
  EXPECT_TRUE(m.ok()) << m.status();
  return *std::move(m);
}

// B[i][j] of a model: item_factors row j is column j of B.
float B(const EaseModel& model, int i, int j) {
  return model.item_factors(j, i);
}

// Pairs of products taken together: every customer takes each pair
// {2g, 2g + 1} with probability 0.3, and then both (weights 1..5 each).
// Nothing else links products.
InteractionMatrix PlantedPairs(int64_t users, int pairs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution takes(0.3);
  std::uniform_int_distribution<int> weight(1, 5);
  std::vector<Interaction> cells;
  for (int64_t u = 0; u < users; ++u) {
    for (int g = 0; g < pairs; ++g) {
      if (!takes(rng)) continue;
      cells.push_back({u, 2 * g, static_cast<float>(weight(rng))});
      cells.push_back({u, 2 * g + 1, static_cast<float>(weight(rng))});
    }
  }
  return MakeMatrix(users, 2 * pairs, cells);
}

TEST(EaseTest, RecoversPlantedPairsOfProducts) {
  const InteractionMatrix m = PlantedPairs(2000, 4, 7);
  EaseOptions options;
  options.lambda = 10;
  ASSERT_OK_AND_ASSIGN(const EaseModel model, TrainEase(m, options));
  ASSERT_EQ(model.item_factors.rows(), 8);
  ASSERT_EQ(model.item_factors.cols(), 8);
  for (int i = 0; i < 8; ++i) {
    const int partner = i ^ 1;
    EXPECT_EQ(B(model, i, i), 0.0f);
    // The partner rebuilds the product: a large weight...
    EXPECT_GT(B(model, partner, i), 0.3f) << "item " << i;
    // ...and the others little: EASE has no intercept, so unrelated
    // products still carry a little of the base rate.
    for (int j = 0; j < 8; ++j) {
      if (j == i || j == partner) continue;
      EXPECT_LT(std::fabs(B(model, j, i)), 0.1f) << j << " -> " << i;
      EXPECT_GT(B(model, partner, i), 4 * std::fabs(B(model, j, i)))
          << j << " -> " << i;
    }
  }
  // A customer who took only product 2 is offered its partner 3 first.
  Eigen::VectorXf x = Eigen::VectorXf::Zero(8);
  x[2] = 1;
  const Eigen::VectorXf scores = model.item_factors * x;
  Eigen::Index best;
  scores.maxCoeff(&best);
  EXPECT_EQ(best, 3);
}

TEST(EaseTest, EqualsTheClosedFormOnASmallMatrix) {
  std::mt19937_64 rng(3);
  std::bernoulli_distribution observed(0.4);
  std::uniform_int_distribution<int> weight(-5, 5);
  std::vector<Interaction> cells;
  for (int64_t u = 0; u < 40; ++u) {
    for (int64_t i = 0; i < 6; ++i) {
      if (observed(rng)) cells.push_back({u, i, float(weight(rng))});
    }
  }
  const InteractionMatrix m = MakeMatrix(40, 6, cells);
  EaseOptions options;
  options.lambda = 2.5f;
  ASSERT_OK_AND_ASSIGN(const EaseModel model, TrainEase(m, options));

  Eigen::MatrixXd x = Eigen::MatrixXd::Zero(40, 6);
  for (const Interaction& c : cells) x(c.user, c.item) += c.value;
  x = x.cwiseMax(0.0);
  Eigen::MatrixXd g = x.transpose() * x;
  g.diagonal().array() += 2.5;
  const Eigen::MatrixXd p = g.inverse();
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 6; ++j) {
      const double want = i == j ? 0.0 : -p(i, j) / p(j, j);
      EXPECT_NEAR(B(model, i, j), want, 1e-5) << i << ", " << j;
    }
  }
  // Customer vectors are the weighted rows: declines (net < 0) are 0.
  ASSERT_EQ(model.user_factors.rows(), 40);
  for (int u = 0; u < 40; ++u) {
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ(model.user_factors(u, i), static_cast<float>(x(u, i)));
    }
  }
}

TEST(EaseTest, ResultsDoNotDependOnThreads) {
  const InteractionMatrix m = PlantedPairs(300, 150, 11);  // 300 products.
  EaseOptions one;
  one.threads = 1;
  EaseOptions three = one;
  three.threads = 3;
  ASSERT_OK_AND_ASSIGN(const EaseModel a, TrainEase(m, one));
  ASSERT_OK_AND_ASSIGN(const EaseModel b, TrainEase(m, three));
  EXPECT_TRUE(a.item_factors == b.item_factors);
  EXPECT_TRUE(a.user_factors == b.user_factors);
}

TEST(EaseTest, UserVectorWeighsNetInterestAndDropsDeclines) {
  std::vector<float> out(5, 9.0f);
  const std::vector<int32_t> items = {0, 2, 4};
  const std::vector<float> values = {3.5f, -5.0f, 1.0f};
  EaseUserVector(items, values, absl::MakeSpan(out));
  EXPECT_THAT(out, ::testing::ElementsAre(3.5f, 0.0f, 0.0f, 0.0f, 1.0f));
  EXPECT_EQ(EaseWeight(-0.5f), 0.0f);
  EXPECT_EQ(EaseWeight(0.0f), 0.0f);
  EXPECT_EQ(EaseWeight(2.0f), 2.0f);
}

TEST(EaseTest, RejectsBadLambdaThreadsAndShapes) {
  const InteractionMatrix m = PlantedPairs(50, 2, 1);
  for (float lambda : {0.0f, -1.0f, std::numeric_limits<float>::quiet_NaN(),
                       std::numeric_limits<float>::infinity()}) {
    EaseOptions options;
    options.lambda = lambda;
    EXPECT_THAT(
        TrainEase(m, options),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("lambda")))
        << lambda;
  }
  EaseOptions no_threads;
  no_threads.threads = 0;
  EXPECT_THAT(TrainEase(m, no_threads),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(TrainEase(MakeMatrix(3, 4, {}), EaseOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(TrainEase(MakeMatrix(1, kEaseMaxItems + 1, {{0, 0, 1.0f}}),
                        EaseOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("4096")));
}

TEST(EaseTest, StopsWhenCancelledAndReportsProgressOnLargeCatalogs) {
  const InteractionMatrix m = PlantedPairs(200, 300, 5);  // 600 products.
  EaseOptions options;
  std::vector<EaseProgress> seen;
  options.progress = [&](const EaseProgress& p) { seen.push_back(p); };
  ASSERT_OK_AND_ASSIGN(const EaseModel model, TrainEase(m, options));
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen.front().stage, "gramian");
  EXPECT_EQ(seen.back().stage, "inverse");
  EXPECT_EQ(seen.back().fraction, 1.0);

  int polls = 0;
  options.progress = nullptr;
  options.should_cancel = [&polls]() { return ++polls > 2; };
  EXPECT_THAT(TrainEase(m, options), StatusIs(absl::StatusCode::kCancelled));
}

}  // namespace
}  // namespace nbo::als
