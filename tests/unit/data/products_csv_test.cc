// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/products_csv.h"

#include <cstdio>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/data/bank_data.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace nbo::data {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::nbo::testing::TempDir;
using ::testing::HasSubstr;

std::string WriteFile(const TempDir& dir, const std::string& contents) {
  const std::string path = dir.Sub("products.csv");
  std::FILE* file = std::fopen(path.c_str(), "wb");
  EXPECT_NE(file, nullptr);
  std::fwrite(contents.data(), 1, contents.size(), file);
  std::fclose(file);
  return path;
}

MATCHER_P3(ProductIs, id, name, category, "") {
  return arg.product_id == id && arg.name == name && arg.category == category;
}

TEST(ProductsCsvTest, ReadsQuotedFieldsAndIgnoresExtraColumns) {
  TempDir dir;
  const std::string path =
      WriteFile(dir,
                "product_id,name,category,business_value,notes\r\n"
                "P01,Super Saver Account,savings,1.0,\r\n"
                "P02,\"Gold Credit Card, no fee\",cards,2.5,x\r\n"
                "P03,\"The \"\"Platinum\"\" Card\",cards,\"3.0\",\"3,0\"\r\n"
                " P04 ,\"Two\nLines\", loans ,,\r\n");
  ASSERT_OK_AND_ASSIGN(std::vector<Product> products, ReadProductsCsv(path));
  EXPECT_THAT(products,
              ::testing::ElementsAre(
                  ProductIs("P01", "Super Saver Account", "savings"),
                  ProductIs("P02", "Gold Credit Card, no fee", "cards"),
                  ProductIs("P03", "The \"Platinum\" Card", "cards"),
                  ProductIs("P04", "Two\nLines", "loans")));
}

TEST(ProductsCsvTest, AcceptsColumnsInAnyOrder) {
  TempDir dir;
  const std::string path =
      WriteFile(dir, "category,extra,product_id,name\nloans,x,P9,Auto Loan\n");
  ASSERT_OK_AND_ASSIGN(std::vector<Product> products, ReadProductsCsv(path));
  EXPECT_THAT(products,
              ::testing::ElementsAre(ProductIs("P9", "Auto Loan", "loans")));
}

TEST(ProductsCsvTest, StrictErrorsNameFileAndLine) {
  struct Case {
    const char* contents;
    const char* message;
  };
  const Case cases[] = {
      {"", ":1: empty file"},
      {"product_id,name\nP01,A\n", ":1: header lacks column 'category'"},
      {"id,name,category\nP01,A,b\n", ":1: header lacks column 'product_id'"},
      {"product_id,name,category,name\nP01,A,b,c\n",
       ":1: column 'name' appears twice"},
      {"product_id,name,category\n", ": no products after the header"},
      {"product_id,name,category\nP01,A,b\nP02,B\n",
       ":3: row has 2 fields but the header has 3"},
      {"product_id,name,category\nP01,A,b,extra\n",
       ":2: row has 4 fields but the header has 3"},
      {"product_id,name,category\n ,A,b\n", ":2: empty product_id"},
      {"product_id,name,category\nP01,A,b\nP02,B,c\nP01,C,d\n",
       ":4: duplicate product_id 'P01' (first at line 2)"},
      {"product_id,name,category\nP01,\"A,b\nP02,B,c\n",
       ":2: unterminated quoted field"},
      {"product_id,name,category\nP01,A\"x,b\n",
       ":2: quote inside an unquoted field"},
  };
  for (const Case& c : cases) {
    TempDir dir;
    const std::string path = WriteFile(dir, c.contents);
    EXPECT_THAT(ReadProductsCsv(path),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(path + c.message)))
        << c.contents;
  }
}

TEST(ProductsCsvTest, MissingFileIsNotFound) {
  TempDir dir;
  EXPECT_THAT(ReadProductsCsv(dir.Sub("products.csv")),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(ProductsCsvTest, WrittenCatalogReadsBackUnchanged) {
  TempDir dir;
  const std::vector<Product> products = {
      {"P01", "Super Saver Account", "savings"},
      {"P02", "Card, \"Gold\"", "cards"},
      {"P03", "", "loans"},
  };
  const std::string path = dir.Sub("products.csv");
  ASSERT_THAT(WriteProductsCsv(path, products), IsOk());
  ASSERT_OK_AND_ASSIGN(std::vector<Product> read, ReadProductsCsv(path));
  EXPECT_THAT(read, ::testing::ElementsAre(
                        ProductIs("P01", "Super Saver Account", "savings"),
                        ProductIs("P02", "Card, \"Gold\"", "cards"),
                        ProductIs("P03", "", "loans")));
}

// Found by products_csv_fuzzer: numbers were written with six significant
// digits, so nboctl datagen's catalog did not read back as generated.
TEST(ProductsCsvTest, WrittenCatalogKeepsEveryDigitOfItsNumbers) {
  TempDir dir;
  Product product;
  product.product_id = "P01";
  product.name = "Saver";
  product.category = "savings";
  product.business_value = 0.1234567891;
  product.eligibility.min_income = 1234567.5;
  product.eligibility.min_age = 21;
  const std::string products = dir.Sub("products.csv");
  ASSERT_THAT(WriteCatalogCsv(products, {product}), IsOk());
  const std::string transactions = dir.Sub("transactions.csv");
  std::FILE* file = std::fopen(transactions.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  std::fputs("customer_id,product_id,event,timestamp\n", file);
  std::fclose(file);
  BankDataOptions options;
  options.products_path = products;
  options.transactions_path = transactions;
  ASSERT_OK_AND_ASSIGN(BankData data, ReadBankData(options));
  ASSERT_EQ(data.products.size(), 1u);
  EXPECT_EQ(data.products[0].business_value, 0.1234567891);
  EXPECT_EQ(data.products[0].eligibility.min_income, 1234567.5);
  EXPECT_EQ(data.products[0].eligibility.min_age, 21);
}

}  // namespace
}  // namespace nbo::data
