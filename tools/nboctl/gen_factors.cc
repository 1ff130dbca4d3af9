// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nboctl gen-factors: synthetic ALS factors with planted structure, written
// as Spark MLlib writes them, plus the matching products.csv.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lib/data/synthetic_factors.h"
#include "tools/nboctl/cli_util.h"
#include "tools/nboctl/commands.h"
#include "tools/nboctl/common_flags.h"

// Defined in publish.cc, where it names products.csv; here it is a count.
ABSL_DECLARE_FLAG(std::string, products);

ABSL_FLAG(int, rank, 10, "gen-factors: factor length (the ALS rank)");
ABSL_FLAG(uint64_t, seed, 1,
          "gen-factors: seed of every random choice; the same seed gives the "
          "same files");
ABSL_FLAG(std::string, out, "",
          "gen-factors: output directory (userFactors/, itemFactors/, "
          "products.csv); earlier part files there are replaced");
ABSL_FLAG(int, segments, 5,
          "gen-factors: latent customer segments (at most --rank are used)");
ABSL_FLAG(int64_t, rows_per_file, 500000, "gen-factors: rows per part file");

namespace nbo::nboctl {
namespace {

// Customers when --customers is not given: the original demo's size.
constexpr int64_t kDefaultCustomers = 10000;
// Products when --products is not given: the original demo's catalog.
constexpr int kDefaultProducts = 8;
constexpr double kMiB = 1024.0 * 1024.0;

}  // namespace

int GenFactors(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return UsageError("gen-factors", "unexpected argument '" + args[0] + "'");
  }
  data::SyntheticFactorGenerator::Options options;
  options.customers = absl::GetFlag(FLAGS_customers);
  if (options.customers == 0) options.customers = kDefaultCustomers;
  const std::string products = absl::GetFlag(FLAGS_products);
  options.products = kDefaultProducts;
  if (!products.empty() && !absl::SimpleAtoi(products, &options.products)) {
    return UsageError(
        "gen-factors",
        "--products must be a number of products, got '" + products + "'");
  }
  options.rank = absl::GetFlag(FLAGS_rank);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.segments = absl::GetFlag(FLAGS_segments);
  const std::string out = absl::GetFlag(FLAGS_out);
  const int64_t rows_per_file = absl::GetFlag(FLAGS_rows_per_file);
  if (out.empty()) return UsageError("gen-factors", "--out=DIR is required");
  if (rows_per_file < 1) {
    return UsageError("gen-factors", "--rows_per_file must be at least 1");
  }
  absl::StatusOr<std::unique_ptr<data::SyntheticFactorGenerator>> generator =
      data::SyntheticFactorGenerator::Create(options);
  if (!generator.ok())
    return UsageError("gen-factors", generator.status().message());

  const absl::Time start = absl::Now();
  const bool tty = isatty(STDERR_FILENO) == 1;
  absl::Time last_report = start;
  bool dirty = false;
  auto report = [&](int64_t rows, uint64_t bytes) {
    const absl::Time now = absl::Now();
    if (now - last_report < absl::Milliseconds(500)) return;
    last_report = now;
    const double seconds = absl::ToDoubleSeconds(now - start);
    std::fprintf(stderr,
                 "%sgen-factors: %lld/%lld customer rows (%.0f%%), %.1f MiB, "
                 "%.0f rows/s%s",
                 tty ? "\r" : "", static_cast<long long>(rows),
                 static_cast<long long>(options.customers),
                 100.0 * rows / options.customers, bytes / kMiB,
                 seconds > 0 ? rows / seconds : 0.0, tty ? "\033[K" : "\n");
    std::fflush(stderr);
    dirty = tty;
  };
  absl::StatusOr<data::SyntheticWriteStats> stats =
      data::WriteSyntheticFactors(**generator, out, rows_per_file, report);
  if (dirty) std::fputc('\n', stderr);
  if (!stats.ok()) return ReportError("gen-factors", stats.status());
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::fprintf(stderr,
               "gen-factors: wrote %lld customers and %lld products x %d "
               "factors (%d segments, seed %llu) to %s: %.1f MiB in %.2f s "
               "(%.0f rows/s, %.1f MiB/s)\n",
               static_cast<long long>(stats->customer_rows),
               static_cast<long long>(stats->item_rows), options.rank,
               (*generator)->segments(),
               static_cast<unsigned long long>(options.seed), out.c_str(),
               stats->bytes / kMiB, seconds,
               seconds > 0 ? stats->customer_rows / seconds : 0.0,
               seconds > 0 ? stats->bytes / kMiB / seconds : 0.0);
  return 0;
}

}  // namespace nbo::nboctl
