// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nboctl datagen: synthetic bank data with planted structure
// (customers.csv, products.csv, transactions.csv), the trainer's input.

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
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lib/data/bank_datagen.h"
#include "lib/data/basket_datagen.h"
#include "tools/nboctl/cli_util.h"
#include "tools/nboctl/commands.h"
#include "tools/nboctl/common_flags.h"

// Defined in gen-factors.cc.
ABSL_DECLARE_FLAG(uint64_t, seed);
ABSL_DECLARE_FLAG(std::string, out);

ABSL_FLAG(std::string, catalog, "demo8",
          "datagen: demo8 (the demo's 8 products), santander24, or basket "
          "(retail purchases over a long-tailed catalog, for the random "
          "protocol)");
// Defined in publish.cc, where it names products.csv; here, with
// --catalog=basket, it is the catalog size (empty: 300).
ABSL_DECLARE_FLAG(std::string, products);
ABSL_FLAG(int, days, 730, "datagen: length of the event window in days");

namespace nbo::nboctl {
namespace {

// Customers when --customers is not given: the demo's size.
constexpr int64_t kDefaultCustomers = 10000;
constexpr double kMiB = 1024.0 * 1024.0;

// --catalog=basket: data::WriteBasketData, with progress.
int BasketDatagen(int64_t customers, const std::string& out) {
  data::BasketDataOptions options;
  options.customers = customers;
  const std::string products = absl::GetFlag(FLAGS_products);
  if (!products.empty() && !absl::SimpleAtoi(products, &options.products)) {
    return UsageError("datagen",
                      "--products must be a number of products, "
                      "got '" +
                          products + "'");
  }
  options.seed = absl::GetFlag(FLAGS_seed);
  const absl::Time start = absl::Now();
  absl::StatusOr<data::BasketDataStats> stats =
      data::WriteBasketData(options, out, [&](int64_t done) {
        std::fprintf(stderr, "datagen: %lld/%lld customers\n",
                     static_cast<long long>(done),
                     static_cast<long long>(options.customers));
      });
  if (!stats.ok()) return ReportError("datagen", stats.status());
  std::fprintf(stderr,
               "datagen: wrote %lld customers, %d products and %lld "
               "purchases, catalog basket, seed %llu, to %s in %.2f s\n",
               static_cast<long long>(stats->customers), options.products,
               static_cast<long long>(stats->transactions),
               static_cast<unsigned long long>(options.seed), out.c_str(),
               absl::ToDoubleSeconds(absl::Now() - start));
  return 0;
}

}  // namespace

int Datagen(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return UsageError("datagen", "unexpected argument '" + args[0] + "'");
  }
  if (absl::GetFlag(FLAGS_catalog) == "basket") {
    const std::string out = absl::GetFlag(FLAGS_out);
    if (out.empty()) return UsageError("datagen", "--out=DIR is required");
    const int64_t customers = absl::GetFlag(FLAGS_customers);
    return BasketDatagen(customers == 0 ? 5000 : customers, out);
  }
  data::BankDataGenerator::Options options;
  options.customers = absl::GetFlag(FLAGS_customers);
  if (options.customers == 0) options.customers = kDefaultCustomers;
  const std::string catalog = absl::GetFlag(FLAGS_catalog);
  if (catalog == "demo8") {
    options.products = 8;
  } else if (catalog == "santander24") {
    options.products = 24;
  } else {
    return UsageError("datagen",
                      "--catalog must be demo8, santander24 or basket, got '" +
                          catalog + "'");
  }
  options.seed = absl::GetFlag(FLAGS_seed);
  options.days = absl::GetFlag(FLAGS_days);
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) return UsageError("datagen", "--out=DIR is required");
  absl::StatusOr<std::unique_ptr<data::BankDataGenerator>> generator =
      data::BankDataGenerator::Create(options);
  if (!generator.ok()) {
    return UsageError("datagen", generator.status().message());
  }

  const absl::Time start = absl::Now();
  const bool tty = isatty(STDERR_FILENO) == 1;
  absl::Time last_report = start;
  bool dirty = false;
  auto report = [&](int64_t customers, uint64_t bytes) {
    const absl::Time now = absl::Now();
    if (now - last_report < absl::Milliseconds(500)) return;
    last_report = now;
    const double seconds = absl::ToDoubleSeconds(now - start);
    std::fprintf(stderr,
                 "%sdatagen: %lld/%lld customers (%.0f%%), %.1f MiB, "
                 "%.0f customers/s%s",
                 tty ? "\r" : "", static_cast<long long>(customers),
                 static_cast<long long>(options.customers),
                 100.0 * customers / options.customers, bytes / kMiB,
                 seconds > 0 ? customers / seconds : 0.0,
                 tty ? "\033[K" : "\n");
    std::fflush(stderr);
    dirty = tty;
  };
  absl::StatusOr<data::BankDataWriteStats> stats =
      data::WriteBankData(**generator, out, report);
  if (dirty) std::fputc('\n', stderr);
  if (!stats.ok()) return ReportError("datagen", stats.status());
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const uint64_t bytes = stats->customers_bytes + stats->products_bytes +
                         stats->transactions_bytes;
  std::fprintf(stderr,
               "datagen: wrote %lld customers (%.1f MiB), %d products and "
               "%lld transactions (%.1f MiB), catalog %s, seed %llu, to %s "
               "in %.2f s (%.1f MiB/s)\n",
               static_cast<long long>(stats->customers),
               stats->customers_bytes / kMiB, options.products,
               static_cast<long long>(stats->transactions),
               stats->transactions_bytes / kMiB, catalog.c_str(),
               static_cast<unsigned long long>(options.seed), out.c_str(),
               seconds, seconds > 0 ? bytes / kMiB / seconds : 0.0);
  return 0;
}

}  // namespace nbo::nboctl
