// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/synthetic_factors.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/common/status_macros.h"
#include "lib/data/spark_factor_writer.h"
#include "lib/data/split_mix.h"

namespace nbo::data {
namespace {

// Fills `out[0..n)` with normal draws of standard deviation `scale`
// (Marsaglia's polar method: pairs, no trigonometry).
void FillNormal(uint64_t* state, double scale, float* out, int n) {
  for (int i = 0; i < n; i += 2) {
    double u, v, s;
    do {
      u = 2.0 * Uniform(state) - 1.0;
      v = 2.0 * Uniform(state) - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double factor = std::sqrt(-2.0 * std::log(s) / s) * scale;
    out[i] = static_cast<float>(u * factor);
    if (i + 1 < n) out[i + 1] = static_cast<float>(v * factor);
  }
}

template <typename T>
void Shuffle(std::vector<T>* items, uint64_t* state) {
  for (size_t i = items->size(); i > 1; --i) {
    std::swap((*items)[i - 1], (*items)[NextRandom(state) % i]);
  }
}

struct CatalogEntry {
  const char* name;
  const char* category;
};

// The original demo's catalog.
constexpr CatalogEntry kDemoCatalog[] = {
    {"Super Saver Account", "savings"},
    {"Gold Credit Card", "cards"},
    {"Platinum Miles Card", "cards"},
    {"Home Improvement Loan", "loans"},
    {"Auto Loan", "loans"},
    {"Crypto Wallet", "investments"},
    {"Retirement Fund", "investments"},
    {"Student Checking", "accounts"},
};

// The 24 products of Santander's product-recommendation data set, under
// English names.
constexpr CatalogEntry kSantanderCatalog[] = {
    {"Current Account", "accounts"},
    {"Payroll Account", "accounts"},
    {"Junior Account", "accounts"},
    {"Mas Particular Account", "accounts"},
    {"Particular Account", "accounts"},
    {"Particular Plus Account", "accounts"},
    {"Short-term Deposit", "deposits"},
    {"Medium-term Deposit", "deposits"},
    {"Long-term Deposit", "deposits"},
    {"e-Account", "accounts"},
    {"Funds", "investments"},
    {"Mortgage", "loans"},
    {"Pensions", "investments"},
    {"Loans", "loans"},
    {"Taxes", "payments"},
    {"Credit Card", "cards"},
    {"Securities", "investments"},
    {"Home Account", "accounts"},
    {"Payroll", "payments"},
    {"Pensions (Payroll)", "payments"},
    {"Direct Debit", "payments"},
    {"Savings Account", "savings"},
    {"Guarantees", "loans"},
    {"Derivatives Account", "investments"},
};

// Bonus to the affinity of a segment's 1st, 2nd and 3rd preferred product.
constexpr double kPreferenceBonus[] = {0.6, 0.45, 0.3};

}  // namespace

std::string SyntheticCustomerId(int64_t index) {
  return absl::StrFormat("C%07d", index + 1);
}

std::vector<Product> SyntheticCatalog(int products) {
  std::vector<Product> catalog;
  catalog.reserve(products);
  for (int i = 0; i < products; ++i) {
    Product product;
    product.product_id = absl::StrFormat("P%02d", i + 1);
    if (products == 8) {
      product.name = kDemoCatalog[i].name;
      product.category = kDemoCatalog[i].category;
    } else if (products == 24) {
      product.name = kSantanderCatalog[i].name;
      product.category = kSantanderCatalog[i].category;
    } else {
      product.name = absl::StrFormat("Product %02d", i + 1);
      product.category = "general";
    }
    catalog.push_back(std::move(product));
  }
  return catalog;
}

absl::StatusOr<std::unique_ptr<SyntheticFactorGenerator>>
SyntheticFactorGenerator::Create(const Options& options) {
  if (options.customers < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("customers must be at least 1, got ", options.customers));
  }
  if (options.products < 1 || options.products > 10000) {
    return absl::InvalidArgumentError(
        absl::StrCat("products must be in 1..10000, got ", options.products));
  }
  if (options.rank < 1 || options.rank > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank must be in 1..1024, got ", options.rank));
  }
  if (options.segments < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("segments must be at least 1, got ", options.segments));
  }
  if (!(options.noise >= 0) || !std::isfinite(options.noise)) {
    return absl::InvalidArgumentError(
        absl::StrCat("noise must be finite and >= 0, got ", options.noise));
  }
  return std::unique_ptr<SyntheticFactorGenerator>(
      new SyntheticFactorGenerator(options));
}

SyntheticFactorGenerator::SyntheticFactorGenerator(const Options& options)
    : options_(options), catalog_(SyntheticCatalog(options.products)) {
  const int rank = options_.rank;
  const int products = options_.products;
  const int segments = std::min(options_.segments, rank);
  uint64_t state = options_.seed ^ 0x6E626F2D73796E74ull;  // "nbo-synt"

  // Orthonormal centroids: Gram-Schmidt over Gaussian draws, in double.
  std::vector<std::vector<double>> basis;
  std::vector<float> draw(rank);
  while (static_cast<int>(basis.size()) < segments) {
    FillNormal(&state, 1.0, draw.data(), rank);
    std::vector<double> v(draw.begin(), draw.end());
    for (const std::vector<double>& u : basis) {
      const double dot = std::inner_product(v.begin(), v.end(), u.begin(), 0.0);
      for (int k = 0; k < rank; ++k) v[k] -= dot * u[k];
    }
    const double norm =
        std::sqrt(std::inner_product(v.begin(), v.end(), v.begin(), 0.0));
    if (norm < 1e-6) continue;  // Nearly dependent; draw again.
    for (double& x : v) x /= norm;
    basis.push_back(std::move(v));
  }
  for (const std::vector<double>& u : basis) {
    centroids_.emplace_back(u.begin(), u.end());
  }

  // Popularity: a Zipf-like curve over a random order of the products.
  std::vector<int> order(products);
  std::iota(order.begin(), order.end(), 0);
  Shuffle(&order, &state);
  std::vector<double> base(products);
  for (int r = 0; r < products; ++r) {
    base[order[r]] = 0.05 + 0.25 / std::pow(1.0 + r, 0.8);
  }

  // Preferences: spread segments' favourites over a second random order so
  // that, when there are enough products, no two segments share a first
  // choice.
  const int per_segment = std::min(
      products, std::clamp((products + segments - 1) / segments, 2, 3));
  std::vector<int> favourites(products);
  std::iota(favourites.begin(), favourites.end(), 0);
  Shuffle(&favourites, &state);
  preferred_.resize(segments);
  affinity_.assign(segments, base);
  for (int s = 0; s < segments; ++s) {
    std::vector<int>& preferred = preferred_[s];
    for (int j = 0; j < per_segment; ++j) {
      int slot = (s + j * segments) % products;
      while (std::find(preferred.begin(), preferred.end(), favourites[slot]) !=
             preferred.end()) {
        slot = (slot + 1) % products;
      }
      preferred.push_back(favourites[slot]);
      affinity_[s][favourites[slot]] += kPreferenceBonus[j];
    }
    // A popular second choice can outscore the first; keep "strongest
    // first" true.
    std::stable_sort(preferred.begin(), preferred.end(), [&](int a, int b) {
      return affinity_[s][a] > affinity_[s][b];
    });
  }

  // Items: v_p = sum_s affinity(s, p) u_s, plus a little noise, so that
  // u_s . v_p = affinity(s, p).
  const double item_noise = 0.02 / std::sqrt(static_cast<double>(rank));
  items_.resize(products);
  for (int p = 0; p < products; ++p) {
    FactorRow& item = items_[p];
    item.id = catalog_[p].product_id;
    item.features.assign(rank, 0.0f);
    FillNormal(&state, item_noise, item.features.data(), rank);
    for (int s = 0; s < segments; ++s) {
      for (int k = 0; k < rank; ++k) {
        item.features[k] += static_cast<float>(affinity_[s][p] * basis[s][k]);
      }
    }
  }

  // Segment sizes vary by up to a factor of three.
  double total = 0;
  for (int s = 0; s < segments; ++s) {
    total += 0.5 + Uniform(&state);
    segment_cdf_.push_back(total);
  }
  for (double& c : segment_cdf_) c /= total;
  segment_cdf_.back() = 1.0;
}

uint64_t SyntheticFactorGenerator::CustomerSeed(int64_t index) const {
  uint64_t state = options_.seed;
  const uint64_t mixed = NextRandom(&state);
  state = mixed ^ (static_cast<uint64_t>(index) * 0xD1B54A32D192ED03ull);
  NextRandom(&state);
  return state;
}

int SyntheticFactorGenerator::DrawSegment(uint64_t* state) const {
  const double u = Uniform(state);
  const auto it = std::upper_bound(segment_cdf_.begin(), segment_cdf_.end(), u);
  return std::min(static_cast<int>(it - segment_cdf_.begin()),
                  static_cast<int>(segment_cdf_.size()) - 1);
}

int SyntheticFactorGenerator::SegmentOf(int64_t index) const {
  uint64_t state = CustomerSeed(index);
  return DrawSegment(&state);
}

void SyntheticFactorGenerator::CustomerRow(int64_t index,
                                           FactorRow* row) const {
  const int rank = options_.rank;
  uint64_t state = CustomerSeed(index);
  const int segment = DrawSegment(&state);
  const double scale = 0.8 + 0.4 * Uniform(&state);
  row->id = SyntheticCustomerId(index);
  row->features.resize(rank);
  FillNormal(&state, options_.noise / std::sqrt(static_cast<double>(rank)),
             row->features.data(), rank);
  const std::vector<float>& centroid = centroids_[segment];
  for (int k = 0; k < rank; ++k) {
    row->features[k] += static_cast<float>(scale * centroid[k]);
  }
}

absl::StatusOr<SyntheticWriteStats> WriteSyntheticFactors(
    const SyntheticFactorGenerator& generator, const std::string& dir,
    int64_t rows_per_file,
    const std::function<void(int64_t, uint64_t)>& progress) {
  SparkFactorWriter::Options writer_options;
  writer_options.rows_per_file = rows_per_file;
  SyntheticWriteStats stats;

  NBO_ASSIGN_OR_RETURN(
      std::unique_ptr<SparkFactorWriter> items,
      SparkFactorWriter::Create(dir + "/itemFactors", writer_options));
  for (const FactorRow& item : generator.item_rows()) {
    NBO_RETURN_IF_ERROR(items->Append(item.id, item.features));
  }
  NBO_RETURN_IF_ERROR(items->Close());
  stats.item_rows = items->rows_written();
  stats.bytes += items->bytes_written();

  NBO_ASSIGN_OR_RETURN(
      std::unique_ptr<SparkFactorWriter> users,
      SparkFactorWriter::Create(dir + "/userFactors", writer_options));
  FactorRow row;
  const int64_t customers = generator.options().customers;
  constexpr int64_t kProgressEvery = 8192;
  for (int64_t i = 0; i < customers; ++i) {
    generator.CustomerRow(i, &row);
    NBO_RETURN_IF_ERROR(users->Append(row.id, row.features));
    if (progress && (i + 1) % kProgressEvery == 0) {
      progress(i + 1, stats.bytes + users->bytes_written());
    }
  }
  NBO_RETURN_IF_ERROR(users->Close());
  stats.customer_rows = users->rows_written();
  stats.bytes += users->bytes_written();

  NBO_RETURN_IF_ERROR(
      WriteProductsCsv(dir + "/products.csv", generator.catalog()));
  if (progress) progress(stats.customer_rows, stats.bytes);
  return stats;
}

}  // namespace nbo::data
