// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_MODEL_MODEL_VERSION_H_
#define NBO_LIB_MODEL_MODEL_VERSION_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/model/propensity_model.h"

namespace nbo::model {

struct Product {
  std::string id;
  std::string name;
  std::string category;
};

// What kind of model a version is (nbo.v1.ModelKind). Scoring is the same
// dot product for every kind; fold-in and explanations differ
// (lib/serving/fold_in.h).
enum class ModelKind {
  // Implicit-feedback ALS: rank is the factor length.
  kImplicitAls,
  // EASE (lib/als/ease.h): rank is the catalog size, a customer's vector
  // their weighted interaction row, product j's vector column j of B.
  kEase,
};

// Largest rank an implicit-ALS version may have.
inline constexpr int32_t kMaxRank = 1024;

// Largest catalog, and so rank, of an EASE version: B is catalog^2 floats
// (64 MiB at 4096). The same bound as als::kEaseMaxItems.
inline constexpr int32_t kMaxEaseRank = 4096;

// Item factors, one row per catalog product; the same type as
// als::FactorMatrix, so that a version's factors go to lib/als unconverted.
using FactorMatrix =
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A catalog product and its score for one request.
struct ScoredProduct {
  int32_t index = 0;  // Position in the catalog.
  double score = 0;
};

// Everything needed to build a ModelVersion.
struct ModelVersionParams {
  // Default: ModelKind::kImplicitAls.
  ModelKind kind = ModelKind::kImplicitAls;
  std::string model_name;
  int64_t version = 0;
  int32_t rank = 0;
  std::vector<Product> catalog;
  // catalog.size() * rank floats, row i being catalog[i]'s item factor.
  std::vector<float> item_factors;
  // One popularity score per catalog product.
  std::vector<double> popularity;
  // Platt scaling; both 0 means "clamp the raw score to [0,1]".
  double calibration_a = 0;
  double calibration_b = 0;
  // The version's metadata labels as published (trainer, factors,
  // regularization, alpha, data_max_time...): fold-in reads its
  // hyperparameters from them.
  // Default: none.
  std::map<std::string, std::string> labels;
  // Implicit ALS: Y^T Y of item_factors, rank * rank floats (row-major,
  // symmetric), or empty to have Create() compute it. The server passes the
  // trainer's own (als::ComputeGramian) so that fold-in solves exactly what
  // training did. EASE has no use for it: it must be empty and none is
  // computed (at rank 4096 it would cost 7 * 10^10 flops).
  // Default: empty (computed for implicit ALS).
  std::vector<float> gramian;
  // The second stage, when the version has one: it then gives each
  // candidate's propensity, and calibration_a/_b are not used. Must know
  // every catalog product.
  // Default: none (Platt scaling of the raw score).
  std::shared_ptr<const PropensityModel> propensity;
};

// One loaded version of a model: its catalog and item factors in memory, the
// servable that requests score against. Customer factors are not here: they
// stay in the store and are read per request.
//
// Immutable after Create(), so any number of threads may use it at once;
// requests hold it through a shared_ptr, which is what lets a version finish
// in-flight requests after it stops being routed to.
class ModelVersion {
 public:
  // Validates and builds a version. INVALID_ARGUMENT when the catalog is
  // empty or has empty/duplicate ids; for implicit ALS when rank is not in
  // [1, kMaxRank] or gramian is neither empty nor rank * rank values; for
  // EASE when rank is not the catalog size, the catalog has more than
  // kMaxEaseRank products, or gramian is not empty; when item_factors does
  // not hold catalog.size() * rank values, any value is NaN/Inf, or
  // popularity does not have one finite value per product, or a propensity
  // model lacks a catalog product.
  static absl::StatusOr<std::shared_ptr<const ModelVersion>> Create(
      ModelVersionParams params);

  ModelKind kind() const { return params_.kind; }
  const std::string& model_name() const { return params_.model_name; }
  int64_t version() const { return params_.version; }
  int32_t rank() const { return params_.rank; }
  const std::vector<Product>& catalog() const { return params_.catalog; }
  const std::map<std::string, std::string>& labels() const {
    return params_.labels;
  }
  // catalog().size() x rank(): row i is catalog()[i]'s item factor.
  const FactorMatrix& item_matrix() const { return items_; }
  // Implicit ALS: rank() x rank(), Y^T Y of item_matrix(), as given in the
  // params or computed by Create(). EASE: empty (0 x 0).
  const FactorMatrix& gramian() const { return gramian_; }
  // Catalog position of `product_id`, or -1.
  int32_t ProductIndex(absl::string_view product_id) const;

  // The top `n` products for `customer_factor`, highest score first (ties by
  // catalog order). Fewer than n when the catalog is smaller.
  // REQUIRES: customer_factor.size() == rank(), n >= 0.
  std::vector<ScoredProduct> TopN(absl::Span<const float> customer_factor,
                                  int n) const;

  // The top `n` products by popularity, precomputed at Create().
  std::vector<ScoredProduct> MostPopular(int n) const;

  // Maps a raw score to a propensity in [0,1] with the version's
  // calibration.
  double Propensity(double score) const;

  // The second stage, or null when the version has none.
  const PropensityModel* propensity_model() const {
    return params_.propensity.get();
  }
  // The propensity model's weight row of catalog product `index`.
  // REQUIRES: propensity_model() != nullptr, 0 <= index < catalog().size().
  int32_t PropensityRow(int32_t index) const { return propensity_rows_[index]; }

 private:
  explicit ModelVersion(ModelVersionParams params);

  const ModelVersionParams params_;
  FactorMatrix items_;
  FactorMatrix gramian_;
  absl::flat_hash_map<std::string, int32_t> index_;
  std::vector<ScoredProduct> by_popularity_;
  std::vector<int32_t> propensity_rows_;
};

}  // namespace nbo::model

#endif  // NBO_LIB_MODEL_MODEL_VERSION_H_
