// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/model/model_version.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace nbo::model {
namespace {

// Orders by score descending, then catalog position, so that answers are
// deterministic when scores tie.
bool Better(const ScoredProduct& a, const ScoredProduct& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.index < b.index;
}

std::vector<ScoredProduct> TakeTop(std::vector<ScoredProduct> all, int n) {
  const size_t k = std::min<size_t>(std::max(n, 0), all.size());
  if (k == all.size()) {
    // Everything ranked (the decision pipeline's case): a sort, not a heap.
    std::sort(all.begin(), all.end(), Better);
  } else {
    std::partial_sort(all.begin(), all.begin() + k, all.end(), Better);
    all.resize(k);
  }
  return all;
}

// Rank and gramian size by kind; REQUIRES a non-empty catalog.
absl::Status CheckShape(const ModelVersionParams& params) {
  switch (params.kind) {
    case ModelKind::kImplicitAls: {
      if (params.rank < 1 || params.rank > kMaxRank) {
        return absl::InvalidArgumentError(absl::StrCat(
            "rank ", params.rank, " is outside [1, ", kMaxRank, "]"));
      }
      const size_t size = static_cast<size_t>(params.rank) * params.rank;
      if (!params.gramian.empty() && params.gramian.size() != size) {
        return absl::InvalidArgumentError(absl::StrCat(
            "gramian holds ", params.gramian.size(), " values; rank ",
            params.rank, " needs ", size, " or none"));
      }
      return absl::OkStatus();
    }
    case ModelKind::kEase:
      if (params.catalog.size() > static_cast<size_t>(kMaxEaseRank)) {
        return absl::InvalidArgumentError(
            absl::StrCat("an EASE version has at most ", kMaxEaseRank,
                         " products, got ", params.catalog.size()));
      }
      if (static_cast<size_t>(params.rank) != params.catalog.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("an EASE version's rank must be its catalog size ",
                         params.catalog.size(), ", got ", params.rank));
      }
      if (!params.gramian.empty()) {
        return absl::InvalidArgumentError("an EASE version has no gramian");
      }
      return absl::OkStatus();
  }
  return absl::InvalidArgumentError("unknown model kind");
}

}  // namespace

absl::StatusOr<std::shared_ptr<const ModelVersion>> ModelVersion::Create(
    ModelVersionParams params) {
  if (params.catalog.empty()) {
    return absl::InvalidArgumentError("catalog is empty");
  }
  const size_t products = params.catalog.size();
  if (absl::Status s = CheckShape(params); !s.ok()) return s;
  if (params.item_factors.size() != products * params.rank) {
    return absl::InvalidArgumentError(absl::StrCat(
        "item factors hold ", params.item_factors.size(), " values; ", products,
        " products x rank ", params.rank, " need ", products * params.rank));
  }
  for (size_t i = 0; i < params.item_factors.size(); ++i) {
    if (!std::isfinite(params.item_factors[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "item factor of product '", params.catalog[i / params.rank].id,
          "' has a non-finite value"));
    }
  }
  for (float g : params.gramian) {
    if (!std::isfinite(g)) {
      return absl::InvalidArgumentError("gramian has a non-finite value");
    }
  }
  if (params.popularity.size() != products) {
    return absl::InvalidArgumentError(
        absl::StrCat("popularity has ", params.popularity.size(),
                     " values for ", products, " products"));
  }
  for (double p : params.popularity) {
    if (!std::isfinite(p)) {
      return absl::InvalidArgumentError("popularity has a non-finite value");
    }
  }
  if (!std::isfinite(params.calibration_a) ||
      !std::isfinite(params.calibration_b)) {
    return absl::InvalidArgumentError("calibration is not finite");
  }
  std::shared_ptr<ModelVersion> version(new ModelVersion(std::move(params)));
  for (size_t i = 0; i < products; ++i) {
    const std::string& id = version->params_.catalog[i].id;
    if (id.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("catalog product ", i, " has an empty id"));
    }
    if (!version->index_.emplace(id, static_cast<int32_t>(i)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("catalog lists product '", id, "' twice"));
    }
  }
  if (const PropensityModel* m = version->params_.propensity.get()) {
    for (size_t i = 0; i < products; ++i) {
      const int32_t row = m->ProductRow(version->params_.catalog[i].id);
      if (row < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("the propensity model lacks catalog product '",
                         version->params_.catalog[i].id, "'"));
      }
      version->propensity_rows_.push_back(row);
    }
  }
  return std::shared_ptr<const ModelVersion>(std::move(version));
}

ModelVersion::ModelVersion(ModelVersionParams params)
    : params_(std::move(params)),
      items_(Eigen::Map<const FactorMatrix>(
          params_.item_factors.data(), params_.catalog.size(), params_.rank)) {
  // Only implicit ALS's fold-in solves against Y^T Y.
  if (params_.kind != ModelKind::kImplicitAls) {
    gramian_.resize(0, 0);
  } else if (params_.gramian.empty()) {
    // The lower triangle by one rank update, mirrored: the way
    // als::ComputeGramian sums a chunk of rows.
    Eigen::MatrixXf lower = Eigen::MatrixXf::Zero(params_.rank, params_.rank);
    lower.selfadjointView<Eigen::Lower>().rankUpdate(items_.transpose());
    gramian_ = lower.selfadjointView<Eigen::Lower>();
  } else {
    gramian_ = Eigen::Map<const FactorMatrix>(params_.gramian.data(),
                                              params_.rank, params_.rank);
  }
  std::vector<ScoredProduct> all(params_.catalog.size());
  for (size_t i = 0; i < all.size(); ++i) {
    all[i] = {static_cast<int32_t>(i), params_.popularity[i]};
  }
  const int n = static_cast<int>(all.size());
  by_popularity_ = TakeTop(std::move(all), n);
}

int32_t ModelVersion::ProductIndex(absl::string_view product_id) const {
  auto it = index_.find(product_id);
  return it == index_.end() ? -1 : it->second;
}

std::vector<ScoredProduct> ModelVersion::TopN(
    absl::Span<const float> customer_factor, int n) const {
  Eigen::Map<const Eigen::VectorXf> u(customer_factor.data(),
                                      customer_factor.size());
  // One dot product per product; the catalog is small (tens to thousands),
  // so a dense matrix-vector product is the whole cost.
  thread_local Eigen::VectorXf scores;
  scores.noalias() = items_ * u;
  std::vector<ScoredProduct> all(scores.size());
  for (Eigen::Index i = 0; i < scores.size(); ++i) {
    all[i] = {static_cast<int32_t>(i), static_cast<double>(scores[i])};
  }
  return TakeTop(std::move(all), n);
}

std::vector<ScoredProduct> ModelVersion::MostPopular(int n) const {
  const size_t k = std::min<size_t>(std::max(n, 0), by_popularity_.size());
  return {by_popularity_.begin(), by_popularity_.begin() + k};
}

double ModelVersion::Propensity(double score) const {
  if (params_.calibration_a == 0 && params_.calibration_b == 0) {
    return std::clamp(score, 0.0, 1.0);
  }
  return 1.0 / (1.0 + std::exp(-(params_.calibration_a * score +
                                 params_.calibration_b)));
}

}  // namespace nbo::model
