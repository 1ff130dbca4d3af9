// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Synthetic basket data with a long-tailed catalog: the shape of a retail
// purchase log (a few thousand customers, a few hundred products, tens of
// purchases each), for judging models with the random and leave-k-out
// protocols, where nbo's bank catalogs (8 and 24 products) are too small to
// tell item models apart.
//
// Planted structure, reproducible by seed:
//   - popularity: product p's weight is 1 / (rank_p + 1), a Zipf tail over a
//     random order of the catalog;
//   - tastes: products sit in `aisles` aisles; each customer favours two or
//     three aisles (popular aisles more often) and takes 70% of purchases
//     from them, the rest from the whole catalog, each by weight;
//   - complements: every product has a companion in its aisle, bought along
//     with it a quarter of the time (item-item structure).
// Writes products.csv (product_id,name,category,business_value) and
// transactions.csv (customer_id,product_id,event,timestamp,amount; every
// event a purchase), no customers.csv: the layout data::ReadBankData reads.
//
//   BasketDataOptions options;
//   options.customers = 5000;
//   NBO_ASSIGN_OR_RETURN(BasketDataStats stats,
//                        WriteBasketData(options, "/tmp/basket", nullptr));

#ifndef NBO_LIB_DATA_BASKET_DATAGEN_H_
#define NBO_LIB_DATA_BASKET_DATAGEN_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"

namespace nbo::data {

struct BasketDataOptions {
  // Customers, ids U000001, U000002, ...; 1..10^7. Default: 5,000.
  int64_t customers = 5000;
  // Products, ids B0001, B0002, ...; 10..9999. Default: 300.
  int products = 300;
  // Aisles the products sit in; 2..products. Default: 20.
  int aisles = 20;
  // Mean purchases per customer, >= 4. Default: 25.
  double mean_purchases = 25;
  // Seed of every random choice. Default: 1.
  uint64_t seed = 1;
  // Purchases fall in [start, start + days). Default: 2024-01-01, 365.
  int64_t start_unix_seconds = 1704067200;
  int days = 365;
};

struct BasketDataStats {
  int64_t customers = 0;
  int64_t transactions = 0;
};

// Writes the data into `dir` (created if missing). `progress`, when set, is
// called with the customers written so far every 10,000 customers and at
// the end. INVALID_ARGUMENT for an option out of range; INTERNAL when a file
// cannot be written.
absl::StatusOr<BasketDataStats> WriteBasketData(
    const BasketDataOptions& options, const std::string& dir,
    const std::function<void(int64_t customers)>& progress);

}  // namespace nbo::data

#endif  // NBO_LIB_DATA_BASKET_DATAGEN_H_
