// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The second stage's candidates compared on the same data (issue 13 section
// 3): the per-product logistic model (lib/eval/propensity_fit.h) and, when
// built with -DNBO_BUILD_XGBOOST_BENCH=ON, gradient-boosted trees (Debian's
// libxgboost-dev C API). Not linked into any server.
//
//   propensity_bench DATA_DIR [fit_fraction=0.7] [logistic]
//
// With "logistic" as the third argument, xgboost is skipped.
//
// DATA_DIR holds customers.csv, products.csv and transactions.csv (`nboctl
// datagen`). The protocol is the NBO split's: cutoff 90 days before the end
// of the data; ALS (the trainer's defaults: 8 factors, regularization 10,
// alpha 1, 15 iterations) learns from the events before it; every customer
// active before the window end gets one pair per product not held at the
// cutoff, positive when opened in the window. Customers are split by a hash
// of their index: fit_fraction of them fit each model, the rest are held
// out. Printed per model, on held-out customers: log loss, AUC, Brier, ECE
// (10 equal-mass bins), MAP@7 of ranking candidates by propensity, and the
// prediction cost per Recommend of 24 candidates (process CPU, one thread).

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/als/als.h"
#include "lib/als/interaction_matrix.h"
#include "lib/data/bank_data.h"
#include "lib/eval/calibration_metrics.h"
#include "lib/eval/propensity_features.h"
#include "lib/eval/propensity_fit.h"
#include "lib/training/split_phase.h"

#ifdef NBO_WITH_XGBOOST
#include "xgboost/c_api.h"
#endif

namespace nbo {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// CPU seconds of the whole process (every thread): prediction costs are
// measured in CPU, which other work on a shared machine does not inflate.
double CpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

[[noreturn]] void Die(const absl::Status& status) {
  std::fprintf(stderr, "propensity_bench: %s\n", status.ToString().c_str());
  std::exit(1);
}

// The examples of one side (fit or held out), grouped by customer.
struct Side {
  std::vector<eval::PropensityExample> examples;
  // examples of customer k are [starts[k], starts[k + 1]).
  std::vector<size_t> starts = {0};
};

struct Bench {
  data::BankData data;
  eval::Split split;
  als::AlsModel als;
  Side fit, held_out;
};

absl::Status ReadAndSplit(const std::string& dir, Bench* b) {
  data::BankDataOptions options;
  options.customers_path = dir + "/customers.csv";
  options.products_path = dir + "/products.csv";
  options.transactions_path = dir + "/transactions.csv";
  absl::StatusOr<data::BankData> data = data::ReadBankData(options);
  if (!data.ok()) return data.status();
  b->data = *std::move(data);
  const training::SplitInputs inputs =
      training::SplitInputsFromBankData(b->data);
  eval::SplitOptions split_options;
  split_options.kind = eval::SplitKind::kNbo;
  split_options.num_users = static_cast<int32_t>(b->data.customer_ids.size());
  split_options.num_items = static_cast<int32_t>(b->data.products.size());
  absl::StatusOr<eval::Split> split =
      training::SplitForEvaluation(inputs, split_options);
  if (!split.ok()) return split.status();
  b->split = *std::move(split);
  return absl::OkStatus();
}

absl::Status TrainAls(Bench* b) {
  std::vector<als::Interaction> cells;
  cells.reserve(b->split.train.size());
  for (const eval::Interaction& in : b->split.train) {
    cells.push_back({in.user, in.item, static_cast<float>(in.weight)});
  }
  absl::StatusOr<als::InteractionMatrix> matrix =
      als::InteractionMatrix::Create(b->split.num_users, b->split.num_items,
                                     cells);
  if (!matrix.ok()) return matrix.status();
  als::AlsOptions options;
  options.factors = 8;
  options.regularization = 10;
  options.alpha = 1;
  options.iterations = 15;
  options.compute_loss = false;
  absl::StatusOr<als::AlsModel> model = als::TrainImplicit(*matrix, options);
  if (!model.ok()) return model.status();
  b->als = *std::move(model);
  return absl::OkStatus();
}

// The NBO split's examples (eval::PropensityExamplesFromSplit, what the
// training pipeline uses), each customer's sent to one side.
absl::Status MakeExamples(double fit_fraction, Bench* b) {
  std::vector<char> has_vector(b->split.num_users, 0);
  for (const eval::Interaction& in : b->split.train) has_vector[in.user] = 1;
  absl::StatusOr<std::vector<eval::PropensityExample>> all =
      eval::PropensityExamplesFromSplit(
          b->split, [&](int32_t u, int32_t i) -> std::optional<float> {
            if (!has_vector[u]) return std::nullopt;
            return b->als.user_factors.row(u).dot(b->als.item_factors.row(i));
          });
  if (!all.ok()) return all.status();
  for (size_t begin = 0; begin < all->size();) {
    const int32_t u = (*all)[begin].user;
    size_t end = begin;
    while (end < all->size() && (*all)[end].user == u) ++end;
    // A fixed hash of the index: the same customers on every run.
    const uint64_t h =
        (uint64_t{static_cast<uint32_t>(u)} * 0x9E3779B97F4A7C15u) >> 11;
    Side& side = (h % 1000) < fit_fraction * 1000 ? b->fit : b->held_out;
    side.examples.insert(side.examples.end(), all->begin() + begin,
                         all->begin() + end);
    side.starts.push_back(side.examples.size());
    begin = end;
  }
  return absl::OkStatus();
}

struct Quality {
  double log_loss = 0, auc = 0, brier = 0, ece = 0, map7 = 0;
  double max_bin_gap = 0;
};

double Auc(const Side& side, const std::vector<double>& p) {
  std::vector<size_t> order(p.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return p[a] < p[b]; });
  double rank_sum = 0, positives = 0;
  for (size_t k = 0; k < order.size();) {
    size_t end = k;
    while (end < order.size() && p[order[end]] == p[order[k]]) ++end;
    const double mid_rank = (k + end + 1) / 2.0;  // 1-based ranks k+1..end.
    for (size_t j = k; j < end; ++j) {
      if (side.examples[order[j]].positive) {
        rank_sum += mid_rank;
        ++positives;
      }
    }
    k = end;
  }
  const double negatives = p.size() - positives;
  return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

// MAP@7 over the customers with a positive, ranking each one's candidates
// by p.
double MapAt7(const Side& side, const std::vector<double>& p) {
  double sum = 0;
  int64_t users = 0;
  for (size_t k = 0; k + 1 < side.starts.size(); ++k) {
    std::vector<size_t> idx;
    int positives = 0;
    for (size_t i = side.starts[k]; i < side.starts[k + 1]; ++i) {
      idx.push_back(i);
      positives += side.examples[i].positive ? 1 : 0;
    }
    if (positives == 0) continue;
    std::stable_sort(idx.begin(), idx.end(),
                     [&](size_t a, size_t b) { return p[a] > p[b]; });
    double hits = 0, ap = 0;
    for (size_t r = 0; r < idx.size() && r < 7; ++r) {
      if (side.examples[idx[r]].positive) ap += ++hits / (r + 1);
    }
    sum += ap / std::min(positives, 7);
    ++users;
  }
  return users == 0 ? 0 : sum / users;
}

Quality Measure(const Side& side, const std::vector<double>& p) {
  Quality q;
  std::vector<eval::PropensityOutcome> outcomes;
  outcomes.reserve(p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    const double c = std::clamp(p[i], 1e-12, 1 - 1e-12);
    q.log_loss -= side.examples[i].positive ? std::log(c) : std::log(1 - c);
    outcomes.push_back({p[i], side.examples[i].positive});
  }
  q.log_loss /= p.size();
  q.auc = Auc(side, p);
  q.map7 = MapAt7(side, p);
  absl::StatusOr<eval::CalibrationMetrics> c =
      eval::MeasureCalibration(std::move(outcomes), {});
  if (!c.ok()) Die(c.status());
  q.brier = c->brier;
  q.ece = c->ece;
  for (const eval::ReliabilityBin& bin : c->bins) {
    q.max_bin_gap =
        std::max(q.max_bin_gap, std::abs(bin.predicted - bin.observed));
  }
  std::printf("    reliability (predicted / observed / pairs):");
  for (const eval::ReliabilityBin& bin : c->bins) {
    std::printf(" %.4f/%.4f/%lld", bin.predicted, bin.observed,
                static_cast<long long>(bin.count));
  }
  std::printf("\n");
  return q;
}

void Report(const char* name, const Quality& q, double fit_seconds,
            double us_per_recommend) {
  std::printf(
      "%-10s log_loss %.5f  AUC %.4f  Brier %.5f  ECE %.5f  max|gap| %.4f  "
      "MAP@7 %.4f  fit %.1f s  predict %.2f us/Recommend(24)\n",
      name, q.log_loss, q.auc, q.brier, q.ece, q.max_bin_gap, q.map7,
      fit_seconds, us_per_recommend);
}

// Cold start: every held-out customer as if they had only their profile
// (no vector, no history: what STRATEGY_PROFILE serves), ranked by the
// profile-only propensity vs by global popularity (the fit side's take-up
// rate); MAP@7 over the customers who took something.
void ReportProfileOnly(const Bench& b, const eval::PropensityFeatures& f,
                       const model::PropensityModel& m) {
  std::vector<double> taken(b.split.num_items, 0),
      offered(b.split.num_items, 0);
  for (const eval::PropensityExample& e : b.fit.examples) {
    offered[e.item] += 1;
    taken[e.item] += e.positive ? 1 : 0;
  }
  const Side& side = b.held_out;
  std::vector<double> profile(side.examples.size()), popularity(profile.size());
  for (size_t k = 0; k + 1 < side.starts.size(); ++k) {
    if (side.starts[k] == side.starts[k + 1]) continue;
    const model::CustomerCode code =
        m.EncodeCustomer(f.Customer(side.examples[side.starts[k]].user));
    for (size_t i = side.starts[k]; i < side.starts[k + 1]; ++i) {
      const int32_t item = side.examples[i].item;
      profile[i] = m.Propensity(item, code, model::PairInputs{});
      popularity[i] = offered[item] > 0 ? taken[item] / offered[item] : 0;
    }
  }
  std::vector<double> score(profile.size());
  for (size_t i = 0; i < score.size(); ++i) {
    score[i] = side.examples[i].has_score ? side.examples[i].score : -1e30;
  }
  std::printf(
      "baselines on the same held-out customers: MAP@7 ALS score %.4f, "
      "popularity %.4f\n"
      "cold start (held-out customers as profile only): MAP@7 profile %.4f "
      "vs popularity %.4f\n",
      MapAt7(side, score), MapAt7(side, popularity), MapAt7(side, profile),
      MapAt7(side, popularity));
}

// Fits the logistic model, predicts every held-out pair the way the server
// does (customer encoded once per Recommend, then each candidate), timed.
void RunLogistic(const Bench& b, const eval::PropensityFeatures& features) {
  const Clock::time_point start = Clock::now();
  absl::StatusOr<model::PropensityModel> m =
      eval::FitPropensity(features, b.fit.examples, eval::FitOptions{});
  if (!m.ok()) Die(m.status());
  const double fit_seconds = Seconds(start);
  std::vector<double> p(b.held_out.examples.size());
  // Inputs gathered first: the server has them from its customer state.
  std::vector<model::CustomerInputs> customers;
  std::vector<model::PairInputs> pairs(p.size());
  for (size_t k = 0; k + 1 < b.held_out.starts.size(); ++k) {
    customers.push_back(
        features.Customer(b.held_out.examples[b.held_out.starts[k]].user));
  }
  for (size_t i = 0; i < p.size(); ++i) {
    const eval::PropensityExample& e = b.held_out.examples[i];
    pairs[i] = features.Pair(e.user, e.item, e.has_score, e.score);
  }
  const double predict = CpuSeconds();
  for (size_t k = 0; k + 1 < b.held_out.starts.size(); ++k) {
    const model::CustomerCode code = m->EncodeCustomer(customers[k]);
    for (size_t i = b.held_out.starts[k]; i < b.held_out.starts[k + 1]; ++i) {
      p[i] = m->Propensity(b.held_out.examples[i].item, code, pairs[i]);
    }
  }
  const double us = (CpuSeconds() - predict) * 1e6 / p.size() * 24;
  Report("logistic", Measure(b.held_out, p), fit_seconds, us);
  ReportProfileOnly(b, features, *m);
}

#ifdef NBO_WITH_XGBOOST
void Check(int rc) {
  if (rc != 0) Die(absl::InternalError(XGBGetLastError()));
}

// Trees get the raw inputs, not the one-hot encoding: product, score,
// profile numbers, segment and attribute codes, holdings, recency in days,
// strongest event; NaN for unknown.
constexpr int kBaseColumns = 9;

void TreeRow(const eval::PropensityFeatures& f, const model::PropensityModel& m,
             const eval::PropensityExample& e, float* row) {
  const float nan = std::nanf("");
  const model::CustomerInputs c = f.Customer(e.user);
  const model::PairInputs pair = f.Pair(e.user, e.item, e.has_score, e.score);
  const model::CustomerCode code = m.EncodeCustomer(c);
  row[0] = e.item;
  row[1] = e.has_score ? e.score : nan;
  row[2] = c.age.has_value() ? *c.age : nan;
  row[3] = c.income.has_value() ? *c.income : nan;
  row[4] = c.credit_score.has_value() ? *c.credit_score : nan;
  row[5] = code.slots[3] - m.layout().segment();
  row[6] = c.holdings;
  row[7] = pair.seconds_since_interaction.has_value()
               ? *pair.seconds_since_interaction / 86400.0f
               : nan;
  row[8] = static_cast<float>(pair.strongest);
  for (size_t a = 0; a < m.params().attributes.size(); ++a) {
    row[kBaseColumns + a] = code.slots[4 + a] - m.layout().attribute(a);
  }
}

void RunXgboost(const Bench& b, const eval::PropensityFeatures& f) {
  // A zero-weight model only for its encoder (vocabularies).
  model::PropensityParams params = f.schema();
  params.weights.assign(
      params.products.size() * model::PropensityLayout(params).dim(), 0);
  absl::StatusOr<model::PropensityModel> encoder =
      model::PropensityModel::Create(params);
  if (!encoder.ok()) Die(encoder.status());
  const size_t cols = kBaseColumns + params.attributes.size();
  auto matrix = [&](const Side& side, std::vector<float>* out) {
    out->assign(side.examples.size() * cols, 0);
    for (size_t i = 0; i < side.examples.size(); ++i) {
      TreeRow(f, *encoder, side.examples[i], out->data() + i * cols);
    }
  };
  const Clock::time_point start = Clock::now();
  std::vector<float> x;
  matrix(b.fit, &x);
  std::vector<float> y(b.fit.examples.size());
  for (size_t i = 0; i < y.size(); ++i) y[i] = b.fit.examples[i].positive;
  DMatrixHandle train;
  Check(
      XGDMatrixCreateFromMat(x.data(), y.size(), cols, std::nanf(""), &train));
  Check(XGDMatrixSetFloatInfo(train, "label", y.data(), y.size()));
  BoosterHandle booster;
  Check(XGBoosterCreate(&train, 1, &booster));
  for (const auto& [k, v] : std::vector<std::pair<const char*, const char*>>{
           {"objective", "binary:logistic"},
           {"tree_method", "hist"},
           {"max_depth", "6"},
           {"eta", "0.1"},
           {"min_child_weight", "5"},
           {"lambda", "1"},
           {"nthread", "2"},
           {"verbosity", "0"}}) {
    Check(XGBoosterSetParam(booster, k, v));
  }
  for (int iter = 0; iter < 200; ++iter) {
    Check(XGBoosterUpdateOneIter(booster, iter, train));
  }
  const double fit_seconds = Seconds(start);
  Check(XGBoosterSetParam(booster, "nthread", "1"));

  // Prediction as a server would do it: one Recommend's candidates per
  // call, first through a DMatrix, then in place (no DMatrix: the cheapest
  // the C API offers).
  matrix(b.held_out, &x);
  std::vector<double> p(b.held_out.examples.size());
  double predict = CpuSeconds();
  for (size_t k = 0; k + 1 < b.held_out.starts.size(); ++k) {
    const size_t begin = b.held_out.starts[k],
                 n = b.held_out.starts[k + 1] - begin;
    DMatrixHandle one;
    Check(XGDMatrixCreateFromMat(x.data() + begin * cols, n, cols,
                                 std::nanf(""), &one));
    bst_ulong len = 0;
    const float* out = nullptr;
    Check(XGBoosterPredict(booster, one, 0, 0, 0, &len, &out));
    for (size_t i = 0; i < n; ++i) p[begin + i] = out[i];
    Check(XGDMatrixFree(one));
  }
  const double us_dmatrix = (CpuSeconds() - predict) * 1e6 / p.size() * 24;
  const std::string config =
      "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
      "\"iteration_end\": 0, \"strict_shape\": false, \"cache_id\": 0, "
      "\"missing\": NaN}";
  std::vector<double> inplace(p.size());
  predict = CpuSeconds();
  for (size_t k = 0; k + 1 < b.held_out.starts.size(); ++k) {
    const size_t begin = b.held_out.starts[k],
                 n = b.held_out.starts[k + 1] - begin;
    const std::string array = absl::StrCat(
        "{\"data\": [", reinterpret_cast<uintptr_t>(x.data() + begin * cols),
        ", true], \"shape\": [", n, ", ", cols,
        "], \"typestr\": \"<f4\", \"version\": 3}");
    const bst_ulong* shape = nullptr;
    bst_ulong dim = 0;
    const float* out = nullptr;
    Check(XGBoosterPredictFromDense(booster, array.c_str(), config.c_str(),
                                    nullptr, &shape, &dim, &out));
    for (size_t i = 0; i < n; ++i) inplace[begin + i] = out[i];
  }
  const double us = (CpuSeconds() - predict) * 1e6 / p.size() * 24;
  double max_diff = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    max_diff = std::max(max_diff, std::abs(p[i] - inplace[i]));
  }
  std::printf(
      "xgboost    DMatrix per call %.2f us/Recommend(24); in place %.2f (same "
      "predictions within %.1g)\n",
      us_dmatrix, us, max_diff);
  Report("xgboost", Measure(b.held_out, p), fit_seconds, us);
  Check(XGBoosterFree(booster));
  Check(XGDMatrixFree(train));
}
#endif

int Main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: propensity_bench DATA_DIR [fit_fraction]\n");
    return 2;
  }
  const double fit_fraction = argc > 2 ? std::atof(argv[2]) : 0.7;
  Bench b;
  Clock::time_point start = Clock::now();
  if (absl::Status s = ReadAndSplit(argv[1], &b); !s.ok()) Die(s);
  if (absl::Status s = TrainAls(&b); !s.ok()) Die(s);
  if (absl::Status s = MakeExamples(fit_fraction, &b); !s.ok()) Die(s);
  absl::StatusOr<eval::PropensityFeatures> features =
      eval::PropensityFeatures::Create(b.data, b.split.cutoff_unix_seconds, {});
  if (!features.ok()) Die(features.status());
  int64_t positives = 0;
  for (const auto& e : b.held_out.examples) positives += e.positive;
  std::printf(
      "%s: %zu customers, %zu products; fit on %zu pairs, held out %zu pairs "
      "(%lld positive) of %zu customers; data, split and ALS %.1f s\n",
      argv[1], b.data.customer_ids.size(), b.data.products.size(),
      b.fit.examples.size(), b.held_out.examples.size(),
      static_cast<long long>(positives), b.held_out.starts.size() - 1,
      Seconds(start));
  RunLogistic(b, *features);
#ifdef NBO_WITH_XGBOOST
  if (argc > 3 && std::string(argv[3]) == "logistic") return 0;
  RunXgboost(b, *features);
#else
  std::printf("xgboost    not built (-DNBO_BUILD_XGBOOST_BENCH=ON)\n");
#endif
  return 0;
}

}  // namespace
}  // namespace nbo

int main(int argc, char** argv) { return nbo::Main(argc, argv); }
