// Copyright (c) 2026 The nbo Authors. MIT License.

#ifndef NBO_LIB_DATA_SYNTHETIC_FACTORS_H_
#define NBO_LIB_DATA_SYNTHETIC_FACTORS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/data/factor_row.h"
#include "lib/data/products_csv.h"

namespace nbo::data {

// Generates ALS-shaped factor matrices with planted structure, for demos,
// tests and benchmarks: the answer a model should give is known.
//
// Customers belong to latent segments of different sizes. Each segment has a
// centroid in factor space, an orthonormal direction; a customer's vector is
// its segment's centroid, scaled a little per customer, plus Gaussian noise.
// Item vectors are built so that a customer of segment s scores product p
// about affinity(s, p): a base that varies with the product's popularity,
// plus a large bonus for the few products segment s prefers. Everything is
// reproducible from the seed; customer i is generated from (seed, i) alone,
// so customers can be produced in any order, or in parallel.
//
// A SyntheticFactorGenerator is immutable after Create() and safe to use
// from several threads.
class SyntheticFactorGenerator {
 public:
  struct Options {
    // Number of customers, ids C0000001, C0000002, ...
    // Default: 10,000 (the original demo's size).
    int64_t customers = 10000;

    // Number of products, 1..10000. 8 gives the original demo catalog and
    // 24 a Santander-like one; other counts are named "Product NN".
    // Default: 8.
    int products = 8;

    // Factor length, 1..1024.
    // Default: 10 (the demo's ALS rank).
    int rank = 10;

    // Seed of every random choice.
    // Default: 1.
    uint64_t seed = 1;

    // Latent customer segments; at most `rank` are used, since their
    // centroids are orthogonal.
    // Default: 5.
    int segments = 5;

    // Norm of a customer's noise relative to its centroid's norm (1).
    // Default: 0.5.
    double noise = 0.5;
  };

  // INVALID_ARGUMENT when an option is out of range.
  static absl::StatusOr<std::unique_ptr<SyntheticFactorGenerator>> Create(
      const Options& options);

  const Options& options() const { return options_; }
  // Segments actually used: min(options.segments, options.rank).
  int segments() const { return static_cast<int>(preferred_.size()); }

  // The catalog, SyntheticCatalog(options.products).
  const std::vector<Product>& catalog() const { return catalog_; }
  // One item row per catalog product, in catalog order, ids = product ids.
  const std::vector<FactorRow>& item_rows() const { return items_; }

  // Fills `*row` with customer `index` (0-based; id SyntheticCustomerId).
  // REQUIRES: 0 <= index < options.customers.
  void CustomerRow(int64_t index, FactorRow* row) const;
  // The segment of customer `index`.
  int SegmentOf(int64_t index) const;

  // Catalog indices of the products `segment` prefers, strongest first.
  const std::vector<int>& PreferredProducts(int segment) const {
    return preferred_[segment];
  }
  // The planted expected score of a customer of `segment` for catalog
  // product `product`, before per-customer scaling and noise.
  double Affinity(int segment, int product) const {
    return affinity_[segment][product];
  }

 private:
  explicit SyntheticFactorGenerator(const Options& options);

  // Draws customer `index`'s segment from its own random stream, leaving the
  // stream positioned for the vector.
  int DrawSegment(uint64_t* state) const;
  uint64_t CustomerSeed(int64_t index) const;

  const Options options_;
  std::vector<Product> catalog_;
  std::vector<FactorRow> items_;
  // Segment centroids, rank floats each.
  std::vector<std::vector<float>> centroids_;
  // Cumulative segment probabilities; the last is 1.
  std::vector<double> segment_cdf_;
  std::vector<std::vector<int>> preferred_;
  std::vector<std::vector<double>> affinity_;
};

// "C0000001" for index 0: 'C' and the 1-based number, at least 7 digits.
std::string SyntheticCustomerId(int64_t index);

// The catalog used for `products` products: the original demo's 8 products
// (P01..P08), a Santander-like 24 (P01..P24), or P01.. "Product NN" in
// category "general" for any other count. REQUIRES: products >= 1.
std::vector<Product> SyntheticCatalog(int products);

// What WriteSyntheticFactors wrote.
struct SyntheticWriteStats {
  int64_t customer_rows = 0;
  int64_t item_rows = 0;
  uint64_t bytes = 0;
};

// Writes `generator`'s data under `dir` the way Spark MLlib and nboctl
// expect it: dir/userFactors/ and dir/itemFactors/ (SparkFactorWriter part
// files of at most `rows_per_file` rows) and dir/products.csv. Calls
// `progress(customer_rows_written, bytes_written)` every few thousand rows
// when set. INVALID_ARGUMENT if rows_per_file < 1; INTERNAL on file system
// errors.
absl::StatusOr<SyntheticWriteStats> WriteSyntheticFactors(
    const SyntheticFactorGenerator& generator, const std::string& dir,
    int64_t rows_per_file,
    const std::function<void(int64_t, uint64_t)>& progress);

}  // namespace nbo::data

#endif  // NBO_LIB_DATA_SYNTHETIC_FACTORS_H_
