// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/eval/platt_scaling.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace nbo::eval {
namespace {

// 1 / (1 + exp(-z)) without overflow for large |z|.
double Sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

// log(1 + exp(z)), stable.
double Softplus(double z) {
  return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
}

// Penalized log-likelihood of (a, b).
double Objective(absl::Span<const CalibrationSample> samples, double a,
                 double b, double ridge) {
  double ll = 0;
  for (const CalibrationSample& s : samples) {
    const double z = a * s.score + b;
    // log p = -softplus(-z); log(1 - p) = -softplus(z).
    ll -= s.positive ? Softplus(-z) : Softplus(z);
  }
  return ll - 0.5 * ridge * (a * a + b * b);
}

}  // namespace

absl::StatusOr<PlattScaling> PlattScaling::Fit(
    absl::Span<const CalibrationSample> samples, const PlattOptions& options) {
  if (samples.empty()) {
    return absl::InvalidArgumentError("platt: no samples");
  }
  if (!(options.ridge >= 0) || options.max_iterations < 1 ||
      !(options.tolerance > 0)) {
    return absl::InvalidArgumentError(
        "platt: ridge must be >= 0, max_iterations >= 1, tolerance > 0");
  }
  size_t positives = 0;
  for (const CalibrationSample& s : samples) {
    if (!std::isfinite(s.score)) {
      return absl::InvalidArgumentError("platt: non-finite score");
    }
    if (s.positive) ++positives;
  }
  if (positives == 0 || positives == samples.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("platt: need both classes, got ", positives,
                     " positives of ", samples.size(), " samples"));
  }

  // Start from the base rate: a = 0, b = logit(prior).
  const double prior =
      static_cast<double>(positives) / static_cast<double>(samples.size());
  double a = 0;
  double b = std::log(prior / (1 - prior));
  double objective = Objective(samples, a, b, options.ridge);
  int iteration = 0;
  while (iteration < options.max_iterations) {
    ++iteration;
    // Gradient g and negative Hessian H of the penalized log-likelihood.
    double ga = -options.ridge * a;
    double gb = -options.ridge * b;
    double haa = options.ridge;
    double hab = 0;
    double hbb = options.ridge;
    for (const CalibrationSample& s : samples) {
      const double p = Sigmoid(a * s.score + b);
      const double r = (s.positive ? 1.0 : 0.0) - p;
      const double w = p * (1 - p);
      ga += r * s.score;
      gb += r;
      haa += w * s.score * s.score;
      hab += w * s.score;
      hbb += w;
    }
    const double det = haa * hbb - hab * hab;
    if (!(det > 0)) break;  // Flat likelihood; the current point is as good.
    double da = (hbb * ga - hab * gb) / det;
    double db = (haa * gb - hab * ga) / det;
    // Backtrack until the objective does not decrease (Newton can overshoot
    // far from the optimum).
    double step = 1.0;
    double next = Objective(samples, a + da, b + db, options.ridge);
    while (next < objective && step > 1e-10) {
      step /= 2;
      next = Objective(samples, a + step * da, b + step * db, options.ridge);
    }
    if (next < objective) break;
    a += step * da;
    b += step * db;
    objective = next;
    if (std::abs(step * da) < options.tolerance &&
        std::abs(step * db) < options.tolerance) {
      break;
    }
  }
  PlattScaling fit(a, b);
  fit.iterations_ = iteration;
  return fit;
}

double PlattScaling::Predict(double score) const {
  return Sigmoid(a_ * score + b_);
}

double PublishedPropensity(double a, double b, double score) {
  if (a == 0 && b == 0) return std::clamp(score, 0.0, 1.0);
  return 1.0 / (1.0 + std::exp(-(a * score + b)));
}

}  // namespace nbo::eval
