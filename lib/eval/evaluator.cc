// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/evaluator.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "lib/common/status_macros.h"

namespace nbo::eval {
namespace {

// What one user contributes to the averages.
struct UserFigures {
  bool evaluated = false;
  bool has_auc = false;
  double precision = 0;
  double recall = 0;
  double average_precision = 0;
  double ndcg = 0;
  double auc = 0;
};

// Marks in a per-thread item table.
constexpr char kCandidate = 0;
constexpr char kExcluded = 1;
constexpr char kTest = 2;

// Scores and ranks users [begin, end). Owns nothing shared but writes only
// figures[begin, end) and its own coverage table, so workers never contend.
class Worker {
 public:
  Worker(const Split& split, const std::vector<std::vector<int32_t>>& excluded,
         const ScoreFn& score_fn, int32_t k)
      : split_(split),
        excluded_(excluded),
        score_fn_(score_fn),
        k_(k),
        scores_(split.num_items),
        marks_(split.num_items, kCandidate),
        covered_(split.num_items, 0) {}

  void Run(int32_t begin, int32_t end, std::vector<UserFigures>& figures) {
    for (int32_t u = begin; u < end && status_.ok(); ++u) {
      if (!split_.test[u].empty()) status_ = Score(u, figures[u]);
    }
  }

  const absl::Status& status() const { return status_; }
  const std::vector<char>& covered() const { return covered_; }

 private:
  absl::Status Score(int32_t user, UserFigures& out) {
    std::fill(scores_.begin(), scores_.end(), 0.0f);
    score_fn_(user, absl::MakeSpan(scores_));
    for (int32_t item : excluded_[user]) marks_[item] = kExcluded;
    for (int32_t item : split_.test[user]) marks_[item] = kTest;
    candidates_.clear();
    bool nan = false;
    for (int32_t i = 0; i < split_.num_items; ++i) {
      if (marks_[i] == kExcluded) continue;
      if (std::isnan(scores_[i])) nan = true;
      candidates_.push_back(i);
    }
    if (nan) {
      Reset(user);
      return absl::InvalidArgumentError(
          absl::StrCat("evaluate: score_fn wrote NaN for user ", user));
    }
    std::sort(
        candidates_.begin(), candidates_.end(), [this](int32_t a, int32_t b) {
          return scores_[a] != scores_[b] ? scores_[a] > scores_[b] : a < b;
        });

    const size_t num_test = split_.test[user].size();
    const size_t top = std::min<size_t>(k_, candidates_.size());
    const size_t ideal = std::min<size_t>(k_, num_test);
    size_t hits = 0;
    double sum_precision = 0;
    double dcg = 0;
    for (size_t i = 0; i < top; ++i) {
      int32_t item = candidates_[i];
      covered_[item] = 1;
      if (marks_[item] != kTest) continue;
      ++hits;
      sum_precision += static_cast<double>(hits) / static_cast<double>(i + 1);
      dcg += 1.0 / std::log2(static_cast<double>(i + 2));
    }
    double ideal_dcg = 0;
    for (size_t i = 0; i < ideal; ++i) {
      ideal_dcg += 1.0 / std::log2(static_cast<double>(i + 2));
    }
    out.evaluated = true;
    out.precision = static_cast<double>(hits) / k_;
    out.recall = static_cast<double>(hits) / static_cast<double>(num_test);
    out.average_precision = sum_precision / static_cast<double>(ideal);
    out.ndcg = dcg / ideal_dcg;

    // Mann-Whitney: AUC = (sum of positive ranks - P(P+1)/2) / (P * N) with
    // ascending ranks averaged over ties, which credits a tie with 1/2.
    const size_t n = candidates_.size();
    const double positives = static_cast<double>(num_test);
    const double negatives = static_cast<double>(n) - positives;
    if (negatives > 0) {
      double rank_sum = 0;
      size_t i = 0;
      while (i < n) {
        size_t j = i;
        while (j < n && scores_[candidates_[j]] == scores_[candidates_[i]]) ++j;
        // Descending positions [i, j) are ascending ranks n-j+1 .. n-i.
        const double average_rank =
            (2.0 * static_cast<double>(n) - static_cast<double>(i) -
             static_cast<double>(j) + 1.0) /
            2.0;
        for (size_t t = i; t < j; ++t) {
          if (marks_[candidates_[t]] == kTest) rank_sum += average_rank;
        }
        i = j;
      }
      out.has_auc = true;
      out.auc = (rank_sum - positives * (positives + 1) / 2) /
                (positives * negatives);
    }
    Reset(user);
    return absl::OkStatus();
  }

  void Reset(int32_t user) {
    for (int32_t item : excluded_[user]) marks_[item] = kCandidate;
    for (int32_t item : split_.test[user]) marks_[item] = kCandidate;
  }

  const Split& split_;
  const std::vector<std::vector<int32_t>>& excluded_;
  const ScoreFn& score_fn_;
  const int32_t k_;
  std::vector<float> scores_;
  std::vector<char> marks_;
  std::vector<char> covered_;
  std::vector<int32_t> candidates_;
  absl::Status status_;
};

absl::Status Validate(const Split& split, const EvaluationOptions& options) {
  if (options.k < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("evaluate: K must be >= 1, got ", options.k));
  }
  if (options.num_threads < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "evaluate: num_threads must be >= 1, got ", options.num_threads));
  }
  if (split.num_items <= 0 || split.num_users <= 0) {
    return absl::InvalidArgumentError("evaluate: empty split (no users/items)");
  }
  if (split.test.size() != static_cast<size_t>(split.num_users)) {
    return absl::InvalidArgumentError(
        absl::StrCat("evaluate: test has ", split.test.size(),
                     " users, expected ", split.num_users));
  }
  for (const Interaction& x : split.train) {
    if (x.user < 0 || x.user >= split.num_users || x.item < 0 ||
        x.item >= split.num_items) {
      return absl::InvalidArgumentError(
          absl::StrCat("evaluate: train interaction out of range (user ",
                       x.user, ", item ", x.item, ")"));
    }
  }
  if (!split.excluded.empty()) {
    if (split.excluded.size() != static_cast<size_t>(split.num_users)) {
      return absl::InvalidArgumentError(
          absl::StrCat("evaluate: excluded has ", split.excluded.size(),
                       " users, expected ", split.num_users));
    }
    for (const auto& items : split.excluded) {
      for (int32_t item : items) {
        if (item < 0 || item >= split.num_items) {
          return absl::InvalidArgumentError(
              absl::StrCat("evaluate: excluded item ", item, " out of range"));
        }
      }
      if (!std::is_sorted(items.begin(), items.end())) {
        return absl::InvalidArgumentError(
            "evaluate: excluded items must be ascending");
      }
    }
  }
  bool any = false;
  for (const auto& items : split.test) {
    for (int32_t item : items) {
      if (item < 0 || item >= split.num_items) {
        return absl::InvalidArgumentError(
            absl::StrCat("evaluate: test item ", item, " out of range"));
      }
    }
    any = any || !items.empty();
  }
  if (!any) {
    return absl::InvalidArgumentError("evaluate: no user has a test item");
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> MetricNames(int32_t k) {
  return {absl::StrCat("precision@", k),
          absl::StrCat("recall@", k),
          absl::StrCat("map@", k),
          absl::StrCat("ndcg@", k),
          "auc",
          absl::StrCat("coverage@", k)};
}

absl::StatusOr<double> EvaluationReport::Metric(absl::string_view name) const {
  std::string key = absl::AsciiStrToLower(name);
  const std::string suffix = absl::StrCat("@", k);
  if (key.size() > suffix.size() &&
      key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0) {
    key.replace(key.size() - suffix.size(), suffix.size(), "@k");
  }
  if (key == "precision@k") return precision_at_k;
  if (key == "recall@k") return recall_at_k;
  if (key == "map@k") return map_at_k;
  if (key == "ndcg@k") return ndcg_at_k;
  if (key == "auc") return auc;
  if (key == "coverage@k") return coverage_at_k;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown metric \"", name, "\" (expected one of ",
                   absl::StrJoin(MetricNames(k), ", "), ")"));
}

absl::StatusOr<EvaluationReport> Evaluate(const Split& split,
                                          const ScoreFn& score_fn,
                                          const EvaluationOptions& options) {
  const absl::Time start = absl::Now();
  if (absl::Status s = Validate(split, options); !s.ok()) return s;

  // The NBO split ranks everything but the holdings, train items included.
  const std::vector<std::vector<int32_t>> excluded = ExcludedItems(split);
  const char* what = split.excluded.empty() ? "train" : "excluded";
  for (int32_t u = 0; u < split.num_users; ++u) {
    for (int32_t item : split.test[u]) {
      if (std::binary_search(excluded[u].begin(), excluded[u].end(), item)) {
        return absl::InvalidArgumentError(
            absl::StrCat("evaluate: user ", u, " has item ", item, " in ", what,
                         " and test"));
      }
    }
  }

  const int32_t threads = std::min(options.num_threads, split.num_users);
  std::vector<UserFigures> figures(split.num_users);
  std::vector<Worker> workers;
  workers.reserve(threads);
  for (int32_t t = 0; t < threads; ++t) {
    workers.emplace_back(split, excluded, score_fn, options.k);
  }
  auto range = [&](int32_t t) {
    return static_cast<int32_t>(static_cast<int64_t>(split.num_users) * t /
                                threads);
  };
  if (threads == 1) {
    workers[0].Run(0, split.num_users, figures);
  } else {
    std::vector<std::thread> pool;
    for (int32_t t = 0; t < threads; ++t) {
      pool.emplace_back(
          [&, t] { workers[t].Run(range(t), range(t + 1), figures); });
    }
    for (std::thread& th : pool) th.join();
  }
  // Workers cover increasing user ranges, so the first failure in worker
  // order is the failure of the lowest user, whatever the thread count.
  for (const Worker& w : workers) {
    if (!w.status().ok()) return w.status();
  }

  EvaluationReport report;
  report.k = options.k;
  report.num_items = split.num_items;
  for (const UserFigures& f : figures) {
    if (!f.evaluated) continue;
    ++report.num_users_evaluated;
    report.precision_at_k += f.precision;
    report.recall_at_k += f.recall;
    report.map_at_k += f.average_precision;
    report.ndcg_at_k += f.ndcg;
    if (f.has_auc) {
      ++report.num_users_auc;
      report.auc += f.auc;
    }
  }
  const double n = report.num_users_evaluated;
  report.precision_at_k /= n;
  report.recall_at_k /= n;
  report.map_at_k /= n;
  report.ndcg_at_k /= n;
  if (report.num_users_auc > 0) report.auc /= report.num_users_auc;
  int32_t covered = 0;
  for (int32_t i = 0; i < split.num_items; ++i) {
    for (const Worker& w : workers) {
      if (w.covered()[i]) {
        ++covered;
        break;
      }
    }
  }
  report.coverage_at_k = static_cast<double>(covered) / split.num_items;
  report.elapsed = absl::Now() - start;
  return report;
}

absl::StatusOr<EvaluationReport> EvaluateWithCalibration(
    const Split& split, const ScoreFn& score_fn,
    const PropensityFn& propensity_fn, const EvaluationOptions& options) {
  NBO_ASSIGN_OR_RETURN(EvaluationReport report,
                       Evaluate(split, score_fn, options));
  NBO_ASSIGN_OR_RETURN(
      std::vector<PropensityOutcome> pairs,
      CollectPropensities(split, propensity_fn, options.calibration));
  NBO_ASSIGN_OR_RETURN(
      report.calibration,
      MeasureCalibration(std::move(pairs), options.calibration));
  return report;
}

}  // namespace nbo::eval
