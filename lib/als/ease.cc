// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/als/ease.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

#include "Eigen/Cholesky"
#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace nbo::als {
namespace {

// Columns of P = G^-1 solved per task: wide enough for the triangular
// solves to run as blocked matrix products, narrow enough that threads
// share the work evenly and cancellation is polled every second or so at
// the largest catalog.
constexpr int64_t kInverseBlockColumns = 128;

using RowMajorMatrixXd =
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Runs fn(task) for task in [0, num_tasks) on up to `threads` threads (the
// caller is one of them). What a task computes must not depend on which
// thread runs it.
template <typename Fn>
void ParallelFor(int64_t num_tasks, int threads, const Fn& fn) {
  std::atomic<int64_t> next{0};
  auto run = [&]() {
    for (int64_t task;
         (task = next.fetch_add(1, std::memory_order_relaxed)) < num_tasks;) {
      fn(task);
    }
  };
  const int workers = static_cast<int>(
      std::min<int64_t>(threads, std::max<int64_t>(num_tasks, 1)));
  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  for (int w = 1; w < workers; ++w) pool.emplace_back(run);
  run();
  for (std::thread& t : pool) t.join();
}

absl::Status ValidateOptions(const InteractionMatrix& matrix,
                             const EaseOptions& options) {
  if (!std::isfinite(options.lambda) || !(options.lambda > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "EASE lambda must be finite and > 0, got ", options.lambda));
  }
  if (options.threads < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("threads must be > 0, got ", options.threads));
  }
  if (matrix.num_items() < 1 || matrix.num_items() > kEaseMaxItems) {
    return absl::InvalidArgumentError(
        absl::StrCat("EASE takes catalogs of 1..", kEaseMaxItems,
                     " products, got ", matrix.num_items()));
  }
  if (matrix.nnz() == 0) {
    return absl::InvalidArgumentError("the interaction matrix is empty");
  }
  return absl::OkStatus();
}

// G = X^T X (lower and upper), X weighted by EaseWeight. Threads own
// disjoint bands of G's rows and each adds every user's outer product to its
// band in user order, so every cell is summed in the same order whatever
// the thread count. O(sum_u nnz_u^2) multiply-adds.
Eigen::MatrixXd WeightedGramian(const CsrMatrix& by_user, int64_t items,
                                int threads) {
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(items, items);
  const int64_t bands = std::min<int64_t>(items, int64_t{4} * threads);
  ParallelFor(bands, threads, [&](int64_t band) {
    const int64_t first = items * band / bands;
    const int64_t last = items * (band + 1) / bands;
    for (int64_t u = 0; u < by_user.num_rows(); ++u) {
      const absl::Span<const int32_t> cols = by_user.RowIndices(u);
      const absl::Span<const float> values = by_user.RowValues(u);
      for (size_t a = 0; a < cols.size(); ++a) {
        if (cols[a] < first || cols[a] >= last) continue;
        const double xa = EaseWeight(values[a]);
        if (xa == 0) continue;
        for (size_t b = 0; b < cols.size(); ++b) {
          // Column-major: column cols[a] is contiguous, and the band's
          // threads write disjoint columns of this symmetric matrix.
          g(cols[b], cols[a]) += xa * EaseWeight(values[b]);
        }
      }
    }
  });
  return g;
}

}  // namespace

void EaseUserVector(absl::Span<const int32_t> items,
                    absl::Span<const float> values, absl::Span<float> out) {
  std::fill(out.begin(), out.end(), 0.0f);
  for (size_t k = 0; k < items.size(); ++k) {
    out[items[k]] = EaseWeight(values[k]);
  }
}

absl::StatusOr<EaseModel> TrainEase(const InteractionMatrix& matrix,
                                    const EaseOptions& options) {
  if (absl::Status s = ValidateOptions(matrix, options); !s.ok()) return s;
  const absl::Time start = absl::Now();
  const int64_t n = matrix.num_items();
  const bool report = options.progress && n >= kEaseProgressMinItems;
  auto cancelled = [&options]() {
    return options.should_cancel && options.should_cancel();
  };
  auto emit = [&](const char* stage, double fraction) {
    if (!report) return;
    options.progress(
        {stage, fraction, absl::ToDoubleSeconds(absl::Now() - start)});
  };
  if (cancelled()) return absl::CancelledError("EASE training cancelled");

  Eigen::MatrixXd g = WeightedGramian(matrix.by_user(), n, options.threads);
  g.diagonal().array() += static_cast<double>(options.lambda);
  emit("gramian", 1.0);
  if (cancelled()) return absl::CancelledError("EASE training cancelled");

  // G is symmetric positive definite (X^T X plus lambda > 0 on the
  // diagonal), so Cholesky factors it; LLT reads the lower triangle.
  const Eigen::LLT<Eigen::MatrixXd> llt(g);
  if (llt.info() != Eigen::Success) {
    return absl::InternalError(
        "EASE: X^T X + lambda I is not numerically positive definite");
  }
  g.resize(0, 0);

  // P = G^-1 by blocks of columns, and B's columns from them at once:
  // item_factors row j = column j of B = -P(:, j) / P(j, j), 0 at j.
  EaseModel model;
  model.item_factors.resize(n, n);
  const int64_t blocks = (n + kInverseBlockColumns - 1) / kInverseBlockColumns;
  std::atomic<bool> any_singular{false};
  for (int64_t round = 0; round < blocks; round += options.threads) {
    const int64_t round_end =
        std::min<int64_t>(blocks, round + options.threads);
    ParallelFor(round_end - round, options.threads, [&](int64_t task) {
      const int64_t first = (round + task) * kInverseBlockColumns;
      const int64_t width = std::min(kInverseBlockColumns, n - first);
      Eigen::MatrixXd identity = Eigen::MatrixXd::Zero(n, width);
      for (int64_t c = 0; c < width; ++c) identity(first + c, c) = 1.0;
      const Eigen::MatrixXd p = llt.solve(identity);
      for (int64_t c = 0; c < width; ++c) {
        const int64_t j = first + c;
        const double pjj = p(j, c);
        if (!(pjj > 0) || !std::isfinite(pjj)) {
          any_singular.store(true, std::memory_order_relaxed);
          continue;
        }
        model.item_factors.row(j) = (p.col(c) * (-1.0 / pjj)).cast<float>();
        model.item_factors(j, j) = 0.0f;
      }
    });
    emit("inverse", static_cast<double>(round_end) / blocks);
    if (cancelled()) return absl::CancelledError("EASE training cancelled");
  }
  if (any_singular.load() || !model.item_factors.allFinite()) {
    return absl::InternalError("EASE: the inverse of G is not finite");
  }

  const CsrMatrix& by_user = matrix.by_user();
  model.user_factors = FactorMatrix::Zero(matrix.num_users(), n);
  for (int64_t u = 0; u < matrix.num_users(); ++u) {
    EaseUserVector(by_user.RowIndices(u), by_user.RowValues(u),
                   absl::MakeSpan(model.user_factors.row(u).data(), n));
  }
  return model;
}

}  // namespace nbo::als
