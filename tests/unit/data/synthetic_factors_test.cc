// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/synthetic_factors.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/data/factor_row.h"
#include "lib/data/products_csv.h"
#include "lib/data/spark_factor_reader.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace nbo::data {
namespace {

using ::nbo::testing::StatusIs;
using ::nbo::testing::TempDir;

double Dot(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0;
  for (size_t k = 0; k < a.size(); ++k) sum += double{a[k]} * b[k];
  return sum;
}

std::unique_ptr<SyntheticFactorGenerator> MakeGenerator(
    const SyntheticFactorGenerator::Options& options) {
  auto generator = SyntheticFactorGenerator::Create(options);
  EXPECT_TRUE(generator.ok()) << generator.status();
  return generator.ok() ? std::move(generator).value() : nullptr;
}

TEST(SyntheticCatalogTest, EightProductsAreTheDemoCatalog) {
  const std::vector<Product> catalog = SyntheticCatalog(8);
  ASSERT_EQ(catalog.size(), 8u);
  const std::vector<std::vector<std::string>> expected = {
      {"P01", "Super Saver Account", "savings"},
      {"P02", "Gold Credit Card", "cards"},
      {"P03", "Platinum Miles Card", "cards"},
      {"P04", "Home Improvement Loan", "loans"},
      {"P05", "Auto Loan", "loans"},
      {"P06", "Crypto Wallet", "investments"},
      {"P07", "Retirement Fund", "investments"},
      {"P08", "Student Checking", "accounts"},
  };
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(catalog[i].product_id, expected[i][0]);
    EXPECT_EQ(catalog[i].name, expected[i][1]);
    EXPECT_EQ(catalog[i].category, expected[i][2]);
  }
}

TEST(SyntheticCatalogTest, TwentyFourProductsAreSantanderLike) {
  const std::vector<Product> catalog = SyntheticCatalog(24);
  ASSERT_EQ(catalog.size(), 24u);
  EXPECT_EQ(catalog[0].product_id, "P01");
  EXPECT_EQ(catalog[0].name, "Current Account");
  EXPECT_EQ(catalog[11].name, "Mortgage");
  EXPECT_EQ(catalog[11].category, "loans");
  EXPECT_EQ(catalog[15].name, "Credit Card");
  EXPECT_EQ(catalog[15].category, "cards");
  EXPECT_EQ(catalog[23].product_id, "P24");
  std::set<std::string> names;
  for (const Product& product : catalog) {
    EXPECT_FALSE(product.category.empty()) << product.name;
    names.insert(product.name);
  }
  EXPECT_EQ(names.size(), 24u);
}

TEST(SyntheticCatalogTest, OtherCountsAreNumbered) {
  const std::vector<Product> catalog = SyntheticCatalog(12);
  ASSERT_EQ(catalog.size(), 12u);
  EXPECT_EQ(catalog[2].product_id, "P03");
  EXPECT_EQ(catalog[2].name, "Product 03");
  EXPECT_EQ(SyntheticCatalog(120)[119].product_id, "P120");
}

TEST(SyntheticCustomerIdTest, IsOneBasedWithSevenDigits) {
  EXPECT_EQ(SyntheticCustomerId(0), "C0000001");
  EXPECT_EQ(SyntheticCustomerId(41), "C0000042");
  EXPECT_EQ(SyntheticCustomerId(9999998), "C9999999");
  EXPECT_EQ(SyntheticCustomerId(9999999), "C10000000");
}

TEST(SyntheticFactorGeneratorTest, SameSeedGivesTheSameFactors) {
  SyntheticFactorGenerator::Options options;
  options.customers = 100;
  options.products = 24;
  options.rank = 16;
  options.seed = 42;
  auto a = MakeGenerator(options);
  auto b = MakeGenerator(options);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(a->item_rows().size(), 24u);
  for (size_t p = 0; p < a->item_rows().size(); ++p) {
    EXPECT_EQ(a->item_rows()[p].id, b->item_rows()[p].id);
    EXPECT_EQ(a->item_rows()[p].features, b->item_rows()[p].features);
  }
  FactorRow row_a, row_b;
  for (int64_t i : {0, 1, 50, 99}) {
    a->CustomerRow(i, &row_a);
    b->CustomerRow(i, &row_b);
    EXPECT_EQ(row_a.id, row_b.id);
    EXPECT_EQ(row_a.features, row_b.features);
    EXPECT_EQ(a->SegmentOf(i), b->SegmentOf(i));
  }
  // Customers do not depend on the order they are generated in.
  a->CustomerRow(99, &row_a);
  a->CustomerRow(3, &row_a);
  b->CustomerRow(3, &row_b);
  EXPECT_EQ(row_a.features, row_b.features);
}

TEST(SyntheticFactorGeneratorTest, DifferentSeedsGiveDifferentFactors) {
  SyntheticFactorGenerator::Options options;
  options.customers = 10;
  options.seed = 1;
  auto a = MakeGenerator(options);
  options.seed = 2;
  auto b = MakeGenerator(options);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a->item_rows()[0].features, b->item_rows()[0].features);
  FactorRow row_a, row_b;
  a->CustomerRow(0, &row_a);
  b->CustomerRow(0, &row_b);
  EXPECT_EQ(row_a.id, row_b.id);
  EXPECT_NE(row_a.features, row_b.features);
}

TEST(SyntheticFactorGeneratorTest,
     SegmentsScoreTheirPreferredProductsHighestOnAverage) {
  for (int products : {8, 24}) {
    SyntheticFactorGenerator::Options options;
    options.customers = 4000;
    options.products = products;
    options.rank = 16;
    options.seed = 7;
    auto generator = MakeGenerator(options);
    ASSERT_NE(generator, nullptr);
    const int segments = generator->segments();
    ASSERT_EQ(segments, 5);

    std::vector<std::vector<double>> sum(segments,
                                         std::vector<double>(products, 0.0));
    std::vector<int> count(segments, 0);
    std::vector<double> overall(products, 0.0);
    FactorRow row;
    for (int64_t i = 0; i < options.customers; ++i) {
      generator->CustomerRow(i, &row);
      const int s = generator->SegmentOf(i);
      ++count[s];
      for (int p = 0; p < products; ++p) {
        const double score =
            Dot(row.features, generator->item_rows()[p].features);
        sum[s][p] += score;
        overall[p] += score;
      }
    }
    for (int s = 0; s < segments; ++s) {
      ASSERT_GT(count[s], 200) << "segment " << s;
      const std::vector<int>& preferred = generator->PreferredProducts(s);
      ASSERT_GE(preferred.size(), 2u);
      ASSERT_LE(preferred.size(), 3u);
      // The segment's products ranked by mean score, best first.
      std::vector<int> ranked(products);
      std::iota(ranked.begin(), ranked.end(), 0);
      std::sort(ranked.begin(), ranked.end(),
                [&](int a, int b) { return sum[s][a] > sum[s][b]; });
      const std::set<int> top(ranked.begin(),
                              ranked.begin() + preferred.size());
      EXPECT_EQ(top, std::set<int>(preferred.begin(), preferred.end()))
          << products << " products, segment " << s;
      EXPECT_EQ(ranked[0], preferred[0])
          << products << " products, segment " << s;
    }
    // Popularity varies: the least popular product scores well under the
    // most popular one over all customers.
    const auto [least, most] =
        std::minmax_element(overall.begin(), overall.end());
    EXPECT_LT(*least * 2, *most) << products << " products";
    // No two segments share a first choice when there are enough products.
    std::set<int> firsts;
    for (int s = 0; s < segments; ++s) {
      firsts.insert(generator->PreferredProducts(s)[0]);
    }
    EXPECT_EQ(firsts.size(), static_cast<size_t>(segments));
  }
}

TEST(SyntheticFactorGeneratorTest, UsesAtMostRankSegments) {
  SyntheticFactorGenerator::Options options;
  options.rank = 3;
  options.segments = 6;
  auto generator = MakeGenerator(options);
  ASSERT_NE(generator, nullptr);
  EXPECT_EQ(generator->segments(), 3);
  FactorRow row;
  generator->CustomerRow(0, &row);
  EXPECT_EQ(row.features.size(), 3u);
}

TEST(SyntheticFactorGeneratorTest, RejectsOutOfRangeOptions) {
  SyntheticFactorGenerator::Options options;
  options.rank = 0;
  EXPECT_THAT(SyntheticFactorGenerator::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options = {};
  options.products = 0;
  EXPECT_THAT(SyntheticFactorGenerator::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options = {};
  options.customers = 0;
  EXPECT_THAT(SyntheticFactorGenerator::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options = {};
  options.noise = -1;
  EXPECT_THAT(SyntheticFactorGenerator::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(WriteSyntheticFactorsTest, WritesWhatTheReadersRead) {
  TempDir dir;
  SyntheticFactorGenerator::Options options;
  options.customers = 50;
  options.products = 8;
  options.rank = 4;
  auto generator = MakeGenerator(options);
  ASSERT_NE(generator, nullptr);
  int64_t last_rows = -1;
  ASSERT_OK_AND_ASSIGN(
      SyntheticWriteStats stats,
      WriteSyntheticFactors(*generator, dir.path(), 20,
                            [&](int64_t rows, uint64_t) { last_rows = rows; }));
  EXPECT_EQ(stats.customer_rows, 50);
  EXPECT_EQ(stats.item_rows, 8);
  EXPECT_EQ(last_rows, 50);

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SparkFactorReader> users,
                       SparkFactorReader::Open(dir.Sub("userFactors")));
  EXPECT_EQ(users->files().size(), 3u);
  FactorRow read, expected;
  for (int64_t i = 0; i < 50; ++i) {
    ASSERT_OK_AND_ASSIGN(bool more, users->Next(&read));
    ASSERT_TRUE(more);
    generator->CustomerRow(i, &expected);
    ASSERT_EQ(read.id, expected.id);
    for (int k = 0; k < 4; ++k) {
      EXPECT_NEAR(read.features[k], expected.features[k],
                  1e-5 * std::fabs(expected.features[k]) + 1e-9);
    }
  }
  ASSERT_OK_AND_ASSIGN(bool more, users->Next(&read));
  EXPECT_FALSE(more);
  EXPECT_EQ(
      users->bytes_read(), stats.bytes - [&] {
        uint64_t item_bytes = 0;
        for (const auto& entry :
             std::filesystem::directory_iterator(dir.Sub("itemFactors"))) {
          if (entry.path().filename().string().rfind("part-", 0) == 0) {
            item_bytes += entry.file_size();
          }
        }
        return item_bytes;
      }());

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SparkFactorReader> items,
                       SparkFactorReader::Open(dir.Sub("itemFactors")));
  for (const FactorRow& item : generator->item_rows()) {
    ASSERT_OK_AND_ASSIGN(bool more_items, items->Next(&read));
    ASSERT_TRUE(more_items);
    EXPECT_EQ(read.id, item.id);
  }

  ASSERT_OK_AND_ASSIGN(std::vector<Product> catalog,
                       ReadProductsCsv(dir.Sub("products.csv")));
  ASSERT_EQ(catalog.size(), 8u);
  EXPECT_EQ(catalog[7].name, "Student Checking");
}

}  // namespace
}  // namespace nbo::data
