// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/propensity_fit.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "Eigen/Cholesky"
#include "Eigen/Core"
#include "absl/strings/str_cat.h"

namespace nbo::eval {
namespace {

// The intercept's penalty, relative to the other weights': nearly free, so
// that shrinking does not pull every product's base rate to the shared one.
constexpr double kBiasPenaltyScale = 1e-3;

absl::Status CheckOptions(const FitOptions& o) {
  if (!(o.l2 > 0) || !(o.product_l2 > 0) || !std::isfinite(o.l2) ||
      !std::isfinite(o.product_l2)) {
    return absl::InvalidArgumentError(
        absl::StrCat("l2 and product_l2 must be finite and > 0, got ", o.l2,
                     " and ", o.product_l2));
  }
  if (o.score_bins < 1 || o.score_bins > model::kMaxPropensityBins) {
    return absl::InvalidArgumentError(absl::StrCat("score_bins must be in [1, ",
                                                   model::kMaxPropensityBins,
                                                   "], got ", o.score_bins));
  }
  if (o.max_iterations < 1 || !(o.tolerance > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_iterations must be >= 1 and tolerance > 0, got ",
                     o.max_iterations, " and ", o.tolerance));
  }
  return absl::OkStatus();
}

absl::Status CheckExamples(const PropensityFeatures& features,
                           absl::Span<const PropensityExample> examples) {
  if (examples.empty()) {
    return absl::InvalidArgumentError("no propensity examples");
  }
  int64_t positives = 0;
  for (size_t i = 0; i < examples.size(); ++i) {
    const PropensityExample& e = examples[i];
    if (e.user < 0 || e.user >= features.num_users() || e.item < 0 ||
        e.item >= features.num_items()) {
      return absl::InvalidArgumentError(
          absl::StrCat("example ", i, " is (user ", e.user, ", item ", e.item,
                       "); the data has ", features.num_users(), " users and ",
                       features.num_items(), " items"));
    }
    if (e.has_score && !std::isfinite(e.score)) {
      return absl::InvalidArgumentError(
          absl::StrCat("example ", i, " has a score that is not finite"));
    }
    positives += e.positive ? 1 : 0;
  }
  if (positives == 0 || positives == static_cast<int64_t>(examples.size())) {
    return absl::FailedPreconditionError(
        absl::StrCat("the ", examples.size(), " propensity examples have ",
                     positives, " positives: both outcomes are needed"));
  }
  return absl::OkStatus();
}

// The examples encoded through `encoder` (the model's one encoding), with
// every customer's slots computed once.
class Encoded {
 public:
  Encoded(const model::PropensityModel& encoder,
          const PropensityFeatures& features,
          absl::Span<const PropensityExample> examples)
      : encoder_(encoder), features_(features), examples_(examples) {
    codes_.resize(features.num_users());
    for (int32_t u = 0; u < features.num_users(); ++u) {
      codes_[u] = encoder.EncodeCustomer(features.Customer(u));
    }
  }
  void Encode(size_t i, model::FeatureRow* x) const {
    const PropensityExample& e = examples_[i];
    encoder_.EncodePair(codes_[e.user],
                        features_.Pair(e.user, e.item, e.has_score, e.score),
                        x);
  }
  bool Positive(size_t i) const { return examples_[i].positive; }

 private:
  const model::PropensityModel& encoder_;
  const PropensityFeatures& features_;
  absl::Span<const PropensityExample> examples_;
  std::vector<model::CustomerCode> codes_;
};

// Minimizes sum of log losses of examples `which` + lambda/2 |w - prior|^2
// (the intercept's term scaled by kBiasPenaltyScale) by Newton's method,
// from w = prior.
Eigen::VectorXd Newton(const Encoded& encoded, absl::Span<const size_t> which,
                       const Eigen::VectorXd& prior, double lambda,
                       const FitOptions& options) {
  const Eigen::Index dim = prior.size();
  Eigen::VectorXd penalty = Eigen::VectorXd::Constant(dim, lambda);
  penalty[model::PropensityLayout::kBias] *= kBiasPenaltyScale;
  Eigen::VectorXd w = prior;
  Eigen::MatrixXd hessian(dim, dim);
  Eigen::VectorXd gradient(dim);
  model::FeatureRow x;
  for (int32_t iteration = 0; iteration < options.max_iterations; ++iteration) {
    hessian.setZero();
    hessian.diagonal() = penalty;
    gradient = penalty.cwiseProduct(w - prior);
    for (size_t i : which) {
      encoded.Encode(i, &x);
      double z = 0;
      for (int32_t a = 0; a < x.size; ++a) z += w[x.index[a]] * x.value[a];
      const double p = model::Sigmoid(z);
      const double r = p - (encoded.Positive(i) ? 1.0 : 0.0);
      const double s = std::max(p * (1 - p), 1e-12);
      for (int32_t a = 0; a < x.size; ++a) {
        gradient[x.index[a]] += r * x.value[a];
        const double sa = s * x.value[a];
        for (int32_t b = a; b < x.size; ++b) {
          // Indices within a row are distinct; keep the upper triangle.
          const int32_t i_a = std::min(x.index[a], x.index[b]);
          const int32_t i_b = std::max(x.index[a], x.index[b]);
          hessian(i_a, i_b) += sa * x.value[b];
        }
      }
    }
    const Eigen::VectorXd step =
        hessian.selfadjointView<Eigen::Upper>().ldlt().solve(gradient);
    w -= step;
    if (step.cwiseAbs().maxCoeff() < options.tolerance) break;
  }
  return w;
}

}  // namespace

absl::StatusOr<model::PropensityModel> FitPropensity(
    const PropensityFeatures& features,
    absl::Span<const PropensityExample> examples, const FitOptions& options) {
  if (absl::Status s = CheckOptions(options); !s.ok()) return s;
  if (absl::Status s = CheckExamples(features, examples); !s.ok()) return s;

  model::PropensityParams params = features.schema();
  std::vector<double> scores;
  for (const PropensityExample& e : examples) {
    if (e.has_score) scores.push_back(e.score);
  }
  params.score_edges = QuantileEdges(std::move(scores), options.score_bins);
  const model::PropensityLayout layout(params);
  const int32_t dim = layout.dim();
  const size_t num_items = params.products.size();
  params.weights.assign(num_items * dim, 0);
  absl::StatusOr<model::PropensityModel> encoder =
      model::PropensityModel::Create(params);
  if (!encoder.ok()) return encoder.status();
  const Encoded encoded(*encoder, features, examples);

  std::vector<size_t> all(examples.size());
  std::vector<std::vector<size_t>> by_item(num_items);
  for (size_t i = 0; i < examples.size(); ++i) {
    all[i] = i;
    by_item[examples[i].item].push_back(i);
  }
  const Eigen::VectorXd shared =
      Newton(encoded, all, Eigen::VectorXd::Zero(dim), options.l2, options);
  for (size_t item = 0; item < num_items; ++item) {
    const Eigen::VectorXd w = by_item[item].empty()
                                  ? shared
                                  : Newton(encoded, by_item[item], shared,
                                           options.product_l2, options);
    for (int32_t j = 0; j < dim; ++j) {
      params.weights[item * dim + j] = static_cast<float>(w[j]);
    }
  }
  return model::PropensityModel::Create(std::move(params));
}

absl::StatusOr<std::vector<PropensityExample>> PropensityExamplesFromSplit(
    const Split& split,
    const std::function<std::optional<float>(int32_t user, int32_t item)>&
        score) {
  if (split.population.size() != static_cast<size_t>(split.num_users) ||
      split.excluded.size() != static_cast<size_t>(split.num_users) ||
      split.test.size() != static_cast<size_t>(split.num_users)) {
    return absl::FailedPreconditionError(
        "propensity examples need an NBO split (population and excluded "
        "items per customer)");
  }
  std::vector<PropensityExample> examples;
  for (int32_t u = 0; u < split.num_users; ++u) {
    if (!split.population[u]) continue;
    const std::vector<int32_t>& held = split.excluded[u];
    const std::vector<int32_t>& taken = split.test[u];
    for (int32_t i = 0; i < split.num_items; ++i) {
      if (std::binary_search(held.begin(), held.end(), i)) continue;
      const std::optional<float> s = score(u, i);
      examples.push_back({u, i, s.value_or(0.0f), s.has_value(),
                          std::binary_search(taken.begin(), taken.end(), i)});
    }
  }
  return examples;
}

double PredictPropensity(const model::PropensityModel& model,
                         const PropensityFeatures& features,
                         const PropensityExample& example) {
  return model.Propensity(example.item,
                          model.EncodeCustomer(features.Customer(example.user)),
                          features.Pair(example.user, example.item,
                                        example.has_score, example.score));
}

}  // namespace nbo::eval
