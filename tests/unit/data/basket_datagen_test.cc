// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/basket_datagen.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/data/bank_data.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace nbo::data {
namespace {

using ::nbo::testing::StatusIs;
using ::nbo::testing::TempDir;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

BasketDataOptions Small() {
  BasketDataOptions options;
  options.customers = 2000;
  options.products = 100;
  options.aisles = 10;
  return options;
}

TEST(BasketDatagenTest, WritesDataTheBankReaderReadsWithALongTail) {
  TempDir dir;
  std::vector<int64_t> progress;
  ASSERT_OK_AND_ASSIGN(BasketDataStats stats,
                       WriteBasketData(Small(), dir.path(), [&](int64_t done) {
                         progress.push_back(done);
                       }));
  EXPECT_EQ(stats.customers, 2000);
  EXPECT_EQ(progress, std::vector<int64_t>{2000});
  BankDataOptions read;
  read.products_path = dir.path() + "/products.csv";
  read.transactions_path = dir.path() + "/transactions.csv";
  ASSERT_OK_AND_ASSIGN(BankData data, ReadBankData(read));
  EXPECT_EQ(data.products.size(), 100u);
  EXPECT_EQ(data.customer_ids.size(), 2000u);
  EXPECT_EQ(static_cast<int64_t>(data.interactions.size()), stats.transactions);
  // About 25 purchases each.
  EXPECT_GT(stats.transactions, 2000 * 20);
  EXPECT_LT(stats.transactions, 2000 * 35);
  std::vector<int64_t> counts(100, 0);
  for (const Interaction& x : data.interactions) {
    EXPECT_EQ(x.event, Event::kPurchase);
    ++counts[x.product];
  }
  std::sort(counts.rbegin(), counts.rend());
  // Zipf: the top product sells many times the median one.
  EXPECT_GT(counts[0], 10 * counts[50]);
}

TEST(BasketDatagenTest, SameSeedSameFilesOtherSeedOtherFiles) {
  TempDir a, b, c;
  BasketDataOptions options = Small();
  ASSERT_THAT(WriteBasketData(options, a.path(), nullptr),
              ::nbo::testing::IsOk());
  ASSERT_THAT(WriteBasketData(options, b.path(), nullptr),
              ::nbo::testing::IsOk());
  options.seed = 2;
  ASSERT_THAT(WriteBasketData(options, c.path(), nullptr),
              ::nbo::testing::IsOk());
  EXPECT_EQ(Slurp(a.path() + "/transactions.csv"),
            Slurp(b.path() + "/transactions.csv"));
  EXPECT_NE(Slurp(a.path() + "/transactions.csv"),
            Slurp(c.path() + "/transactions.csv"));
}

TEST(BasketDatagenTest, RejectsOptionsOutOfRange) {
  TempDir dir;
  for (auto mutate : std::vector<void (*)(BasketDataOptions&)>{
           [](BasketDataOptions& o) { o.customers = 0; },
           [](BasketDataOptions& o) { o.products = 5; },
           [](BasketDataOptions& o) { o.aisles = 1; },
           [](BasketDataOptions& o) { o.aisles = 101; },
           [](BasketDataOptions& o) { o.mean_purchases = 3; },
           [](BasketDataOptions& o) { o.days = 0; },
       }) {
    BasketDataOptions options = Small();
    mutate(options);
    EXPECT_THAT(WriteBasketData(options, dir.path(), nullptr),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

}  // namespace
}  // namespace nbo::data
