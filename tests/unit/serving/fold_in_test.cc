// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/serving/fold_in.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/als/als.h"
#include "lib/als/ease.h"
#include "lib/als/interaction_matrix.h"
#include "lib/testing/status_matchers.h"
#include "tests/unit/serving/test_model.h"

namespace nbo::serving {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// --- Hand-built models ---------------------------------------------------

// A rank-2 version over `factors` (two floats per product), products named
// A, B, C...
std::shared_ptr<const model::ModelVersion> HandBuilt(
    const std::vector<float>& factors) {
  model::ModelVersionParams p;
  p.model_name = "nbo";
  p.version = 1;
  p.rank = 2;
  for (size_t i = 0; i < factors.size() / 2; ++i) {
    const std::string id(1, static_cast<char>('A' + i));
    p.catalog.push_back({id, id, "cards"});
    p.popularity.push_back(0);
  }
  p.item_factors = factors;
  absl::StatusOr<std::shared_ptr<const model::ModelVersion>> v =
      model::ModelVersion::Create(std::move(p));
  EXPECT_THAT(v, IsOk());
  return v.ok() ? *v : nullptr;
}

// --- A trained model and its customers' events ---------------------------

constexpr int kCustomers = 60;
constexpr int kProducts = 20;

// Random events of kCustomers customers over kProducts products "P00"..,
// plus events of a product no version knows. `declines` adds declines.
struct EventLog {
  std::vector<std::string> product_ids;
  std::string unknown_id = "NOT-IN-CATALOG";
  // events[u]: customer u's events, in the order they happened.
  std::vector<std::vector<CustomerEvent>> events;
};

EventLog RandomEvents(uint64_t seed, bool declines) {
  EventLog log;
  for (int p = 0; p < kProducts; ++p) {
    log.product_ids.push_back(absl::StrFormat("P%02d", p));
  }
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> count(1, 12);
  // A few products are popular, so that the factors have structure.
  std::discrete_distribution<int> product(
      {9, 8, 7, 6, 5, 4, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1});
  std::uniform_int_distribution<int> event(
      0, static_cast<int>(declines ? data::Event::kDecline
                                   : data::Event::kAccept));
  log.events.resize(kCustomers);
  for (int u = 0; u < kCustomers; ++u) {
    for (int n = count(rng); n > 0; --n) {
      const int p = product(rng);
      const absl::string_view id = p == kProducts
                                       ? absl::string_view(log.unknown_id)
                                       : absl::string_view(log.product_ids[p]);
      log.events[u].push_back({id, static_cast<data::Event>(event(rng))});
    }
  }
  return log;
}

// The trainer's matrix (services/trainer/training_run.cc): events with a
// nonzero signed weight, as cells summed by InteractionMatrix::Create. (With
// no declines, the same as its events with a positive weight.)
als::InteractionMatrix TrainerMatrix(const EventLog& log,
                                     const data::EventWeights& weights) {
  std::vector<als::Interaction> cells;
  for (int u = 0; u < kCustomers; ++u) {
    for (const CustomerEvent& e : log.events[u]) {
      if (e.product_id == log.unknown_id) continue;  // Not in products.csv.
      const float w = weights.Of(e.event);
      if (w == 0) continue;
      int p = 0;
      while (log.product_ids[p] != e.product_id) ++p;
      cells.push_back({u, p, w});
    }
  }
  absl::StatusOr<als::InteractionMatrix> m =
      als::InteractionMatrix::Create(kCustomers, kProducts, cells);
  EXPECT_THAT(m, IsOk());
  return *std::move(m);
}

// A version of `items` over log's products, with the gramian the server
// loads it with (ModelManager: als::ComputeGramian).
std::shared_ptr<const model::ModelVersion> VersionOf(
    const EventLog& log, const als::FactorMatrix& items,
    std::map<std::string, std::string> labels = {}) {
  model::ModelVersionParams p;
  p.model_name = "nbo";
  p.version = 1;
  p.rank = static_cast<int32_t>(items.cols());
  for (const std::string& id : log.product_ids) {
    p.catalog.push_back({id, id, "cards"});
    p.popularity.push_back(0);
  }
  p.item_factors.assign(items.data(), items.data() + items.size());
  const als::FactorMatrix gramian = als::ComputeGramian(items, 1);
  p.gramian.assign(gramian.data(), gramian.data() + gramian.size());
  p.labels = std::move(labels);
  absl::StatusOr<std::shared_ptr<const model::ModelVersion>> v =
      model::ModelVersion::Create(std::move(p));
  EXPECT_THAT(v, IsOk());
  return v.ok() ? *v : nullptr;
}

als::AlsOptions TrainingOptions(als::Solver solver) {
  als::AlsOptions options;
  options.factors = 8;
  options.iterations = 40;
  options.regularization = 0.5f;
  options.alpha = 2.0f;
  options.solver = solver;
  options.init_stddev = 0.1f;
  options.compute_loss = false;
  return options;
}

FoldInConfig ConfigOf(const als::AlsOptions& options) {
  FoldInConfig config;
  config.regularization = options.regularization;
  config.alpha = options.alpha;
  config.cg_steps = options.cg_steps;
  return config;
}

double Cosine(absl::Span<const float> a, absl::Span<const float> b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    ab += double{a[k]} * b[k];
    aa += double{a[k]} * a[k];
    bb += double{b[k]} * b[k];
  }
  return ab / std::sqrt(aa * bb);
}

// --- FoldInConfigFromLabels ----------------------------------------------

TEST(FoldInConfigTest, AbsentLabelsKeepTheTrainersDefaults) {
  ASSERT_OK_AND_ASSIGN(FoldInConfig config, FoldInConfigFromLabels({}));
  EXPECT_EQ(config.regularization, 10.0f);
  EXPECT_EQ(config.alpha, 1.0f);
  EXPECT_EQ(config.cg_steps, 3);
  EXPECT_EQ(data::FormatEventWeights(config.weights),
            data::FormatEventWeights(data::EventWeights{}));
  EXPECT_EQ(config.training_end, absl::InfinitePast());
}

TEST(FoldInConfigTest, ReadsTheTrainersLabels) {
  ASSERT_OK_AND_ASSIGN(
      FoldInConfig config,
      FoldInConfigFromLabels({{"regularization", "0.25"},
                              {"alpha", "40"},
                              {"cg_steps", "5"},
                              {"event_weights", "view=0.5,close=1,decline=3"},
                              {"data_max_time", "2024-03-01T10:00:00Z"},
                              {"trainer", "ignored"}}));
  EXPECT_EQ(config.regularization, 0.25f);
  EXPECT_EQ(config.alpha, 40.0f);
  EXPECT_EQ(config.cg_steps, 5);
  EXPECT_EQ(config.weights.view, 0.5f);
  EXPECT_EQ(config.weights.close, 1.0f);
  EXPECT_EQ(config.weights.decline, 3.0f);
  EXPECT_EQ(config.weights.purchase, data::EventWeights{}.purchase);
  EXPECT_EQ(config.training_end, absl::FromUnixSeconds(1709287200));
}

TEST(FoldInConfigTest, RejectsMalformedLabelsNamingThem) {
  const std::pair<const char*, const char*> bad[] = {
      {"regularization", "ten"},
      {"regularization", "-1"},
      {"regularization", "nan"},
      {"alpha", "inf"},
      {"alpha", ""},
      {"cg_steps", "0"},
      {"cg_steps", "2.5"},
      {"event_weights", "like=3"},
      {"event_weights", "view=-1"},
      {"data_max_time", "yesterday"},
  };
  for (const auto& [label, value] : bad) {
    EXPECT_THAT(FoldInConfigFromLabels({{label, value}}),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(label)))
        << label << "=" << value;
  }
}

// --- The interaction row --------------------------------------------------

class TrainerRowTest : public ::testing::TestWithParam<bool> {};

TEST_P(TrainerRowTest, BuildInteractionRowEqualsTheTrainersMatrixRow) {
  const EventLog log = RandomEvents(7, /*declines=*/GetParam());
  data::EventWeights weights;
  weights.view = 0.1f;  // Sums of 0.1 round: the order of adding shows.
  weights.apply = 0.7f;
  const als::InteractionMatrix m = TrainerMatrix(log, weights);
  const als::FactorMatrix items = als::FactorMatrix::Ones(kProducts, 2);
  auto version = VersionOf(log, items);
  InteractionRow row;
  int closes = 0;
  for (int u = 0; u < kCustomers; ++u) {
    BuildInteractionRow(*version, log.events[u], weights, &row);
    // The matrix may store a cell whose events cancel out; lib/als reads a
    // stored 0 as no entry, and the row leaves it out.
    std::vector<int32_t> want_items;
    std::vector<float> want_values;
    for (size_t k = 0; k < m.by_user().RowIndices(u).size(); ++k) {
      if (m.by_user().RowValues(u)[k] == 0) continue;
      want_items.push_back(m.by_user().RowIndices(u)[k]);
      want_values.push_back(m.by_user().RowValues(u)[k]);
    }
    ASSERT_EQ(row.items, want_items) << "customer " << u;
    // Bit for bit: the same float sums in the same order.
    ASSERT_EQ(row.values, want_values) << "customer " << u;
    for (const CustomerEvent& e : log.events[u]) {
      if (e.event == data::Event::kClose) ++closes;
    }
  }
  // The log exercises zero weights (close) and unknown products.
  EXPECT_GT(closes, 0);
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutDeclines, TrainerRowTest,
                         ::testing::Bool());

TEST(BuildInteractionRowTest, SumsPerProductSkipsZerosAndUnknownProducts) {
  auto version = HandBuilt({1, 0, 0, 1, 1, 1});  // A, B, C.
  const data::EventWeights weights;              // view 1, purchase 5.
  const CustomerEvent events[] = {
      {"C", data::Event::kView},  {"A", data::Event::kView},
      {"Z", data::Event::kOpen},  {"C", data::Event::kPurchase},
      {"B", data::Event::kClose}, {"C", data::Event::kView},
  };
  const InteractionRow row = BuildInteractionRow(*version, events, weights);
  EXPECT_THAT(row.items, ElementsAre(0, 2));
  EXPECT_THAT(row.values, ElementsAre(1.0f, 7.0f));
}

TEST(BuildInteractionRowTest, DeclinesCountAgainstAndCancellingOutLeavesNone) {
  auto version = HandBuilt({1, 0, 0, 1, 1, 1});
  data::EventWeights weights;
  weights.decline = 3;  // accept 2, view 1, purchase 5.
  const CustomerEvent events[] = {
      {"A", data::Event::kPurchase},  // A: 5 - 3 = 2.
      {"A", data::Event::kDecline},   //
      {"B", data::Event::kView},      // B: 1 - 3 = -2, a refusal.
      {"B", data::Event::kDecline},   //
      {"C", data::Event::kDecline},   // C: -3 + 2 + 1 = 0, no entry.
      {"C", data::Event::kAccept},    //
      {"C", data::Event::kView},
  };
  const InteractionRow row = BuildInteractionRow(*version, events, weights);
  EXPECT_THAT(row.items, ElementsAre(0, 1));
  EXPECT_THAT(row.values, ElementsAre(2.0f, -2.0f));
}

TEST(AggregateItemWeightsTest, SumsInInputOrderAndKeepsNonzeroSums) {
  // In float, (1e8 + 1) + -1e8 is 0 but (1e8 + -1e8) + 1 is 1: the input
  // order decides, as in InteractionMatrix::Create.
  const ItemWeight cells[] = {{3, 1e8f},  {1, 2.0f},  {3, 1.0f},
                              {3, -1e8f}, {5, 0.0f},  {4, 1e8f},
                              {6, -2.0f}, {4, -1e8f}, {4, 1.0f}};
  InteractionRow row;
  AggregateItemWeights(cells, &row);
  EXPECT_THAT(row.items, ElementsAre(1, 4, 6));
  EXPECT_THAT(row.values, ElementsAre(2.0f, 1.0f, -2.0f));
  AggregateItemWeights({}, &row);
  EXPECT_TRUE(row.items.empty());
  EXPECT_TRUE(row.values.empty());
}

// --- FoldIn -------------------------------------------------------------

class FoldInParityTest : public ::testing::TestWithParam<als::Solver> {};

TEST_P(FoldInParityTest, SolvesTheTrainersRowAndApproachesItsFactor) {
  const EventLog log = RandomEvents(11, /*declines=*/true);
  const data::EventWeights weights;
  const als::InteractionMatrix m = TrainerMatrix(log, weights);
  const als::AlsOptions options = TrainingOptions(GetParam());
  ASSERT_OK_AND_ASSIGN(als::AlsModel trained, als::TrainImplicit(m, options));
  auto version = VersionOf(log, trained.item_factors);
  const FoldInConfig config = ConfigOf(options);

  als::AlsOptions exact = options;
  exact.solver = als::Solver::kCholesky;
  const als::FactorMatrix yty = als::ComputeGramian(trained.item_factors, 1);
  InteractionRow row;
  int folded = 0;
  double min_cosine = 1;
  for (int u = 0; u < kCustomers; ++u) {
    BuildInteractionRow(*version, log.events[u], weights, &row);
    if (row.items.empty()) continue;
    ++folded;
    ASSERT_OK_AND_ASSIGN(std::vector<float> x, FoldIn(*version, config, row));
    ASSERT_OK_AND_ASSIGN(
        Eigen::VectorXf want,
        als::SolveUserRow(trained.item_factors, yty, m.by_user().RowIndices(u),
                          m.by_user().RowValues(u), exact));
    ASSERT_EQ(x.size(), static_cast<size_t>(options.factors));
    for (int k = 0; k < options.factors; ++k) {
      ASSERT_NEAR(x[k], want[k], 1e-5)
          << "customer " << u << " component " << k;
    }
    // Training's last user factors were solved against the item factors
    // of the iteration before; after 40 iterations those have settled.
    const Eigen::VectorXf trained_x = trained.user_factors.row(u).transpose();
    min_cosine = std::min(
        min_cosine,
        Cosine(x, absl::MakeConstSpan(trained_x.data(), trained_x.size())));
  }
  EXPECT_GT(folded, kCustomers / 2);
  EXPECT_GT(min_cosine, 0.99);
}

INSTANTIATE_TEST_SUITE_P(BothTrainingSolvers, FoldInParityTest,
                         ::testing::Values(als::Solver::kConjugateGradient,
                                           als::Solver::kCholesky));

TEST(FoldInTest, AVersionsOwnGramianIsTheTrainers) {
  // The ModelVersion's own gramian (params.gramian empty) equals the
  // trainer's, so versions built without it fold in the same.
  const EventLog log = RandomEvents(3, /*declines=*/false);
  std::mt19937_64 rng(5);
  std::normal_distribution<float> normal;
  als::FactorMatrix items(kProducts, 64);
  for (int64_t k = 0; k < items.size(); ++k) items.data()[k] = normal(rng);
  model::ModelVersionParams p;
  p.rank = 64;
  for (const std::string& id : log.product_ids) {
    p.catalog.push_back({id, id, "cards"});
    p.popularity.push_back(0);
  }
  p.item_factors.assign(items.data(), items.data() + items.size());
  ASSERT_OK_AND_ASSIGN(auto computed, model::ModelVersion::Create(p));
  EXPECT_TRUE(computed->gramian() == als::ComputeGramian(items, 1));
}

TEST(FoldInTest, EmptyRowIsAFailedPrecondition) {
  auto version = HandBuilt({1, 0, 0, 1});
  EXPECT_THAT(FoldIn(*version, FoldInConfig(), InteractionRow()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // Only events of unknown products or with zero weight: nothing either.
  const CustomerEvent events[] = {{"Z", data::Event::kOpen},
                                  {"A", data::Event::kClose}};
  EXPECT_THAT(FoldIn(*version, FoldInConfig(),
                     BuildInteractionRow(*version, events, {})),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(FoldInTest, RejectsMalformedRowsAndConfigs) {
  auto version = HandBuilt({1, 0, 0, 1});
  InteractionRow out_of_range;
  out_of_range.items = {2};
  out_of_range.values = {1};
  InteractionRow sizes;
  sizes.items = {0, 1};
  sizes.values = {1};
  InteractionRow nan;
  nan.items = {0};
  nan.values = {std::numeric_limits<float>::quiet_NaN()};
  for (const InteractionRow& row : {out_of_range, sizes, nan}) {
    EXPECT_THAT(FoldIn(*version, FoldInConfig(), row),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(ScoreContributions(*version, FoldInConfig(), row, 0),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
  InteractionRow good;
  good.items = {0};
  good.values = {1};
  FoldInConfig config;
  config.alpha = -1;
  EXPECT_THAT(FoldIn(*version, config, good),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ScoreContributions(*version, FoldInConfig(), good, 2),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ExplainScore(*version, FoldInConfig(), good, 0, -1),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// --- Explanations -------------------------------------------------------

TEST(ExplainScoreTest, NamesTheProductsBehindAScoreOnAHandBuiltModel) {
  // A = (1,0), B = (0,1), C = (2,0) parallel to A, D = (1,1), E = (1,-1):
  // YtY = diag(7, 3). Row: A r=1, B r=2; alpha 1, lambda 1:
  // W = diag(7+1+1, 3+2+1) = diag(9, 6), b = 2 A + 3 B = (2, 3),
  // x = (2/9, 1/2).
  auto version = HandBuilt({1, 0, 0, 1, 2, 0, 1, 1, 1, -1});
  FoldInConfig config;
  config.regularization = 1;
  config.alpha = 1;
  InteractionRow row;
  row.items = {0, 1};
  row.values = {1, 2};
  ASSERT_OK_AND_ASSIGN(std::vector<float> x, FoldIn(*version, config, row));
  EXPECT_NEAR(x[0], 2.0 / 9, 1e-6);
  EXPECT_NEAR(x[1], 0.5, 1e-6);

  // C's score 4/9 comes from A alone: c_A y_C^T W^-1 y_A = 2 * 2/9.
  ASSERT_OK_AND_ASSIGN(std::vector<Contribution> c,
                       ExplainScore(*version, config, row, 2, 5));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].item, 0);
  EXPECT_NEAR(c[0].weight, 4.0 / 9, 1e-12);
  // D = A + B scores 2/9 from A and 3/6 from B, B first.
  ASSERT_OK_AND_ASSIGN(c, ExplainScore(*version, config, row, 3, 5));
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].item, 1);
  EXPECT_NEAR(c[0].weight, 0.5, 1e-12);
  EXPECT_EQ(c[1].item, 0);
  EXPECT_NEAR(c[1].weight, 2.0 / 9, 1e-12);
  ASSERT_OK_AND_ASSIGN(c, ExplainScore(*version, config, row, 3, 1));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].item, 1);
  ASSERT_OK_AND_ASSIGN(c, ExplainScore(*version, config, row, 3, 0));
  EXPECT_TRUE(c.empty());
  // E = A - B: A speaks for it (2/9), B against (-1/2) and is left out.
  ASSERT_OK_AND_ASSIGN(std::vector<Contribution> all,
                       ScoreContributions(*version, config, row, 4));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_NEAR(all[0].weight, 2.0 / 9, 1e-12);
  EXPECT_NEAR(all[1].weight, -0.5, 1e-12);
  ASSERT_OK_AND_ASSIGN(c, ExplainScore(*version, config, row, 4, 5));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].item, 0);
}

TEST(ExplainScoreTest, ADeclinedProductScoresLowerAndExplainsNothing) {
  // The model above; the row also declines C (r = -1): W gains
  // alpha |r| y_C y_C^T = diag(4, 0), so W = diag(13, 6), b is unchanged
  // (preference 0) and x = (2/13, 1/2).
  auto version = HandBuilt({1, 0, 0, 1, 2, 0, 1, 1, 1, -1});
  FoldInConfig config;
  config.regularization = 1;
  config.alpha = 1;
  InteractionRow row;
  row.items = {0, 1, 2};
  row.values = {1, 2, -1};
  ASSERT_OK_AND_ASSIGN(std::vector<float> x, FoldIn(*version, config, row));
  EXPECT_NEAR(x[0], 2.0 / 13, 1e-6);  // C scores 4/13, not 4/9.
  EXPECT_NEAR(x[1], 0.5, 1e-6);
  ASSERT_OK_AND_ASSIGN(std::vector<Contribution> all,
                       ScoreContributions(*version, config, row, 2));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_NEAR(all[0].weight, 4.0 / 13, 1e-12);
  EXPECT_EQ(all[1].weight, 0);
  EXPECT_EQ(all[2].item, 2);
  EXPECT_EQ(all[2].weight, 0);
  ASSERT_OK_AND_ASSIGN(std::vector<Contribution> top,
                       ExplainScore(*version, config, row, 2, 5));
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].item, 0);
}

TEST(ExplainScoreTest, LeavesOutProductsThatCountAgainst) {
  // A = (1,0), B = (1,1), C = (-1,1). C's score from a row {A, B}: A's
  // contribution is negative (C points away from A).
  auto version = HandBuilt({1, 0, 1, 1, -1, 1});
  FoldInConfig config;
  config.regularization = 0.5f;
  config.alpha = 3;
  InteractionRow row;
  row.items = {0, 1};
  row.values = {1, 1};
  ASSERT_OK_AND_ASSIGN(std::vector<Contribution> all,
                       ScoreContributions(*version, config, row, 2));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_LT(all[0].weight, 0);
  EXPECT_GT(all[1].weight, 0);
  ASSERT_OK_AND_ASSIGN(std::vector<Contribution> top,
                       ExplainScore(*version, config, row, 2, 5));
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].item, 1);
  EXPECT_EQ(top[0].weight, all[1].weight);
}

TEST(ExplainScoreTest, ContributionsSumToTheFoldInScore) {
  const EventLog log = RandomEvents(13, /*declines=*/true);
  const data::EventWeights weights;
  als::AlsOptions options = TrainingOptions(als::Solver::kConjugateGradient);
  options.iterations = 10;
  ASSERT_OK_AND_ASSIGN(
      als::AlsModel trained,
      als::TrainImplicit(TrainerMatrix(log, weights), options));
  auto version = VersionOf(log, trained.item_factors);
  const FoldInConfig config = ConfigOf(options);
  InteractionRow row;
  int checked = 0;
  for (int u = 0; u < kCustomers; u += 5) {
    BuildInteractionRow(*version, log.events[u], weights, &row);
    if (row.items.size() < 2) continue;
    ASSERT_OK_AND_ASSIGN(std::vector<float> x, FoldIn(*version, config, row));
    for (int32_t item = 0; item < kProducts; ++item) {
      double score = 0;
      for (int k = 0; k < options.factors; ++k) {
        score += double{x[k]} * trained.item_factors(item, k);
      }
      ASSERT_OK_AND_ASSIGN(std::vector<Contribution> all,
                           ScoreContributions(*version, config, row, item));
      ASSERT_EQ(all.size(), row.items.size());
      double sum = 0;
      for (size_t k = 0; k < all.size(); ++k) {
        EXPECT_EQ(all[k].item, row.items[k]);
        sum += all[k].weight;
      }
      // The fold-in is float: agreement to float rounding of the score.
      EXPECT_NEAR(sum, score, 1e-5 * (1 + std::abs(score)))
          << "customer " << u << " item " << item;
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

// --- EASE ------------------------------------------------------------------

// An EASE version of log's products from a trained model, loaded the way
// the server loads it (no gramian).
std::shared_ptr<const model::ModelVersion> EaseVersionOf(
    const EventLog& log, const als::FactorMatrix& items) {
  model::ModelVersionParams p;
  p.kind = model::ModelKind::kEase;
  p.model_name = "nbo";
  p.version = 1;
  p.rank = static_cast<int32_t>(items.cols());
  for (const std::string& id : log.product_ids) {
    p.catalog.push_back({id, id, "cards"});
    p.popularity.push_back(0);
  }
  p.item_factors.assign(items.data(), items.data() + items.size());
  absl::StatusOr<std::shared_ptr<const model::ModelVersion>> v =
      model::ModelVersion::Create(std::move(p));
  EXPECT_THAT(v, IsOk());
  return v.ok() ? *v : nullptr;
}

TEST(EaseFoldInTest, EqualsTheTrainersVectorAndScoresBitForBit) {
  const EventLog log = RandomEvents(21, /*declines=*/true);
  const data::EventWeights weights;
  ASSERT_OK_AND_ASSIGN(
      const als::EaseModel trained,
      als::TrainEase(TrainerMatrix(log, weights), als::EaseOptions()));
  auto version = EaseVersionOf(log, trained.item_factors);
  // Labels an ALS fold-in would need are irrelevant: EASE has no solve.
  FoldInConfig config;
  config.regularization = -1;
  InteractionRow row;
  int folded = 0;
  for (int u = 0; u < kCustomers; ++u) {
    BuildInteractionRow(*version, log.events[u], weights, &row);
    if (row.items.empty()) continue;
    ASSERT_OK_AND_ASSIGN(std::vector<float> x, FoldIn(*version, config, row));
    const auto want = trained.user_factors.row(u);
    ASSERT_EQ(x.size(), static_cast<size_t>(kProducts));
    for (int j = 0; j < kProducts; ++j) {
      ASSERT_EQ(x[j], want[j]) << "customer " << u << " product " << j;
    }
    const std::vector<float> trainer_vector(want.data(),
                                            want.data() + want.size());
    const auto a = version->TopN(x, kProducts);
    const auto b = version->TopN(trainer_vector, kProducts);
    for (int k = 0; k < kProducts; ++k) {
      EXPECT_EQ(a[k].index, b[k].index);
      EXPECT_EQ(a[k].score, b[k].score);
    }
    ++folded;
  }
  EXPECT_GT(folded, kCustomers / 2);
}

TEST(EaseFoldInTest, ContributionsAreTheScoresTermsAndSumToIt) {
  const EventLog log = RandomEvents(22, /*declines=*/true);
  const data::EventWeights weights;
  ASSERT_OK_AND_ASSIGN(
      const als::EaseModel trained,
      als::TrainEase(TrainerMatrix(log, weights), als::EaseOptions()));
  auto version = EaseVersionOf(log, trained.item_factors);
  InteractionRow row;
  int checked = 0;
  for (int u = 0; u < kCustomers; u += 3) {
    BuildInteractionRow(*version, log.events[u], weights, &row);
    if (row.items.size() < 2) continue;
    ASSERT_OK_AND_ASSIGN(std::vector<float> x,
                         FoldIn(*version, FoldInConfig(), row));
    const std::vector<model::ScoredProduct> scored =
        version->TopN(x, kProducts);
    for (const model::ScoredProduct& s : scored) {
      ASSERT_OK_AND_ASSIGN(
          std::vector<Contribution> all,
          ScoreContributions(*version, FoldInConfig(), row, s.index));
      ASSERT_EQ(all.size(), row.items.size());
      double sum = 0;
      for (size_t k = 0; k < all.size(); ++k) {
        EXPECT_EQ(all[k].item, row.items[k]);
        // x_uj B[j][i]; a refused product (net < 0) and the item itself
        // contribute nothing.
        const double want =
            row.values[k] > 0 ? double{row.values[k]} *
                                    trained.item_factors(s.index, row.items[k])
                              : 0.0;
        EXPECT_EQ(all[k].weight, want);
        if (row.items[k] == s.index) {
          EXPECT_EQ(all[k].weight, 0.0);
        }
        sum += all[k].weight;
      }
      EXPECT_NEAR(sum, s.score, 1e-5 * (1 + std::abs(s.score)));
      ++checked;
    }
    // ExplainScore keeps the positive ones, largest first.
    ASSERT_OK_AND_ASSIGN(
        std::vector<Contribution> top,
        ExplainScore(*version, FoldInConfig(), row, scored[0].index, 2));
    ASSERT_FALSE(top.empty());
    EXPECT_GT(top[0].weight, 0);
    if (top.size() == 2) {
      EXPECT_GE(top[0].weight, top[1].weight);
    }
  }
  EXPECT_GT(checked, 0);
}

TEST(EaseFoldInTest, AStoredFactorGivesBackItsRowOnlyForEase) {
  const EventLog log = RandomEvents(24, /*declines=*/true);
  const data::EventWeights weights;
  const als::InteractionMatrix matrix = TrainerMatrix(log, weights);
  ASSERT_OK_AND_ASSIGN(const als::EaseModel trained,
                       als::TrainEase(matrix, als::EaseOptions()));
  auto version = EaseVersionOf(log, trained.item_factors);
  int checked = 0;
  for (int u = 0; u < kCustomers; ++u) {
    const auto stored = trained.user_factors.row(u);
    const std::vector<float> factor(stored.data(),
                                    stored.data() + stored.size());
    std::optional<InteractionRow> row = RowOfFactor(*version, factor);
    ASSERT_TRUE(row.has_value());
    if (row->items.empty()) continue;
    ASSERT_OK_AND_ASSIGN(std::vector<float> x,
                         FoldIn(*version, FoldInConfig(), *row));
    EXPECT_EQ(x, factor) << "customer " << u;
    ++checked;
  }
  EXPECT_GT(checked, 0);
  auto als_version = HandBuilt({1, 0, 0, 1});
  const float als_factor[] = {0.5f, 0.5f};
  EXPECT_FALSE(RowOfFactor(*als_version, als_factor).has_value());
}

TEST(EaseFoldInTest, AnEmptyRowIsAFailedPrecondition) {
  const EventLog log = RandomEvents(23, /*declines=*/false);
  ASSERT_OK_AND_ASSIGN(const als::EaseModel trained,
                       als::TrainEase(TrainerMatrix(log, data::EventWeights{}),
                                      als::EaseOptions()));
  auto version = EaseVersionOf(log, trained.item_factors);
  EXPECT_THAT(FoldIn(*version, FoldInConfig(), InteractionRow()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  InteractionRow bad;
  bad.items = {kProducts};
  bad.values = {1};
  EXPECT_THAT(ScoreContributions(*version, FoldInConfig(), bad, 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// --- Similar products ---------------------------------------------------

TEST(SimilarProductsTest, RanksByCosineWithTiesInCatalogOrder) {
  // A = (1,0), B = (0,1), C = (2,0), D = (0,0), E = (-1,0), F = (1,1).
  auto version = HandBuilt({1, 0, 0, 1, 2, 0, 0, 0, -1, 0, 1, 1});
  std::vector<model::ScoredProduct> similar = SimilarProducts(*version, 0, 10);
  ASSERT_EQ(similar.size(), 5u);  // k beyond the catalog: all the others.
  const int32_t order[] = {2, 5, 1, 3, 4};
  const double cosine[] = {1, std::sqrt(0.5), 0, 0, -1};
  for (int k = 0; k < 5; ++k) {
    EXPECT_EQ(similar[k].index, order[k]) << k;
    EXPECT_NEAR(similar[k].score, cosine[k], 1e-6) << k;
  }
  similar = SimilarProducts(*version, 0, 2);
  ASSERT_EQ(similar.size(), 2u);
  EXPECT_EQ(similar[0].index, 2);
  EXPECT_EQ(similar[1].index, 5);
}

TEST(SimilarProductsTest, AZeroFactorIsSimilarToNothing) {
  auto version = HandBuilt({1, 0, 0, 1, 2, 0, 0, 0, -1, 0, 1, 1});
  const std::vector<model::ScoredProduct> similar =
      SimilarProducts(*version, 3, 10);
  ASSERT_EQ(similar.size(), 5u);
  const int32_t order[] = {0, 1, 2, 4, 5};
  for (int k = 0; k < 5; ++k) {
    EXPECT_EQ(similar[k].index, order[k]);
    EXPECT_EQ(similar[k].score, 0);
  }
}

TEST(SimilarProductsTest, NothingForNoRoomOrAnUnknownItem) {
  auto version = HandBuilt({1, 0, 0, 1});
  EXPECT_TRUE(SimilarProducts(*version, 0, 0).empty());
  EXPECT_TRUE(SimilarProducts(*version, 2, 3).empty());
  EXPECT_TRUE(SimilarProducts(*version, -1, 3).empty());
  EXPECT_EQ(SimilarProducts(*version, 0, 3).size(), 1u);
  auto single = HandBuilt({1, 0});
  EXPECT_TRUE(SimilarProducts(*single, 0, 3).empty());
}

// --- Loading ------------------------------------------------------------

class FoldInLoadTest : public testing::ServingTest {};

TEST_F(FoldInLoadTest, LoadedVersionsCarryLabelsAndTheTrainersGramian) {
  testing::TestModel model;
  std::vector<nbo::v1::PublishModelRequest> stream = model.Stream();
  auto& labels =
      *stream[0].mutable_header()->mutable_metadata()->mutable_labels();
  labels["alpha"] = "2.5";
  labels["event_weights"] = "view=3";
  ASSERT_THAT(testing::Publish(manager_.get(), store_.get(), stream), IsOk());
  ASSERT_OK_AND_ASSIGN(Route route, manager_->Resolve({}, "C0000001"));
  const model::ModelVersion& version = *route.version;
  EXPECT_EQ(version.labels().at("alpha"), "2.5");
  ASSERT_OK_AND_ASSIGN(FoldInConfig config,
                       FoldInConfigFromLabels(version.labels()));
  EXPECT_EQ(config.alpha, 2.5f);
  EXPECT_EQ(config.weights.view, 3.0f);
  EXPECT_TRUE(version.gramian() ==
              als::ComputeGramian(version.item_matrix(), 1));
}

}  // namespace
}  // namespace nbo::serving
