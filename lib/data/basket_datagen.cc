// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/basket_datagen.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/data/bank_data.h"
#include "lib/data/split_mix.h"

namespace nbo::data {
namespace {

// Draws an index with probability proportional to its weight, from the
// running sums of the weights.
int Draw(const std::vector<double>& cumulative, uint64_t* rng) {
  const double x = Uniform(rng) * cumulative.back();
  return static_cast<int>(
      std::upper_bound(cumulative.begin(), cumulative.end(), x) -
      cumulative.begin());
}

// The catalog's planted structure: weights, aisles and companions.
struct Catalog {
  std::vector<int> aisle;      // Per product.
  std::vector<int> companion;  // Per product, in its aisle.
  std::vector<double> all;     // Running sums of every product's weight.
  // Per aisle: its products and the running sums of their weights.
  std::vector<std::vector<int>> members;
  std::vector<std::vector<double>> within;
  std::vector<double> aisles;  // Running sums of the aisles' weights.
};

Catalog MakeCatalog(const BasketDataOptions& options, uint64_t* rng) {
  const int n = options.products;
  std::vector<int> rank(n);
  std::iota(rank.begin(), rank.end(), 0);
  for (int i = n - 1; i > 0; --i) {
    std::swap(rank[i], rank[NextRandom(rng) % (i + 1)]);
  }
  Catalog c;
  c.aisle.resize(n);
  c.members.resize(options.aisles);
  c.within.resize(options.aisles);
  std::vector<double> weight(n);
  std::vector<double> aisle_weight(options.aisles, 0);
  double total = 0;
  for (int p = 0; p < n; ++p) {
    weight[p] = 1.0 / (rank[p] + 1);
    c.aisle[p] = static_cast<int>(NextRandom(rng) % options.aisles);
    if (p < options.aisles) c.aisle[p] = p;  // No aisle is empty.
    c.members[c.aisle[p]].push_back(p);
    total += weight[p];
    c.all.push_back(total);
    aisle_weight[c.aisle[p]] += weight[p];
  }
  double sum = 0;
  for (int a = 0; a < options.aisles; ++a) {
    double within = 0;
    for (int p : c.members[a]) c.within[a].push_back(within += weight[p]);
    c.aisles.push_back(sum += aisle_weight[a]);
  }
  c.companion.resize(n);
  for (int p = 0; p < n; ++p) {
    const std::vector<int>& mates = c.members[c.aisle[p]];
    c.companion[p] = mates[NextRandom(rng) % mates.size()];
  }
  return c;
}

// One customer's purchases (product indices), in order.
std::vector<int> Purchases(const Catalog& c, const BasketDataOptions& options,
                           uint64_t* rng) {
  std::vector<int> favourites(2 + NextRandom(rng) % 2);
  for (int& a : favourites) a = Draw(c.aisles, rng);
  // 3 + geometric, so that the mean is mean_purchases.
  const double stop = 1.0 / (options.mean_purchases - 2);
  int count = 3;
  while (Uniform(rng) > stop) ++count;
  std::vector<int> out;
  while (static_cast<int>(out.size()) < count) {
    int p;
    if (Uniform(rng) < 0.7) {
      const int a = favourites[NextRandom(rng) % favourites.size()];
      p = c.members[a][Draw(c.within[a], rng)];
    } else {
      p = Draw(c.all, rng);
    }
    out.push_back(p);
    if (Uniform(rng) < 0.25) out.push_back(c.companion[p]);
  }
  return out;
}

absl::Status CheckOptions(const BasketDataOptions& o) {
  if (o.customers < 1 || o.customers > 10000000 || o.products < 10 ||
      o.products > 9999 || o.aisles < 2 || o.aisles > o.products ||
      !(o.mean_purchases >= 4) || o.mean_purchases > 1e4 || o.days < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "basket data: customers must be in [1, 10^7] (got %d), products in "
        "[10, 9999] (%d), aisles in [2, products] (%d), mean_purchases in "
        "[4, 10^4] (%g), days >= 1 (%d)",
        o.customers, o.products, o.aisles, o.mean_purchases, o.days));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<BasketDataStats> WriteBasketData(
    const BasketDataOptions& options, const std::string& dir,
    const std::function<void(int64_t customers)>& progress) {
  if (absl::Status s = CheckOptions(options); !s.ok()) return s;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  uint64_t rng = options.seed * 0x9E3779B97F4A7C15ull + 1;
  const Catalog catalog = MakeCatalog(options, &rng);
  std::ofstream products(dir + "/products.csv", std::ios::trunc);
  products << "product_id,name,category,business_value\n";
  for (int p = 0; p < options.products; ++p) {
    products << absl::StrFormat("B%04d,Item %d,aisle%02d,1\n", p + 1, p + 1,
                                catalog.aisle[p] + 1);
  }
  products.close();
  std::ofstream transactions(dir + "/transactions.csv", std::ios::trunc);
  transactions << "customer_id,product_id,event,timestamp,amount\n";
  BasketDataStats stats;
  const int64_t seconds = int64_t{options.days} * 86400;
  for (int64_t u = 0; u < options.customers; ++u) {
    uint64_t customer_rng = options.seed ^ (0xD1B54A32D192ED03ull * (u + 1));
    std::vector<std::pair<int64_t, int>> timeline;
    for (int p : Purchases(catalog, options, &customer_rng)) {
      timeline.emplace_back(
          options.start_unix_seconds +
              static_cast<int64_t>(Uniform(&customer_rng) * seconds),
          p);
    }
    std::sort(timeline.begin(), timeline.end());
    for (const auto& [t, p] : timeline) {
      transactions << absl::StrFormat("U%06d,B%04d,purchase,%s,\n", u + 1,
                                      p + 1, FormatTimestamp(t));
      ++stats.transactions;
    }
    ++stats.customers;
    if (progress && (stats.customers % 10000 == 0 ||
                     stats.customers == options.customers)) {
      progress(stats.customers);
    }
  }
  transactions.close();
  if (!products || !transactions) {
    return absl::InternalError(absl::StrCat("cannot write into ", dir));
  }
  return stats;
}

}  // namespace nbo::data
