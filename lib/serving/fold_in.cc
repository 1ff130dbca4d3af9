// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/serving/fold_in.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "Eigen/Cholesky"
#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/als/als.h"
#include "lib/als/ease.h"
#include "lib/common/status_macros.h"

namespace nbo::serving {
namespace {

absl::Status BadLabel(absl::string_view name, absl::string_view value,
                      absl::string_view want) {
  return absl::InvalidArgumentError(
      absl::StrCat("label '", name, "' is '", value, "', not ", want));
}

// Reads labels[name] into *out when present.
absl::Status ReadNonNegative(const std::map<std::string, std::string>& labels,
                             absl::string_view name, float* out) {
  auto it = labels.find(std::string(name));
  if (it == labels.end()) return absl::OkStatus();
  float value;
  if (!absl::SimpleAtof(it->second, &value) || !std::isfinite(value) ||
      value < 0) {
    return BadLabel(name, it->second, "a finite number >= 0");
  }
  *out = value;
  return absl::OkStatus();
}

// Sizes, item range and values, as als::SolveUserRow checks them; then
// FAILED_PRECONDITION for an empty row.
absl::Status ValidateRow(const model::ModelVersion& version,
                         const InteractionRow& row) {
  if (row.items.size() != row.values.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("interaction row has ", row.items.size(), " items but ",
                     row.values.size(), " values"));
  }
  const int64_t products = static_cast<int64_t>(version.catalog().size());
  for (size_t k = 0; k < row.items.size(); ++k) {
    if (row.items[k] < 0 || row.items[k] >= products) {
      return absl::InvalidArgumentError(
          absl::StrCat("interaction row item ", row.items[k],
                       " is out of range [0, ", products, ")"));
    }
    if (!std::isfinite(row.values[k])) {
      return absl::InvalidArgumentError(
          absl::StrCat("interaction row value for item ", row.items[k],
                       " must be finite, got ", row.values[k]));
    }
  }
  if (row.items.empty()) {
    return absl::FailedPreconditionError(
        "the customer has no feedback on this version's products");
  }
  return absl::OkStatus();
}

absl::Status ValidateConfig(const FoldInConfig& config) {
  if (!std::isfinite(config.regularization) || config.regularization < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "regularization must be finite and >= 0, got ", config.regularization));
  }
  if (!std::isfinite(config.alpha) || config.alpha < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("alpha must be finite and >= 0, got ", config.alpha));
  }
  return absl::OkStatus();
}

// A cell of AggregateItemWeights(): `order` is its input position, so that
// an unstable sort by (item, order) sums each item in input order without
// the buffer std::stable_sort allocates.
struct OrderedCell {
  int32_t item;
  int32_t order;
  float weight;
};

// Per-thread scratch of the request-path functions: sized by the largest
// row or catalog the thread has seen, then reused.
struct Scratch {
  std::vector<ItemWeight> weights;
  std::vector<OrderedCell> cells;
  Eigen::MatrixXd w;
  Eigen::LDLT<Eigen::MatrixXd> ldlt;
  Eigen::VectorXd y;
  Eigen::VectorXd z;
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

// Contributions ordered largest first, then by catalog index.
bool Larger(const Contribution& a, const Contribution& b) {
  if (a.weight != b.weight) return a.weight > b.weight;
  return a.item < b.item;
}

// model::ModelVersion's order: score descending, then catalog index.
bool Better(const model::ScoredProduct& a, const model::ScoredProduct& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.index < b.index;
}

// Implicit ALS's fold-in. REQUIRES: ValidateRow(version, row) is OK.
absl::StatusOr<std::vector<float>> AlsFoldIn(const model::ModelVersion& version,
                                             const FoldInConfig& config,
                                             const InteractionRow& row) {
  NBO_RETURN_IF_ERROR(ValidateConfig(config));
  als::AlsOptions options;
  options.factors = version.rank();
  options.regularization = config.regularization;
  options.alpha = config.alpha;
  options.solver = als::Solver::kCholesky;
  options.threads = 1;
  NBO_ASSIGN_OR_RETURN(
      const Eigen::VectorXf x,
      als::SolveUserRow(version.item_matrix(), version.gramian(), row.items,
                        row.values, options));
  if (!x.allFinite()) {
    return absl::FailedPreconditionError(
        "fold-in has no finite solution (singular normal equations)");
  }
  return std::vector<float>(x.data(), x.data() + x.size());
}

// EASE's fold-in: the weighted row. REQUIRES: ValidateRow(version, row) is
// OK (so the items are distinct catalog indices).
std::vector<float> EaseFoldIn(const model::ModelVersion& version,
                              const InteractionRow& row) {
  std::vector<float> x(version.rank());
  als::EaseUserVector(row.items, row.values, absl::MakeSpan(x));
  return x;
}

// Implicit ALS's contributions (see ScoreContributions). REQUIRES:
// ValidateRow(version, row) is OK and item is a catalog index.
absl::StatusOr<std::vector<Contribution>> AlsContributions(
    const model::ModelVersion& version, const FoldInConfig& config,
    const InteractionRow& row, int32_t item) {
  NBO_RETURN_IF_ERROR(ValidateConfig(config));
  const model::FactorMatrix& items = version.item_matrix();
  Scratch& s = ThreadScratch();
  // W = YtY + lambda I + sum_j alpha |r_j| y_j y_j^T (lower triangle), in
  // double so that the contributions add up to the score.
  s.w = version.gramian().cast<double>();
  s.w.diagonal().array() += static_cast<double>(config.regularization);
  for (size_t k = 0; k < row.items.size(); ++k) {
    s.y = items.row(row.items[k]).transpose().cast<double>();
    s.w.selfadjointView<Eigen::Lower>().rankUpdate(
        s.y, static_cast<double>(config.alpha) * std::fabs(row.values[k]));
  }
  s.ldlt.compute(s.w);
  s.y = items.row(item).transpose().cast<double>();
  s.z = s.ldlt.solve(s.y);
  if (!s.z.allFinite()) {
    return absl::FailedPreconditionError(
        "fold-in has no finite solution (singular normal equations)");
  }
  std::vector<Contribution> contributions(row.items.size());
  for (size_t k = 0; k < row.items.size(); ++k) {
    contributions[k].item = row.items[k];
    // c_j p_j: a refusal (p_j = 0) adds nothing to the right-hand side.
    if (!(row.values[k] > 0)) continue;
    const double confidence =
        1.0 + static_cast<double>(config.alpha) * row.values[k];
    contributions[k].weight =
        confidence *
        s.z.dot(items.row(row.items[k]).transpose().cast<double>());
  }
  return contributions;
}

// EASE's contributions: x_uj B[j][item], where B[j][item] is entry j of
// the item's factor (its column of B). REQUIRES: as AlsContributions.
std::vector<Contribution> EaseContributions(const model::ModelVersion& version,
                                            const InteractionRow& row,
                                            int32_t item) {
  const auto column = version.item_matrix().row(item);
  std::vector<Contribution> contributions(row.items.size());
  for (size_t k = 0; k < row.items.size(); ++k) {
    const int32_t j = row.items[k];
    contributions[k].item = j;
    contributions[k].weight =
        static_cast<double>(als::EaseWeight(row.values[k])) *
        static_cast<double>(column[j]);
  }
  return contributions;
}

}  // namespace

absl::StatusOr<FoldInConfig> FoldInConfigFromLabels(
    const std::map<std::string, std::string>& labels) {
  FoldInConfig config;
  NBO_RETURN_IF_ERROR(
      ReadNonNegative(labels, "regularization", &config.regularization));
  NBO_RETURN_IF_ERROR(ReadNonNegative(labels, "alpha", &config.alpha));
  if (auto it = labels.find("cg_steps"); it != labels.end()) {
    if (!absl::SimpleAtoi(it->second, &config.cg_steps) ||
        config.cg_steps < 1) {
      return BadLabel("cg_steps", it->second, "an integer >= 1");
    }
  }
  if (auto it = labels.find("event_weights"); it != labels.end()) {
    const absl::Status parsed =
        data::ParseEventWeights(it->second, &config.weights);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("label 'event_weights': ", parsed.message()));
    }
  }
  if (auto it = labels.find("data_max_time"); it != labels.end()) {
    const absl::StatusOr<int64_t> seconds = data::ParseTimestamp(it->second);
    if (!seconds.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("label 'data_max_time': ", seconds.status().message()));
    }
    config.training_end = absl::FromUnixSeconds(*seconds);
  }
  return config;
}

void AggregateItemWeights(absl::Span<const ItemWeight> cells,
                          InteractionRow* row) {
  std::vector<OrderedCell>& sorted = ThreadScratch().cells;
  sorted.clear();
  for (size_t k = 0; k < cells.size(); ++k) {
    sorted.push_back({cells[k].item, static_cast<int32_t>(k), cells[k].weight});
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const OrderedCell& a, const OrderedCell& b) {
              if (a.item != b.item) return a.item < b.item;
              return a.order < b.order;
            });
  row->items.clear();
  row->values.clear();
  for (size_t k = 0; k < sorted.size();) {
    const int32_t item = sorted[k].item;
    float sum = sorted[k].weight;
    for (++k; k < sorted.size() && sorted[k].item == item; ++k) {
      sum += sorted[k].weight;
    }
    if (sum != 0) {
      row->items.push_back(item);
      row->values.push_back(sum);
    }
  }
}

void BuildInteractionRow(const model::ModelVersion& version,
                         absl::Span<const CustomerEvent> events,
                         const data::EventWeights& weights,
                         InteractionRow* row) {
  std::vector<ItemWeight>& known = ThreadScratch().weights;
  known.clear();
  for (const CustomerEvent& e : events) {
    const float weight = weights.Of(e.event);
    // A zero changes no sum (the trainer adds it, to the same result).
    if (weight == 0) continue;
    const int32_t item = version.ProductIndex(e.product_id);
    if (item < 0) continue;
    known.push_back({item, weight});
  }
  AggregateItemWeights(known, row);
}

InteractionRow BuildInteractionRow(const model::ModelVersion& version,
                                   absl::Span<const CustomerEvent> events,
                                   const data::EventWeights& weights) {
  InteractionRow row;
  BuildInteractionRow(version, events, weights, &row);
  return row;
}

absl::StatusOr<std::vector<float>> FoldIn(const model::ModelVersion& version,
                                          const FoldInConfig& config,
                                          const InteractionRow& row) {
  NBO_RETURN_IF_ERROR(ValidateRow(version, row));
  switch (version.kind()) {
    case model::ModelKind::kImplicitAls:
      return AlsFoldIn(version, config, row);
    case model::ModelKind::kEase:
      return EaseFoldIn(version, row);
  }
  return absl::InternalError("unknown model kind");
}

std::optional<InteractionRow> RowOfFactor(const model::ModelVersion& version,
                                          absl::Span<const float> factor) {
  switch (version.kind()) {
    case model::ModelKind::kImplicitAls:
      return std::nullopt;
    case model::ModelKind::kEase:
      break;
  }
  InteractionRow row;
  for (size_t j = 0; j < factor.size(); ++j) {
    if (factor[j] > 0) {
      row.items.push_back(static_cast<int32_t>(j));
      row.values.push_back(factor[j]);
    }
  }
  return row;
}

absl::StatusOr<std::vector<Contribution>> ScoreContributions(
    const model::ModelVersion& version, const FoldInConfig& config,
    const InteractionRow& row, int32_t item) {
  const int64_t products = static_cast<int64_t>(version.catalog().size());
  if (item < 0 || item >= products) {
    return absl::InvalidArgumentError(
        absl::StrCat("item ", item, " is out of range [0, ", products, ")"));
  }
  NBO_RETURN_IF_ERROR(ValidateRow(version, row));
  switch (version.kind()) {
    case model::ModelKind::kImplicitAls:
      return AlsContributions(version, config, row, item);
    case model::ModelKind::kEase:
      return EaseContributions(version, row, item);
  }
  return absl::InternalError("unknown model kind");
}

absl::StatusOr<std::vector<Contribution>> ExplainScore(
    const model::ModelVersion& version, const FoldInConfig& config,
    const InteractionRow& row, int32_t item, int top_k) {
  if (top_k < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("top_k must be >= 0, got ", top_k));
  }
  NBO_ASSIGN_OR_RETURN(std::vector<Contribution> contributions,
                       ScoreContributions(version, config, row, item));
  contributions.erase(
      std::remove_if(contributions.begin(), contributions.end(),
                     [](const Contribution& c) { return !(c.weight > 0); }),
      contributions.end());
  const size_t k = std::min<size_t>(top_k, contributions.size());
  std::partial_sort(contributions.begin(), contributions.begin() + k,
                    contributions.end(), Larger);
  contributions.resize(k);
  return contributions;
}

std::vector<model::ScoredProduct> SimilarProducts(
    const model::ModelVersion& version, int32_t item, int k) {
  const model::FactorMatrix& items = version.item_matrix();
  const int64_t products = items.rows();
  if (k <= 0 || item < 0 || item >= products) return {};
  const auto y = items.row(item);
  const double norm = std::sqrt(static_cast<double>(y.squaredNorm()));
  // The best k so far as a heap whose top is the worst of them.
  std::vector<model::ScoredProduct> best;
  best.reserve(std::min<int64_t>(k, products - 1));
  for (int64_t j = 0; j < products; ++j) {
    if (j == item) continue;
    // One pass over the factors: the row is in cache for its norm.
    const auto other = items.row(j);
    const double dot = other.dot(y);
    const double denominator =
        norm * std::sqrt(static_cast<double>(other.squaredNorm()));
    const double cosine =
        denominator > 0 ? std::clamp(dot / denominator, -1.0, 1.0) : 0.0;
    const model::ScoredProduct candidate = {static_cast<int32_t>(j), cosine};
    if (best.size() < static_cast<size_t>(k)) {
      best.push_back(candidate);
      std::push_heap(best.begin(), best.end(), Better);
    } else if (Better(candidate, best.front())) {
      std::pop_heap(best.begin(), best.end(), Better);
      best.back() = candidate;
      std::push_heap(best.begin(), best.end(), Better);
    }
  }
  std::sort_heap(best.begin(), best.end(), Better);
  return best;
}

}  // namespace nbo::serving
