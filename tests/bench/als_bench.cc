// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Times implicit ALS (conjugate gradient) on synthetic matrices whose item
// popularity follows a power law (Zipf, exponent 1) and whose users have
// exponentially distributed activity. Prints seconds per iteration, the
// achieved GFLOP/s (flops counted by nbo::als::ImplicitIterationFlops, i.e.
// assuming every row runs all its CG steps) and peak RSS (VmHWM).
//
//   als_bench [--shape=demo|santander|movielens|catalog1k|catalog4k|all]
//             [--iterations=5] [--factors=64] [--threads=2] [--cg_steps=3]
//             [--loss=1] [--model=als|ease]
//
// Shapes: demo 10k users x 8 items x ~60k nnz; santander 1M x 24 x ~10M;
// movielens (MovieLens-20M's shape) 138k x 27k x ~10M (20M ratings, about
// half of them positive); catalog1k 50k x 1024 x ~1M and catalog4k
// 10k x 4096 x ~500k, bank catalogs at EASE's scale.
//
// --model=ease times EASE (lib/als/ease.h) instead, on the shapes within
// its catalog limit: wall time of X^T X and of the inverse, and peak RSS.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lib/als/als.h"
#include "lib/als/ease.h"
#include "lib/als/interaction_matrix.h"

namespace {

struct Shape {
  const char* name;
  int64_t users;
  int64_t items;
  int64_t nnz;
};

constexpr Shape kShapes[] = {
    {"demo", 10'000, 8, 60'000},
    {"santander", 1'000'000, 24, 10'000'000},
    {"movielens", 138'000, 27'000, 10'000'000},
    {"catalog1k", 50'000, 1024, 1'000'000},
    {"catalog4k", 10'000, 4096, 500'000},
};

std::string PeakRss() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      line.erase(0, 6);
      line.erase(0, line.find_first_not_of(" \t"));
      return line;
    }
  }
  return "unknown";
}

// CPU seconds used by all of this process's threads. On a machine shared
// with other work, CPU time / threads estimates the uncontended wall time.
double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

std::vector<nbo::als::Interaction> Generate(const Shape& shape, uint64_t seed) {
  std::mt19937_64 rng(seed);
  // Zipf CDF over popularity ranks, ranks scattered over item ids.
  std::vector<double> cdf(shape.items);
  double sum = 0;
  for (int64_t r = 0; r < shape.items; ++r) {
    sum += 1.0 / static_cast<double>(r + 1);
    cdf[r] = sum;
  }
  std::vector<int32_t> item_of_rank(shape.items);
  for (int64_t i = 0; i < shape.items; ++i) {
    item_of_rank[i] = static_cast<int32_t>(i);
  }
  std::shuffle(item_of_rank.begin(), item_of_rank.end(), rng);
  std::uniform_real_distribution<double> uniform(0.0, sum);
  // A user wants min(items, 1 + floor(E)) items, E exponential with mean mu;
  // pick mu by bisection so that the expected count, sum over k in
  // [1, items] of exp(-(k - 1) / mu), is nnz / users.
  const double want_mean = static_cast<double>(shape.nnz) / shape.users;
  double lo = 1e-3, hi = 1e7;
  for (int step = 0; step < 200; ++step) {
    const double mu = std::sqrt(lo * hi);
    double expected = 0;
    for (int64_t k = 1; k <= shape.items; ++k) {
      const double term = std::exp(-static_cast<double>(k - 1) / mu);
      expected += term;
      if (term < 1e-12) break;
    }
    (expected < want_mean ? lo : hi) = mu;
  }
  std::exponential_distribution<double> activity(1.0 / lo);
  std::exponential_distribution<double> count(1.0);
  std::vector<int64_t> last_user(shape.items, -1);
  std::vector<nbo::als::Interaction> cells;
  cells.reserve(shape.nnz + shape.nnz / 10);
  for (int64_t u = 0; u < shape.users; ++u) {
    const int64_t want =
        std::min<int64_t>(shape.items, 1 + static_cast<int64_t>(activity(rng)));
    int64_t got = 0;
    for (int64_t attempt = 0; got < want && attempt < 50 * want; ++attempt) {
      const int64_t rank =
          std::lower_bound(cdf.begin(), cdf.end(), uniform(rng)) - cdf.begin();
      const int32_t item = item_of_rank[std::min(rank, shape.items - 1)];
      if (last_user[item] == u) continue;
      last_user[item] = u;
      cells.push_back({u, item, 1.0f + static_cast<float>(int(count(rng)))});
      ++got;
    }
  }
  return cells;
}

int Run(const Shape& shape, const nbo::als::AlsOptions& base) {
  absl::Time start = absl::Now();
  std::vector<nbo::als::Interaction> cells = Generate(shape, 1);
  const double generate_s = absl::ToDoubleSeconds(absl::Now() - start);
  start = absl::Now();
  absl::StatusOr<nbo::als::InteractionMatrix> matrix =
      nbo::als::InteractionMatrix::Create(shape.users, shape.items, cells);
  if (!matrix.ok()) {
    std::fprintf(stderr, "%s\n", matrix.status().ToString().c_str());
    return 1;
  }
  const double build_s = absl::ToDoubleSeconds(absl::Now() - start);
  cells.clear();
  cells.shrink_to_fit();

  nbo::als::AlsOptions options = base;
  const double flops = nbo::als::ImplicitIterationFlops(*matrix, options);
  std::printf(
      "[%s] %lld users x %lld items, %lld nnz; generate %.2f s, build %.2f s; "
      "factors %d, cg_steps %d, threads %d, kernels %s, loss %s\n",
      shape.name, static_cast<long long>(matrix->num_users()),
      static_cast<long long>(matrix->num_items()),
      static_cast<long long>(matrix->nnz()), generate_s, build_s,
      options.factors, options.cg_steps, options.threads,
      nbo::als::KernelVariant(), options.compute_loss ? "on" : "off");
  std::vector<double> cpu_seconds;
  double cpu_mark = 0;
  options.progress = [&](const nbo::als::IterationStats& s) {
    const double now = ProcessCpuSeconds();
    cpu_seconds.push_back(now - cpu_mark);
    cpu_mark = now;
    std::printf(
        "  iteration %2d: %.3f s wall, %.3f CPU-s, %.1f GFLOP/s, loss %.6g\n",
        s.iteration, s.seconds, cpu_seconds.back(), flops / s.seconds / 1e9,
        s.loss);
    std::fflush(stdout);
  };
  start = absl::Now();
  cpu_mark = ProcessCpuSeconds();
  absl::StatusOr<nbo::als::AlsModel> model =
      nbo::als::TrainImplicit(*matrix, options);
  const double train_s = absl::ToDoubleSeconds(absl::Now() - start);
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", model.status().ToString().c_str());
    return 1;
  }
  std::vector<double> seconds;
  for (const auto& s : model->history) seconds.push_back(s.seconds);
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  std::sort(cpu_seconds.begin(), cpu_seconds.end());
  const double cpu_median = cpu_seconds[cpu_seconds.size() / 2];
  std::printf(
      "[%s] median %.3f s/iteration wall (best %.3f), %.3f CPU-s/iteration "
      "(%.3f s if each thread had a core), %.2f GFLOP/iteration, %.1f "
      "GFLOP/s at the median; total %.2f s; peak RSS %s\n\n",
      shape.name, median, seconds.front(), cpu_median,
      cpu_median / options.threads, flops / 1e9, flops / median / 1e9, train_s,
      PeakRss().c_str());
  return 0;
}

int RunEase(const Shape& shape, int threads) {
  if (shape.items > nbo::als::kEaseMaxItems) {
    std::printf("[%s] skipped: %lld items is above EASE's limit of %lld\n\n",
                shape.name, static_cast<long long>(shape.items),
                static_cast<long long>(nbo::als::kEaseMaxItems));
    return 0;
  }
  const std::vector<nbo::als::Interaction> cells = Generate(shape, 1);
  absl::StatusOr<nbo::als::InteractionMatrix> matrix =
      nbo::als::InteractionMatrix::Create(shape.users, shape.items, cells);
  if (!matrix.ok()) {
    std::fprintf(stderr, "%s\n", matrix.status().ToString().c_str());
    return 1;
  }
  nbo::als::EaseOptions options;
  options.threads = threads;
  double gramian_s = 0;
  options.progress = [&](const nbo::als::EaseProgress& p) {
    if (p.stage == "gramian") gramian_s = p.seconds;
  };
  const absl::Time start = absl::Now();
  const double cpu_start = ProcessCpuSeconds();
  absl::StatusOr<nbo::als::EaseModel> model =
      nbo::als::TrainEase(*matrix, options);
  const double train_s = absl::ToDoubleSeconds(absl::Now() - start);
  const double cpu_s = ProcessCpuSeconds() - cpu_start;
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", model.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "[%s] EASE %lld users x %lld items, %lld nnz, threads %d: %.3f s wall "
      "(X^T X %s), %.3f CPU-s; peak RSS %s\n\n",
      shape.name, static_cast<long long>(matrix->num_users()),
      static_cast<long long>(matrix->num_items()),
      static_cast<long long>(matrix->nnz()), threads, train_s,
      shape.items >= nbo::als::kEaseProgressMinItems
          ? absl::StrFormat("%.3f s", gramian_s).c_str()
          : "not reported",
      cpu_s, PeakRss().c_str());
  return 0;
}

bool Flag(const std::string& arg, const char* name, std::string* value) {
  const std::string prefix = std::string("--") + name + "=";
  if (arg.rfind(prefix, 0) != 0) return false;
  *value = arg.substr(prefix.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string shape = "all";
  bool ease = false;
  nbo::als::AlsOptions options;
  options.iterations = 5;
  for (int k = 1; k < argc; ++k) {
    const std::string arg = argv[k];
    std::string v;
    if (Flag(arg, "shape", &v)) {
      shape = v;
    } else if (Flag(arg, "iterations", &v)) {
      options.iterations = std::atoi(v.c_str());
    } else if (Flag(arg, "factors", &v)) {
      options.factors = std::atoi(v.c_str());
    } else if (Flag(arg, "threads", &v)) {
      options.threads = std::atoi(v.c_str());
    } else if (Flag(arg, "cg_steps", &v)) {
      options.cg_steps = std::atoi(v.c_str());
    } else if (Flag(arg, "loss", &v)) {
      options.compute_loss = v != "0";
    } else if (Flag(arg, "model", &v) && (v == "als" || v == "ease")) {
      ease = v == "ease";
    } else {
      std::fprintf(stderr,
                   "usage: %s [--shape=demo|santander|movielens|catalog1k|"
                   "catalog4k|all] [--iterations=N] [--factors=N] "
                   "[--threads=N] [--cg_steps=N] [--loss=0|1] "
                   "[--model=als|ease]\n",
                   argv[0]);
      return 2;
    }
  }
  bool ran = false;
  for (const Shape& s : kShapes) {
    if (shape == "all" || shape == s.name) {
      if ((ease ? RunEase(s, options.threads) : Run(s, options)) != 0) {
        return 1;
      }
      ran = true;
    }
  }
  if (!ran) {
    std::fprintf(stderr, "unknown shape %s\n", shape.c_str());
    return 2;
  }
  return 0;
}
