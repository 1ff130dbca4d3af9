// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/als/als.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "Eigen/Cholesky"
#include "Eigen/Core"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/als/interaction_matrix.h"
#include "lib/testing/status_matchers.h"

namespace nbo::als {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::HasSubstr;

// A random implicit-feedback matrix: each cell observed with probability
// `density`, values (counts) in [1, 5].
InteractionMatrix RandomImplicitMatrix(int64_t users, int64_t items,
                                       double density, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution observed(density);
  std::uniform_int_distribution<int> count(1, 5);
  std::vector<Interaction> cells;
  for (int64_t u = 0; u < users; ++u) {
    for (int64_t i = 0; i < items; ++i) {
      if (observed(rng)) {
        cells.push_back({u, i, static_cast<float>(count(rng))});
      }
    }
  }
  absl::StatusOr<InteractionMatrix> m =
      InteractionMatrix::Create(users, items, cells);
  EXPECT_THAT(m, IsOk());
  return *std::move(m);
}

AlsOptions SmallOptions() {
  AlsOptions options;
  options.factors = 8;
  options.iterations = 8;
  options.regularization = 0.1f;
  options.alpha = 10.0f;
  options.init_stddev = 0.1f;
  return options;
}

// RandomImplicitMatrix with about `decline_share` of its cells turned into
// declines: values in [-5, -1].
InteractionMatrix RandomMatrixWithDeclines(int64_t users, int64_t items,
                                           double density, double decline_share,
                                           uint64_t seed) {
  InteractionMatrix positive =
      RandomImplicitMatrix(users, items, density, seed);
  std::mt19937_64 rng(seed + 1000);
  std::bernoulli_distribution declined(decline_share);
  std::vector<Interaction> cells;
  for (int64_t u = 0; u < users; ++u) {
    auto idx = positive.by_user().RowIndices(u);
    auto val = positive.by_user().RowValues(u);
    for (size_t k = 0; k < idx.size(); ++k) {
      cells.push_back({u, idx[k], declined(rng) ? -val[k] : val[k]});
    }
  }
  absl::StatusOr<InteractionMatrix> m =
      InteractionMatrix::Create(users, items, cells);
  EXPECT_THAT(m, IsOk());
  return *std::move(m);
}

// The implicit loss by its definition, over every (user, item) pair:
// c = 1 + alpha |r|, p = 1 where r > 0.
double BruteForceImplicitLoss(const InteractionMatrix& m, const AlsModel& model,
                              const AlsOptions& options) {
  Eigen::MatrixXd x = model.user_factors.cast<double>();
  Eigen::MatrixXd y = model.item_factors.cast<double>();
  Eigen::MatrixXd r = Eigen::MatrixXd::Zero(m.num_users(), m.num_items());
  for (int64_t u = 0; u < m.num_users(); ++u) {
    auto idx = m.by_user().RowIndices(u);
    auto val = m.by_user().RowValues(u);
    for (size_t k = 0; k < idx.size(); ++k) r(u, idx[k]) = val[k];
  }
  double loss = 0;
  for (int64_t u = 0; u < m.num_users(); ++u) {
    for (int64_t i = 0; i < m.num_items(); ++i) {
      const double c = 1 + options.alpha * std::abs(r(u, i));
      const double p = r(u, i) > 0 ? 1 : 0;
      const double e = p - x.row(u).dot(y.row(i));
      loss += c * e * e;
    }
  }
  return loss + options.regularization * (x.squaredNorm() + y.squaredNorm());
}

class ImplicitSolverTest : public ::testing::TestWithParam<Solver> {};

TEST_P(ImplicitSolverTest, LossDecreasesEveryIteration) {
  InteractionMatrix m = RandomImplicitMatrix(60, 40, 0.15, 1);
  AlsOptions options = SmallOptions();
  options.solver = GetParam();
  std::vector<IterationStats> seen;
  options.progress = [&](const IterationStats& s) { seen.push_back(s); };
  ASSERT_OK_AND_ASSIGN(AlsModel model, TrainImplicit(m, options));
  ASSERT_EQ(seen.size(), 8u);
  ASSERT_EQ(model.history.size(), 8u);
  for (size_t k = 0; k < seen.size(); ++k) {
    EXPECT_EQ(seen[k].iteration, static_cast<int>(k) + 1);
    EXPECT_GE(seen[k].seconds, 0);
    EXPECT_TRUE(std::isfinite(seen[k].loss));
    EXPECT_TRUE(std::isnan(seen[k].rmse));
    if (k > 0) {
      EXPECT_LT(seen[k].loss, seen[k - 1].loss) << "iteration " << k + 1;
    }
  }
}

TEST_P(ImplicitSolverTest, ReportedLossMatchesTheDefinition) {
  InteractionMatrix m = RandomImplicitMatrix(30, 20, 0.2, 2);
  AlsOptions options = SmallOptions();
  options.solver = GetParam();
  options.iterations = 3;
  ASSERT_OK_AND_ASSIGN(AlsModel model, TrainImplicit(m, options));
  const double expected = BruteForceImplicitLoss(m, model, options);
  EXPECT_NEAR(model.history.back().loss, expected, 1e-4 * expected);
}

TEST_P(ImplicitSolverTest, WithDeclinesLossDecreasesAndMatchesTheDefinition) {
  InteractionMatrix m = RandomMatrixWithDeclines(60, 40, 0.15, 0.3, 1);
  ASSERT_TRUE(std::any_of(m.by_user().values().begin(),
                          m.by_user().values().end(),
                          [](float v) { return v < 0; }));
  AlsOptions options = SmallOptions();
  options.solver = GetParam();
  ASSERT_OK_AND_ASSIGN(AlsModel model, TrainImplicit(m, options));
  ASSERT_EQ(model.history.size(), 8u);
  for (size_t k = 1; k < model.history.size(); ++k) {
    EXPECT_LT(model.history[k].loss, model.history[k - 1].loss)
        << "iteration " << k + 1;
  }
  const double expected = BruteForceImplicitLoss(m, model, options);
  EXPECT_NEAR(model.history.back().loss, expected, 1e-4 * expected);
}

TEST_P(ImplicitSolverTest, ADeclineLowersThatItemsScoreForThatUser) {
  InteractionMatrix m = RandomImplicitMatrix(60, 40, 0.15, 9);
  AlsOptions options = SmallOptions();
  options.solver = GetParam();
  ASSERT_OK_AND_ASSIGN(AlsModel before, TrainImplicit(m, options));
  // The item user 0 has not touched that the model likes best for them.
  constexpr int64_t kUser = 0;
  const auto touched = m.by_user().RowIndices(kUser);
  int32_t item = -1;
  float best = 0;
  for (int32_t i = 0; i < m.num_items(); ++i) {
    if (std::find(touched.begin(), touched.end(), i) != touched.end()) {
      continue;
    }
    const float score =
        before.user_factors.row(kUser).dot(before.item_factors.row(i));
    if (item < 0 || score > best) {
      item = i;
      best = score;
    }
  }
  ASSERT_GE(item, 0);
  ASSERT_GT(best, 0.05f);

  std::vector<Interaction> cells;
  for (int64_t u = 0; u < m.num_users(); ++u) {
    auto idx = m.by_user().RowIndices(u);
    auto val = m.by_user().RowValues(u);
    for (size_t k = 0; k < idx.size(); ++k)
      cells.push_back({u, idx[k], val[k]});
  }
  cells.push_back({kUser, item, -5.0f});
  ASSERT_OK_AND_ASSIGN(
      InteractionMatrix declined,
      InteractionMatrix::Create(m.num_users(), m.num_items(), cells));
  ASSERT_OK_AND_ASSIGN(AlsModel after, TrainImplicit(declined, options));
  const float score =
      after.user_factors.row(kUser).dot(after.item_factors.row(item));
  // Confidence 1 + 10 * 5 on a preference of 0 drives the score to about 0.
  EXPECT_LT(score, 0.25f * best) << "before " << best << ", after " << score;
}

INSTANTIATE_TEST_SUITE_P(BothSolvers, ImplicitSolverTest,
                         ::testing::Values(Solver::kConjugateGradient,
                                           Solver::kCholesky));

// A user row and item factors, with the normal equations solved directly in
// double precision, independently of the library.
struct RowProblem {
  FactorMatrix item_factors;
  std::vector<int32_t> items;
  std::vector<float> values;
  Eigen::VectorXd direct;
};

RowProblem MakeRowProblem(const AlsOptions& options) {
  RowProblem p;
  std::mt19937_64 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.3f);
  p.item_factors = FactorMatrix(50, options.factors);
  for (int64_t k = 0; k < p.item_factors.size(); ++k) {
    p.item_factors.data()[k] = normal(rng);
  }
  for (int32_t i = 0; i < 50; i += 4) {
    p.items.push_back(i);
    p.values.push_back(1.0f + static_cast<float>(i % 3));
  }
  const Eigen::MatrixXd y = p.item_factors.cast<double>();
  Eigen::MatrixXd a = y.transpose() * y;
  a.diagonal().array() += options.regularization;
  Eigen::VectorXd b = Eigen::VectorXd::Zero(options.factors);
  for (size_t k = 0; k < p.items.size(); ++k) {
    const Eigen::VectorXd yi = y.row(p.items[k]).transpose();
    a += options.alpha * p.values[k] * yi * yi.transpose();
    b += (1 + options.alpha * p.values[k]) * yi;
  }
  p.direct = a.ldlt().solve(b);
  return p;
}

TEST(SolveUserRowTest, ConjugateGradientWithEnoughStepsMatchesDirectSolve) {
  AlsOptions options = SmallOptions();
  options.alpha = 2.0f;
  options.cg_steps = 50;
  RowProblem p = MakeRowProblem(options);
  const FactorMatrix yty = ComputeGramian(p.item_factors, 1);
  ASSERT_OK_AND_ASSIGN(
      Eigen::VectorXf x,
      SolveUserRow(p.item_factors, yty, p.items, p.values, options));
  ASSERT_EQ(x.size(), options.factors);
  for (int k = 0; k < options.factors; ++k) {
    EXPECT_NEAR(x[k], p.direct[k], 1e-4) << "component " << k;
  }
}

TEST(SolveUserRowTest, CholeskyMatchesDirectSolve) {
  AlsOptions options = SmallOptions();
  options.alpha = 2.0f;
  options.solver = Solver::kCholesky;
  RowProblem p = MakeRowProblem(options);
  const FactorMatrix yty = ComputeGramian(p.item_factors, 1);
  ASSERT_OK_AND_ASSIGN(
      Eigen::VectorXf x,
      SolveUserRow(p.item_factors, yty, p.items, p.values, options));
  for (int k = 0; k < options.factors; ++k) {
    EXPECT_NEAR(x[k], p.direct[k], 1e-4) << "component " << k;
  }
}

TEST(SolveUserRowTest, ThreeStepsFromZeroAreNotYetTheSolution) {
  // Guards the test above: with the default 3 steps CG has not converged on
  // this problem, so agreement there is the steps' doing.
  AlsOptions options = SmallOptions();
  options.alpha = 2.0f;
  options.cg_steps = 3;
  RowProblem p = MakeRowProblem(options);
  ASSERT_OK_AND_ASSIGN(
      Eigen::VectorXf x,
      SolveUserRow(p.item_factors, ComputeGramian(p.item_factors, 1), p.items,
                   p.values, options));
  EXPECT_GT((x.cast<double>() - p.direct).cwiseAbs().maxCoeff(), 1e-3);
}

// The row's normal equations with signed values, solved in double
// precision: A = Y^T Y + lambda I + sum alpha |v| y y^T, b = sum_{v > 0}
// (1 + alpha v) y.
Eigen::VectorXd DirectSignedSolve(const FactorMatrix& item_factors,
                                  const std::vector<int32_t>& items,
                                  const std::vector<float>& values,
                                  const AlsOptions& options) {
  const Eigen::MatrixXd y = item_factors.cast<double>();
  Eigen::MatrixXd a = y.transpose() * y;
  a.diagonal().array() += options.regularization;
  Eigen::VectorXd b = Eigen::VectorXd::Zero(options.factors);
  for (size_t k = 0; k < items.size(); ++k) {
    const Eigen::VectorXd yi = y.row(items[k]).transpose();
    a += options.alpha * std::abs(values[k]) * yi * yi.transpose();
    if (values[k] > 0) b += (1 + options.alpha * values[k]) * yi;
  }
  return a.ldlt().solve(b);
}

TEST(SolveUserRowTest, WithDeclinesConjugateGradientAndCholeskyAgree) {
  AlsOptions options = SmallOptions();
  options.alpha = 2.0f;
  RowProblem p = MakeRowProblem(options);
  // Every third nonzero becomes a decline.
  for (size_t k = 0; k < p.values.size(); k += 3) p.values[k] = -p.values[k];
  const Eigen::VectorXd direct =
      DirectSignedSolve(p.item_factors, p.items, p.values, options);
  EXPECT_GT((direct - p.direct).cwiseAbs().maxCoeff(), 1e-2)
      << "the declines should change the solution";
  const FactorMatrix yty = ComputeGramian(p.item_factors, 1);
  options.cg_steps = 50;
  ASSERT_OK_AND_ASSIGN(
      Eigen::VectorXf cg,
      SolveUserRow(p.item_factors, yty, p.items, p.values, options));
  options.solver = Solver::kCholesky;
  ASSERT_OK_AND_ASSIGN(
      Eigen::VectorXf cholesky,
      SolveUserRow(p.item_factors, yty, p.items, p.values, options));
  for (int k = 0; k < options.factors; ++k) {
    EXPECT_NEAR(cg[k], direct[k], 1e-4) << "component " << k;
    EXPECT_NEAR(cholesky[k], direct[k], 1e-4) << "component " << k;
  }
}

TEST(SolveUserRowTest, AStoredZeroIsTheSameAsNoEntry) {
  AlsOptions options = SmallOptions();
  RowProblem p = MakeRowProblem(options);
  const FactorMatrix yty = ComputeGramian(p.item_factors, 1);
  std::vector<int32_t> items = p.items;
  std::vector<float> values = p.values;
  items.push_back(49);
  values.push_back(0.0f);
  for (Solver solver : {Solver::kConjugateGradient, Solver::kCholesky}) {
    options.solver = solver;
    ASSERT_OK_AND_ASSIGN(
        Eigen::VectorXf without,
        SolveUserRow(p.item_factors, yty, p.items, p.values, options));
    ASSERT_OK_AND_ASSIGN(
        Eigen::VectorXf with,
        SolveUserRow(p.item_factors, yty, items, values, options));
    EXPECT_EQ(with, without);
  }
}

class FoldInTest : public ::testing::TestWithParam<Solver> {};

TEST_P(FoldInTest, WithDeclinesSolveUserRowReproducesTheTrainedUserFactor) {
  InteractionMatrix m = RandomMatrixWithDeclines(80, 50, 0.1, 0.3, 3);
  AlsOptions options = SmallOptions();
  options.solver = GetParam();
  options.iterations = 4;
  ASSERT_OK_AND_ASSIGN(AlsModel full, TrainImplicit(m, options));
  options.iterations = 3;
  ASSERT_OK_AND_ASSIGN(AlsModel before, TrainImplicit(m, options));
  const FactorMatrix yty = ComputeGramian(before.item_factors, 1);
  for (int64_t u = 0; u < m.num_users(); ++u) {
    const Eigen::VectorXf previous = before.user_factors.row(u).transpose();
    ASSERT_OK_AND_ASSIGN(
        Eigen::VectorXf x,
        SolveUserRow(before.item_factors, yty, m.by_user().RowIndices(u),
                     m.by_user().RowValues(u), options,
                     absl::MakeConstSpan(previous.data(), previous.size())));
    for (int k = 0; k < options.factors; ++k) {
      ASSERT_NEAR(x[k], full.user_factors(u, k), 1e-5)
          << "user " << u << " component " << k;
    }
  }
}

TEST_P(FoldInTest, SolveUserRowReproducesTheTrainedUserFactor) {
  InteractionMatrix m = RandomImplicitMatrix(80, 50, 0.1, 3);
  AlsOptions options = SmallOptions();
  options.solver = GetParam();
  options.iterations = 4;
  ASSERT_OK_AND_ASSIGN(AlsModel full, TrainImplicit(m, options));
  options.iterations = 3;
  ASSERT_OK_AND_ASSIGN(AlsModel before, TrainImplicit(m, options));
  // The last user half-iteration solved against `before`'s item factors,
  // warm-started from `before`'s user factors.
  const FactorMatrix yty = ComputeGramian(before.item_factors, 1);
  for (int64_t u = 0; u < m.num_users(); ++u) {
    const Eigen::VectorXf previous = before.user_factors.row(u).transpose();
    ASSERT_OK_AND_ASSIGN(
        Eigen::VectorXf x,
        SolveUserRow(before.item_factors, yty, m.by_user().RowIndices(u),
                     m.by_user().RowValues(u), options,
                     absl::MakeConstSpan(previous.data(), previous.size())));
    for (int k = 0; k < options.factors; ++k) {
      ASSERT_NEAR(x[k], full.user_factors(u, k), 1e-5)
          << "user " << u << " component " << k;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(BothSolvers, FoldInTest,
                         ::testing::Values(Solver::kConjugateGradient,
                                           Solver::kCholesky));

TEST(DeterminismTest, SameSeedGivesIdenticalFactors) {
  InteractionMatrix m = RandomImplicitMatrix(100, 60, 0.1, 4);
  AlsOptions options = SmallOptions();
  options.iterations = 3;
  ASSERT_OK_AND_ASSIGN(AlsModel a, TrainImplicit(m, options));
  ASSERT_OK_AND_ASSIGN(AlsModel b, TrainImplicit(m, options));
  EXPECT_EQ(a.user_factors, b.user_factors);
  EXPECT_EQ(a.item_factors, b.item_factors);
  options.seed = 43;
  ASSERT_OK_AND_ASSIGN(AlsModel c, TrainImplicit(m, options));
  EXPECT_NE(a.user_factors, c.user_factors);
}

TEST(DeterminismTest, ThreadCountDoesNotChangeFactorsOrLoss) {
  // Large enough for many row chunks and several Gramian chunks.
  InteractionMatrix m = RandomImplicitMatrix(9000, 120, 0.05, 5);
  AlsOptions options = SmallOptions();
  options.iterations = 2;
  options.threads = 1;
  ASSERT_OK_AND_ASSIGN(AlsModel one, TrainImplicit(m, options));
  for (int threads : {2, 3}) {
    options.threads = threads;
    ASSERT_OK_AND_ASSIGN(AlsModel many, TrainImplicit(m, options));
    EXPECT_EQ(one.user_factors, many.user_factors) << threads << " threads";
    EXPECT_EQ(one.item_factors, many.item_factors) << threads << " threads";
    EXPECT_EQ(one.history.back().loss, many.history.back().loss);
  }
}

TEST(ExplicitAlsTest, RecoversAPlantedLowRankMatrix) {
  // Ratings R = U V^T with rank 4; 40% of the cells observed for training,
  // the rest held out.
  constexpr int kRank = 4;
  constexpr int64_t kUsers = 200;
  constexpr int64_t kItems = 100;
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal(0.0, 1.0);
  Eigen::MatrixXd u(kUsers, kRank), v(kItems, kRank);
  for (int64_t k = 0; k < u.size(); ++k) u.data()[k] = normal(rng);
  for (int64_t k = 0; k < v.size(); ++k) v.data()[k] = normal(rng);
  const Eigen::MatrixXd r = u * v.transpose();
  std::bernoulli_distribution train(0.4);
  std::vector<Interaction> cells;
  std::vector<std::pair<int64_t, int64_t>> held_out;
  for (int64_t i = 0; i < kUsers; ++i) {
    for (int64_t j = 0; j < kItems; ++j) {
      if (train(rng)) {
        cells.push_back({i, j, static_cast<float>(r(i, j))});
      } else {
        held_out.push_back({i, j});
      }
    }
  }
  ASSERT_OK_AND_ASSIGN(InteractionMatrix m,
                       InteractionMatrix::Create(kUsers, kItems, cells));
  AlsOptions options;
  options.factors = kRank;
  options.iterations = 25;
  options.regularization = 1e-4f;
  options.init_stddev = 0.5f;
  ASSERT_OK_AND_ASSIGN(AlsModel model, TrainExplicit(m, options));

  double sse = 0;
  for (auto [i, j] : held_out) {
    const double e =
        r(i, j) - model.user_factors.row(i).dot(model.item_factors.row(j));
    sse += e * e;
  }
  const double held_out_rmse = std::sqrt(sse / held_out.size());
  // Ratings have standard deviation 2; bounds are 1% of that on the
  // training cells and 2.5% on cells training never saw.
  EXPECT_LT(model.history.back().rmse, 0.02);
  EXPECT_LT(held_out_rmse, 0.05);
  for (size_t k = 1; k < model.history.size(); ++k) {
    EXPECT_LE(model.history[k].loss, model.history[k - 1].loss * (1 + 1e-6));
  }
}

TEST(CancellationTest, StopsWithinOneIterationWithCancelled) {
  InteractionMatrix m = RandomImplicitMatrix(50, 30, 0.2, 6);
  AlsOptions options = SmallOptions();
  options.iterations = 10;
  int completed = 0;
  options.progress = [&](const IterationStats&) { ++completed; };
  options.should_cancel = [&] { return completed >= 2; };
  EXPECT_THAT(TrainImplicit(m, options),
              StatusIs(absl::StatusCode::kCancelled,
                       HasSubstr("after 2 of 10 iterations")));
  EXPECT_EQ(completed, 2);
  completed = 0;
  EXPECT_THAT(TrainExplicit(m, options),
              StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(completed, 2);
}

TEST(CancellationTest, CancelledBeforeStartRunsNoIteration) {
  InteractionMatrix m = RandomImplicitMatrix(50, 30, 0.2, 6);
  AlsOptions options = SmallOptions();
  int completed = 0;
  options.progress = [&](const IterationStats&) { ++completed; };
  options.should_cancel = [] { return true; };
  EXPECT_THAT(TrainImplicit(m, options),
              StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(completed, 0);
}

TEST(OptionsTest, OutOfRangeOptionsAreInvalidArgument) {
  InteractionMatrix m = RandomImplicitMatrix(20, 10, 0.3, 8);
  struct Case {
    const char* field;
    void (*set)(AlsOptions*);
  };
  const Case cases[] = {
      {"factors", [](AlsOptions* o) { o->factors = 0; }},
      {"factors", [](AlsOptions* o) { o->factors = -3; }},
      {"iterations", [](AlsOptions* o) { o->iterations = 0; }},
      {"iterations", [](AlsOptions* o) { o->iterations = -1; }},
      {"regularization", [](AlsOptions* o) { o->regularization = -0.1f; }},
      {"regularization",
       [](AlsOptions* o) { o->regularization = std::nanf(""); }},
      {"threads", [](AlsOptions* o) { o->threads = 0; }},
      {"threads", [](AlsOptions* o) { o->threads = -2; }},
      {"init_stddev", [](AlsOptions* o) { o->init_stddev = 0; }},
  };
  for (const Case& c : cases) {
    AlsOptions options = SmallOptions();
    c.set(&options);
    EXPECT_THAT(
        TrainImplicit(m, options),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field)));
    EXPECT_THAT(
        TrainExplicit(m, options),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field)));
  }
  // Implicit-only options.
  AlsOptions options = SmallOptions();
  options.alpha = -1;
  EXPECT_THAT(TrainImplicit(m, options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("alpha")));
  options = SmallOptions();
  options.cg_steps = 0;
  EXPECT_THAT(
      TrainImplicit(m, options),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cg_steps")));
}

TEST(OptionsTest, EmptyMatricesAreInvalidArgument) {
  ASSERT_OK_AND_ASSIGN(InteractionMatrix no_cells,
                       InteractionMatrix::Create(5, 5, {}));
  ASSERT_OK_AND_ASSIGN(InteractionMatrix no_rows,
                       InteractionMatrix::Create(0, 0, {}));
  for (const InteractionMatrix* m : {&no_cells, &no_rows}) {
    EXPECT_THAT(
        TrainImplicit(*m, SmallOptions()),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
    EXPECT_THAT(
        TrainExplicit(*m, SmallOptions()),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  }
}

TEST(OptionsTest, NegativeValuesAreAcceptedAsDeclinesAndRatings) {
  ASSERT_OK_AND_ASSIGN(InteractionMatrix m,
                       InteractionMatrix::Create(2, 2, {{0, 0, -1.0f}}));
  EXPECT_THAT(TrainImplicit(m, SmallOptions()), IsOk());
  EXPECT_THAT(TrainExplicit(m, SmallOptions()), IsOk());
}

TEST(SolveUserRowTest, RejectsMalformedInput) {
  AlsOptions options = SmallOptions();
  FactorMatrix y = FactorMatrix::Ones(5, options.factors);
  FactorMatrix yty = ComputeGramian(y, 1);
  const std::vector<int32_t> items = {0, 4};
  const std::vector<float> values = {1.0f, 2.0f};
  EXPECT_THAT(SolveUserRow(y, yty, items, values, options), IsOk());

  const std::vector<int32_t> out_of_range = {0, 5};
  EXPECT_THAT(
      SolveUserRow(y, yty, out_of_range, values, options),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("out of range")));
  const std::vector<int32_t> negative = {-1, 0};
  EXPECT_THAT(
      SolveUserRow(y, yty, negative, values, options),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("out of range")));
  EXPECT_THAT(
      SolveUserRow(y, yty, items, {1.0f}, options),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("values")));
  EXPECT_THAT(
      SolveUserRow(y, yty, items, {1.0f, std::nanf("")}, options),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("finite")));
  EXPECT_THAT(SolveUserRow(y, yty, items, {1.0f, -2.0f}, options), IsOk());
  EXPECT_THAT(
      SolveUserRow(y, yty, items, {1.0f, -INFINITY}, options),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("finite")));
  EXPECT_THAT(SolveUserRow(y, FactorMatrix::Zero(3, 3), items, values, options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("yty")));
  const std::vector<float> short_initial = {1.0f};
  EXPECT_THAT(
      SolveUserRow(y, yty, items, values, options, short_initial),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("initial")));
  AlsOptions wider = options;
  wider.factors = options.factors + 1;
  EXPECT_THAT(
      SolveUserRow(y, yty, items, values, wider),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("columns")));
  AlsOptions bad = options;
  bad.regularization = -1;
  EXPECT_THAT(SolveUserRow(y, yty, items, values, bad),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("regularization")));
}

}  // namespace
}  // namespace nbo::als
