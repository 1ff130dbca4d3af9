// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/als/als.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "Eigen/Cholesky"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lib/als/row_kernels.h"
#include "lib/common/status_macros.h"

namespace nbo::als {
namespace {

// Upper bound on factors: keeps f x f scratch and Gramians small and the
// row kernels' int arithmetic far from overflow.
constexpr int kMaxFactors = 4096;
// Gramian partial sums cover this many rows each, whatever the thread count.
constexpr int64_t kGramianChunkRows = 4096;
// Row chunks aim at 1/kChunksPerSide of a side's cost, so that one chunk of
// very popular items cannot leave the other threads idle.
constexpr int64_t kChunksPerSide = 256;
// A row's fixed cost (G p and vector updates), in nonzero-equivalents.
constexpr int64_t kRowOverhead = 32;

using Eigen::Map;

// Runs fn(worker, task) for task in [0, num_tasks) on up to `threads`
// threads (the caller is worker 0), handing tasks out in order. What a task
// computes must not depend on which worker runs it.
template <typename Fn>
void ParallelFor(int64_t num_tasks, int threads, const Fn& fn) {
  std::atomic<int64_t> next{0};
  auto run = [&](int worker) {
    for (int64_t task;
         (task = next.fetch_add(1, std::memory_order_relaxed)) < num_tasks;) {
      fn(worker, task);
    }
  };
  const int workers = static_cast<int>(
      std::min<int64_t>(threads, std::max<int64_t>(num_tasks, 1)));
  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  for (int w = 1; w < workers; ++w) pool.emplace_back(run, w);
  run(0);
  for (std::thread& t : pool) t.join();
}

// Chunk boundaries over a CSR matrix's rows: chunk k is rows
// [bounds[k], bounds[k + 1]). A function of the matrix alone.
std::vector<int64_t> MakeRowChunks(const CsrMatrix& m) {
  const int64_t rows = m.num_rows();
  const int64_t total = m.nnz() + kRowOverhead * rows;
  const int64_t target = std::max<int64_t>(total / kChunksPerSide, 4096);
  std::vector<int64_t> bounds = {0};
  int64_t cost = 0;
  for (int64_t r = 0; r < rows; ++r) {
    cost += m.offsets()[r + 1] - m.offsets()[r] + kRowOverhead;
    if (cost >= target) {
      bounds.push_back(r + 1);
      cost = 0;
    }
  }
  if (bounds.back() != rows) bounds.push_back(rows);
  return bounds;
}

// Per-worker scratch, reused across rows so that solving allocates nothing
// once it has seen its largest row.
struct RowScratch {
  explicit RowScratch(int f)
      : work(3 * static_cast<size_t>(f)), a(f, f), b(f), ldlt(f) {}
  std::vector<float> work;
  std::vector<float> gathered;
  Eigen::MatrixXf a;
  Eigen::VectorXf b;
  Eigen::LDLT<Eigen::MatrixXf> ldlt;
};

// Copies row k of `other` for each of the n indices into scratch->gathered,
// scaled by scale[k] when scale is not null, and returns it as an n x f
// matrix.
Map<const FactorMatrix> Gather(const float* other, int f,
                               const int32_t* indices, int64_t n,
                               const float* scale, RowScratch* scratch) {
  const size_t size = static_cast<size_t>(n) * f;
  if (scratch->gathered.size() < size) scratch->gathered.resize(size);
  float* out = scratch->gathered.data();
  for (int64_t k = 0; k < n; ++k) {
    const float* y = other + int64_t{indices[k]} * f;
    const float s = scale == nullptr ? 1.0f : scale[k];
    for (int j = 0; j < f; ++j) out[k * f + j] = s * y[j];
  }
  return Map<const FactorMatrix>(out, n, f);
}

// The shared core of SolveUserRow() and the trainer's half-iterations.
void SolveImplicitRow(const internal::ImplicitRow& row,
                      const AlsOptions& options, float* x,
                      RowScratch* scratch) {
  if (options.solver == Solver::kConjugateGradient) {
    internal::ImplicitConjugateGradient(row, options.cg_steps, x,
                                        scratch->work.data());
    return;
  }
  const int f = row.f;
  // A = G + lambda I + sum alpha |v| y y^T (lower triangle), b = sum c p y.
  Eigen::MatrixXf& a = scratch->a;
  a = Map<const Eigen::MatrixXf>(row.gram, f, f);
  a.diagonal().array() += row.lambda;
  // sqrt(alpha |v|) scales each gathered row so that one rank update adds
  // all of them; the scale lives in `work` (grown as needed).
  if (scratch->work.size() < static_cast<size_t>(row.nnz)) {
    scratch->work.resize(row.nnz);
  }
  float* scale = scratch->work.data();
  for (int64_t k = 0; k < row.nnz; ++k) {
    scale[k] = std::sqrt(row.alpha * std::fabs(row.values[k]));
  }
  if (row.nnz > 0) {
    a.selfadjointView<Eigen::Lower>().rankUpdate(
        Gather(row.other, f, row.indices, row.nnz, scale, scratch).transpose());
  }
  Eigen::VectorXf& b = scratch->b;
  b.setZero();
  for (int64_t k = 0; k < row.nnz; ++k) {
    // Preference 0 (a value <= 0) adds nothing to b.
    if (!(row.values[k] > 0)) continue;
    b += (1.0f + row.alpha * row.values[k]) *
         Map<const Eigen::VectorXf>(row.other + int64_t{row.indices[k]} * f, f);
  }
  scratch->ldlt.compute(a);
  Map<Eigen::VectorXf>(x, f) = scratch->ldlt.solve(b);
}

// Explicit row: (sum y y^T + lambda n I) x = sum r y; x = 0 for an empty row.
void SolveExplicitRow(const float* other, int f, absl::Span<const int32_t> idx,
                      absl::Span<const float> values, float lambda, float* x,
                      RowScratch* scratch) {
  const int64_t n = static_cast<int64_t>(idx.size());
  Map<Eigen::VectorXf> out(x, f);
  if (n == 0) {
    out.setZero();
    return;
  }
  Eigen::MatrixXf& a = scratch->a;
  a.setZero();
  Map<const FactorMatrix> y =
      Gather(other, f, idx.data(), n, /*scale=*/nullptr, scratch);
  a.selfadjointView<Eigen::Lower>().rankUpdate(y.transpose());
  a.diagonal().array() += lambda * static_cast<float>(n);
  scratch->b.noalias() =
      y.transpose() * Map<const Eigen::VectorXf>(values.data(), n);
  scratch->ldlt.compute(a);
  out = scratch->ldlt.solve(scratch->b);
}

absl::Status ValidateOptions(const AlsOptions& o, bool implicit) {
  if (o.factors <= 0 || o.factors > kMaxFactors) {
    return absl::InvalidArgumentError(absl::StrCat(
        "factors must be in [1, ", kMaxFactors, "], got ", o.factors));
  }
  if (o.iterations <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("iterations must be > 0, got ", o.iterations));
  }
  if (!(o.regularization >= 0) || !std::isfinite(o.regularization)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "regularization must be finite and >= 0, got ", o.regularization));
  }
  if (o.threads <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("threads must be > 0, got ", o.threads));
  }
  if (!(o.init_stddev > 0) || !std::isfinite(o.init_stddev)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "init_stddev must be finite and > 0, got ", o.init_stddev));
  }
  if (implicit) {
    if (!(o.alpha >= 0) || !std::isfinite(o.alpha)) {
      return absl::InvalidArgumentError(
          absl::StrCat("alpha must be finite and >= 0, got ", o.alpha));
    }
    if (o.solver == Solver::kConjugateGradient && o.cg_steps <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cg_steps must be > 0, got ", o.cg_steps));
    }
  }
  return absl::OkStatus();
}

// Values need no check: InteractionMatrix::Create admits finite values
// only, and implicit ALS gives every sign a meaning.
absl::Status ValidateMatrix(const InteractionMatrix& m) {
  if (m.nnz() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("interaction matrix is empty (", m.num_users(),
                     " users x ", m.num_items(), " items, no nonzeros)"));
  }
  return absl::OkStatus();
}

FactorMatrix RandomFactors(int64_t rows, int f, float stddev,
                           std::mt19937_64* rng) {
  std::normal_distribution<float> normal(0.0f, stddev);
  FactorMatrix m(rows, f);
  float* data = m.data();
  for (int64_t k = 0; k < rows * f; ++k) data[k] = normal(*rng);
  return m;
}

// Solves every row of `rows` into `target` against `other`.
void SolveSide(const CsrMatrix& rows, const std::vector<int64_t>& chunks,
               const FactorMatrix& other, const FactorMatrix* gram,
               bool implicit, const AlsOptions& options,
               std::vector<RowScratch>* scratch, FactorMatrix* target) {
  const int f = options.factors;
  ParallelFor(static_cast<int64_t>(chunks.size()) - 1, options.threads,
              [&](int worker, int64_t chunk) {
                RowScratch* s = &(*scratch)[worker];
                for (int64_t r = chunks[chunk]; r < chunks[chunk + 1]; ++r) {
                  absl::Span<const int32_t> idx = rows.RowIndices(r);
                  absl::Span<const float> val = rows.RowValues(r);
                  float* x = target->row(r).data();
                  if (implicit) {
                    internal::ImplicitRow row;
                    row.other = other.data();
                    row.gram = gram->data();
                    row.indices = idx.data();
                    row.values = val.data();
                    row.nnz = static_cast<int64_t>(idx.size());
                    row.f = f;
                    row.alpha = options.alpha;
                    row.lambda = options.regularization;
                    SolveImplicitRow(row, options, x, s);
                  } else {
                    SolveExplicitRow(other.data(), f, idx, val,
                                     options.regularization, x, s);
                  }
                }
              });
}

// Per-chunk partial sums over the user rows, added in chunk order.
template <typename RowFn>
double SumOverRows(const std::vector<int64_t>& chunks, int threads,
                   const RowFn& row_fn) {
  std::vector<double> partial(chunks.size() - 1, 0.0);
  ParallelFor(static_cast<int64_t>(partial.size()), threads,
              [&](int, int64_t chunk) {
                double sum = 0;
                for (int64_t r = chunks[chunk]; r < chunks[chunk + 1]; ++r) {
                  sum += row_fn(r);
                }
                partial[chunk] = sum;
              });
  double total = 0;
  for (double p : partial) total += p;
  return total;
}

double FrobeniusInner(const FactorMatrix& a, const FactorMatrix& b) {
  return (a.cast<double>().array() * b.cast<double>().array()).sum();
}

absl::StatusOr<AlsModel> Train(const InteractionMatrix& matrix,
                               const AlsOptions& options, bool implicit) {
  NBO_RETURN_IF_ERROR(ValidateOptions(options, implicit));
  NBO_RETURN_IF_ERROR(ValidateMatrix(matrix));
  const int f = options.factors;
  const double lambda = options.regularization;
  const CsrMatrix& by_user = matrix.by_user();
  const CsrMatrix& by_item = matrix.by_item();
  const std::vector<int64_t> user_chunks = MakeRowChunks(by_user);
  const std::vector<int64_t> item_chunks = MakeRowChunks(by_item);

  AlsModel model;
  std::mt19937_64 rng(options.seed);
  model.user_factors =
      RandomFactors(matrix.num_users(), f, options.init_stddev, &rng);
  model.item_factors =
      RandomFactors(matrix.num_items(), f, options.init_stddev, &rng);
  FactorMatrix& x = model.user_factors;
  FactorMatrix& y = model.item_factors;

  // Built in place: copying a RowScratch copies an LDLT that has not
  // factorized yet, whose status Eigen leaves uninitialized (UBSan: load of
  // an invalid ComputationInfo).
  std::vector<RowScratch> scratch;
  scratch.reserve(options.threads);
  for (int t = 0; t < options.threads; ++t) scratch.emplace_back(f);
  // YtY of the current item factors, when the loss already computed it.
  std::optional<FactorMatrix> yty;
  auto cancelled = [&](int done) -> absl::Status {
    if (options.should_cancel && options.should_cancel()) {
      return absl::CancelledError(absl::StrCat("ALS training cancelled after ",
                                               done, " of ", options.iterations,
                                               " iterations"));
    }
    return absl::OkStatus();
  };

  for (int it = 1; it <= options.iterations; ++it) {
    NBO_RETURN_IF_ERROR(cancelled(it - 1));
    const absl::Time start = absl::Now();
    if (implicit && !yty.has_value()) yty = ComputeGramian(y, options.threads);
    SolveSide(by_user, user_chunks, y, yty ? &*yty : nullptr, implicit, options,
              &scratch, &x);
    yty.reset();

    NBO_RETURN_IF_ERROR(cancelled(it - 1));
    std::optional<FactorMatrix> xtx;
    if (implicit) xtx = ComputeGramian(x, options.threads);
    SolveSide(by_item, item_chunks, x, xtx ? &*xtx : nullptr, implicit, options,
              &scratch, &y);

    IterationStats stats;
    stats.iteration = it;
    stats.loss = std::numeric_limits<double>::quiet_NaN();
    stats.rmse = std::numeric_limits<double>::quiet_NaN();
    if (options.compute_loss && implicit) {
      yty = ComputeGramian(y, options.threads);
      const double correction =
          SumOverRows(user_chunks, options.threads, [&](int64_t u) {
            absl::Span<const int32_t> idx = by_user.RowIndices(u);
            internal::ImplicitRow row;
            row.other = y.data();
            row.indices = idx.data();
            row.values = by_user.RowValues(u).data();
            row.nnz = static_cast<int64_t>(idx.size());
            row.f = f;
            row.alpha = options.alpha;
            return internal::ImplicitRowLossCorrection(row, x.row(u).data());
          });
      stats.loss = FrobeniusInner(*xtx, *yty) + correction +
                   lambda * (xtx->trace() + static_cast<double>(yty->trace()));
    } else if (options.compute_loss) {
      const double sse =
          SumOverRows(user_chunks, options.threads, [&](int64_t u) {
            absl::Span<const int32_t> idx = by_user.RowIndices(u);
            return internal::SquaredErrorOnRow(
                y.data(), f, idx.data(), by_user.RowValues(u).data(),
                static_cast<int64_t>(idx.size()), x.row(u).data());
          });
      double penalty = 0;
      for (int64_t u = 0; u < matrix.num_users(); ++u) {
        penalty += static_cast<double>(by_user.RowIndices(u).size()) *
                   x.row(u).cast<double>().squaredNorm();
      }
      for (int64_t i = 0; i < matrix.num_items(); ++i) {
        penalty += static_cast<double>(by_item.RowIndices(i).size()) *
                   y.row(i).cast<double>().squaredNorm();
      }
      stats.loss = sse + lambda * penalty;
      stats.rmse = std::sqrt(sse / static_cast<double>(matrix.nnz()));
    }
    stats.seconds = absl::ToDoubleSeconds(absl::Now() - start);
    model.history.push_back(stats);
    if (options.progress) options.progress(stats);
  }
  return model;
}

}  // namespace

FactorMatrix ComputeGramian(const FactorMatrix& factors, int threads) {
  const int64_t rows = factors.rows();
  const int64_t f = factors.cols();
  const int64_t chunks = (rows + kGramianChunkRows - 1) / kGramianChunkRows;
  std::vector<Eigen::MatrixXf> partial(chunks);
  ParallelFor(chunks, std::max(threads, 1), [&](int, int64_t c) {
    const int64_t begin = c * kGramianChunkRows;
    const int64_t n = std::min(kGramianChunkRows, rows - begin);
    partial[c] = Eigen::MatrixXf::Zero(f, f);
    partial[c].selfadjointView<Eigen::Lower>().rankUpdate(
        factors.middleRows(begin, n).transpose());
  });
  Eigen::MatrixXf sum = Eigen::MatrixXf::Zero(f, f);
  for (const Eigen::MatrixXf& p : partial) sum += p;
  FactorMatrix gram = sum.selfadjointView<Eigen::Lower>();
  return gram;
}

absl::StatusOr<AlsModel> TrainImplicit(const InteractionMatrix& matrix,
                                       const AlsOptions& options) {
  return Train(matrix, options, /*implicit=*/true);
}

absl::StatusOr<AlsModel> TrainExplicit(const InteractionMatrix& matrix,
                                       const AlsOptions& options) {
  return Train(matrix, options, /*implicit=*/false);
}

absl::StatusOr<Eigen::VectorXf> SolveUserRow(const FactorMatrix& item_factors,
                                             const FactorMatrix& yty,
                                             absl::Span<const int32_t> items,
                                             absl::Span<const float> values,
                                             const AlsOptions& options,
                                             absl::Span<const float> initial) {
  NBO_RETURN_IF_ERROR(ValidateOptions(options, /*implicit=*/true));
  const int f = options.factors;
  if (item_factors.cols() != f) {
    return absl::InvalidArgumentError(
        absl::StrCat("item_factors has ", item_factors.cols(),
                     " columns, options.factors is ", f));
  }
  if (yty.rows() != f || yty.cols() != f) {
    return absl::InvalidArgumentError(absl::StrCat(
        "yty is ", yty.rows(), " x ", yty.cols(), ", want ", f, " x ", f));
  }
  if (!initial.empty() && static_cast<int>(initial.size()) != f) {
    return absl::InvalidArgumentError(
        absl::StrCat("initial has ", initial.size(), " values, want 0 or ", f));
  }
  if (items.size() != values.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(items.size(), " items but ", values.size(), " values"));
  }
  for (size_t k = 0; k < items.size(); ++k) {
    if (items[k] < 0 || items[k] >= item_factors.rows()) {
      return absl::InvalidArgumentError(absl::StrCat("item index ", items[k],
                                                     " is out of range [0, ",
                                                     item_factors.rows(), ")"));
    }
    if (!std::isfinite(values[k])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "value for item ", items[k], " must be finite, got ", values[k]));
    }
  }
  Eigen::VectorXf x = Eigen::VectorXf::Zero(f);
  if (!initial.empty()) {
    x = Map<const Eigen::VectorXf>(initial.data(), f);
  }
  internal::ImplicitRow row;
  row.other = item_factors.data();
  row.gram = yty.data();
  row.indices = items.data();
  row.values = values.data();
  row.nnz = static_cast<int64_t>(items.size());
  row.f = f;
  row.alpha = options.alpha;
  row.lambda = options.regularization;
  RowScratch scratch(f);
  SolveImplicitRow(row, options, x.data(), &scratch);
  return x;
}

double ImplicitIterationFlops(const InteractionMatrix& matrix,
                              const AlsOptions& options) {
  const int f = options.factors;
  const double fd = f;
  double flops = 0;
  for (const CsrMatrix* side : {&matrix.by_user(), &matrix.by_item()}) {
    // Gramian of the other side (lower triangle, n f (f + 1) flops).
    flops += static_cast<double>(side->num_cols()) * fd * (fd + 1);
    for (int64_t r = 0; r < side->num_rows(); ++r) {
      flops += internal::ImplicitConjugateGradientFlops(
          side->offsets()[r + 1] - side->offsets()[r], f, options.cg_steps);
    }
  }
  if (options.compute_loss) {
    flops += static_cast<double>(matrix.nnz()) * (2 * fd + 6) + 3 * fd * fd;
  }
  return flops;
}

const char* KernelVariant() { return internal::KernelVariant(); }

}  // namespace nbo::als
