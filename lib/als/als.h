// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Alternating least squares, the training core of nbo-trainer:
//
//   ASSERT_OK_AND_ASSIGN(InteractionMatrix m,
//                        InteractionMatrix::Create(users, items, triplets));
//   AlsOptions options;
//   options.progress = [](const IterationStats& s) { ... };
//   absl::StatusOr<AlsModel> model = TrainImplicit(m, options);
//
// Implicit feedback follows Hu, Koren and Volinsky (2008), "Collaborative
// Filtering for Implicit Feedback Datasets", with negative feedback as the
// `implicit` library reads it: confidence c_ui = 1 + alpha |r_ui|,
// preference p_ui = 1 where r_ui > 0 and 0 elsewhere, and the loss
//   sum_{u,i} c_ui (p_ui - x_u.y_i)^2 + lambda (sum ||x_u||^2 + sum ||y_i||^2)
// over all cells, observed or not (an unobserved cell is r_ui = 0). So a
// negative r_ui (a declined offer) is a confident 0, pushing x_u.y_i down
// harder than not knowing; a stored 0 is the same as no entry. Each row is
// solved against G = Y^T Y plus its own nonzeros, so a row costs
// O(nnz_row f + f^2 cg_steps), never O(items f).
//
// Explicit feedback (ratings) fits observed cells only, with the
// weighted-lambda regularization of Zhou et al. (2008): row u's penalty is
// lambda n_u ||x_u||^2, n_u its number of ratings.
//
// Results do not depend on options.threads: rows are solved independently,
// Gramians and losses are summed over fixed chunks in a fixed order.

#ifndef NBO_LIB_ALS_ALS_H_
#define NBO_LIB_ALS_ALS_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/als/interaction_matrix.h"

namespace nbo::als {

// Factors, one row per user or item.
using FactorMatrix =
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

enum class Solver {
  // Conjugate gradient, warm-started from the row's previous factor and
  // stopped after cg_steps steps, as the `implicit` library does. The
  // production solver.
  kConjugateGradient,
  // Exact LDLT solve of each row's normal equations: O(nnz_row f^2 + f^3)
  // per row. For tests and small problems.
  kCholesky,
};

// What one finished iteration (a user half and an item half) reports.
struct IterationStats {
  int iteration = 0;  // 1-based.
  // The training objective after the iteration (the implicit loss above, or
  // for explicit ALS the squared error plus weighted regularization). NaN
  // when AlsOptions::compute_loss is false.
  double loss = 0;
  // Explicit ALS: root mean squared error over the observed cells. NaN for
  // implicit ALS and when compute_loss is false.
  double rmse = 0;
  // Wall time of the iteration, loss computation included.
  double seconds = 0;
};

struct AlsOptions {
  // Length of every user and item factor (the rank).
  // Default: 64
  int factors = 64;

  // Number of iterations, each solving all users and then all items.
  // Default: 15
  int iterations = 15;

  // lambda. Implicit: the penalty on ||x_u||^2 and ||y_i||^2. Explicit: the
  // penalty per rating (weighted-lambda). Must be >= 0.
  // Default: 0.01
  float regularization = 0.01f;

  // Implicit only: confidence c_ui = 1 + alpha * |r_ui|. Must be >= 0.
  // Default: 40
  float alpha = 40.0f;

  // Implicit with kConjugateGradient: conjugate-gradient steps per row and
  // half-iteration. Must be > 0.
  // Default: 3
  int cg_steps = 3;

  // Implicit only; explicit ALS always solves each row exactly.
  // Default: Solver::kConjugateGradient
  Solver solver = Solver::kConjugateGradient;

  // Threads solving rows. Results do not depend on it. Must be > 0.
  // Default: 2
  int threads = 2;

  // Seeds the initial factors (normal, standard deviation init_stddev).
  // The same seed, options and matrix give bit-identical factors.
  // Default: 42
  uint64_t seed = 42;

  // Standard deviation of the initial factor entries. Must be > 0.
  // Default: 0.01
  float init_stddev = 0.01f;

  // Whether to compute the loss (and RMSE) after every iteration. Costs
  // about one dot product per nonzero.
  // Default: true
  bool compute_loss = true;

  // Called on the training thread after every iteration.
  // Default: none
  std::function<void(const IterationStats&)> progress;

  // Polled on the training thread before each half-iteration; when it
  // returns true training stops with CANCELLED.
  // Default: none
  std::function<bool()> should_cancel;
};

// A trained model: a plain value owning its factors; const use from any
// number of threads is safe.
struct AlsModel {
  FactorMatrix user_factors;  // num_users x factors.
  FactorMatrix item_factors;  // num_items x factors.
  // One entry per completed iteration.
  std::vector<IterationStats> history;
};

// Trains implicit-feedback ALS on `matrix` (values are signed interaction
// strengths r_ui: positive for interest, negative for a refusal; see
// above). INVALID_ARGUMENT when the options are out of range (see
// AlsOptions) or the matrix has no nonzeros; CANCELLED when
// options.should_cancel fires.
absl::StatusOr<AlsModel> TrainImplicit(const InteractionMatrix& matrix,
                                       const AlsOptions& options);

// Trains explicit ALS on `matrix` (values are ratings). alpha, cg_steps and
// solver are ignored. INVALID_ARGUMENT when the options are out of range or
// the matrix has no nonzeros; CANCELLED when options.should_cancel fires.
absl::StatusOr<AlsModel> TrainExplicit(const InteractionMatrix& matrix,
                                       const AlsOptions& options);

// G = F^T F, summed over fixed chunks of rows in a fixed order so that the
// result does not depend on `threads`. This is the YtY that TrainImplicit
// uses, bit for bit. REQUIRES: threads > 0.
FactorMatrix ComputeGramian(const FactorMatrix& factors, int threads);

// Solves one user's implicit-ALS row against fixed item factors: the
// function training runs for every user row, and the one that folds in a
// customer the model has not seen. `yty` is ComputeGramian(item_factors)
// (without regularization). `items`/`values` are the row's nonzeros, items
// distinct, values signed as in TrainImplicit. `initial` is the
// conjugate-gradient starting point (training passes the user's previous
// factor; empty means zeros); kCholesky ignores it. Uses options.factors,
// regularization, alpha, cg_steps and solver.
//
// Given a model's previous item factors, yty and the user's previous factor,
// the result equals what TrainImplicit computed for that user.
//
// INVALID_ARGUMENT when item_factors does not have options.factors columns,
// yty is not factors x factors, initial is neither empty nor factors long,
// items and values differ in length, an item is out of range, a value is
// not finite, or the options are out of range.
absl::StatusOr<Eigen::VectorXf> SolveUserRow(
    const FactorMatrix& item_factors, const FactorMatrix& yty,
    absl::Span<const int32_t> items, absl::Span<const float> values,
    const AlsOptions& options, absl::Span<const float> initial = {});

// Flops (multiplies and adds) one TrainImplicit iteration does on `matrix`
// with `options` when every conjugate-gradient row runs all its steps,
// loss included when options.compute_loss. For benchmarks.
double ImplicitIterationFlops(const InteractionMatrix& matrix,
                              const AlsOptions& options);

// "avx2+fma" or "portable": the row kernels this process uses.
const char* KernelVariant();

}  // namespace nbo::als

#endif  // NBO_LIB_ALS_ALS_H_
