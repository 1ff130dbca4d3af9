// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/products_csv.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/data/bank_data.h"
#include "lib/data/csv_reader.h"
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

// A products.csv with every column of products_csv.h's table, in another
// order than WriteCatalogCsv's, and mixed case where case is ignored.
constexpr char kEveryColumn[] =
    "contact_scope,product_id,name,category,business_value,min_age,max_age,"
    "min_income,segments,min_credit_score,kyc_required,offer_type,"
    "max_declines,max_impressions,suppression_days\n"
    ",P01,Saver,savings,,,,,,,,,,,\n"
    "Category,P02,Gold Card,cards,2.5,21,70,15000,mass; affluent,620,Yes,"
    "MANDATORY,2,5,30\n"
    ",P03,Loan,loans,0.5,18,,,,,no,transactional,1,3,7\n";

// Every field of two products, so that a test names what differs.
void ExpectSameProduct(const Product& a, const Product& b) {
  SCOPED_TRACE(a.product_id);
  EXPECT_EQ(a.product_id, b.product_id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.category, b.category);
  EXPECT_EQ(a.business_value, b.business_value);
  EXPECT_EQ(a.eligibility.min_age, b.eligibility.min_age);
  EXPECT_EQ(a.eligibility.max_age, b.eligibility.max_age);
  EXPECT_EQ(a.eligibility.min_income, b.eligibility.min_income);
  EXPECT_EQ(a.eligibility.segments, b.eligibility.segments);
  EXPECT_EQ(a.eligibility.min_credit_score, b.eligibility.min_credit_score);
  EXPECT_EQ(a.eligibility.kyc_required, b.eligibility.kyc_required);
  EXPECT_EQ(a.offer_type, b.offer_type);
  ASSERT_EQ(a.contact_policy.has_value(), b.contact_policy.has_value());
  if (!a.contact_policy.has_value()) return;
  EXPECT_EQ(a.contact_policy->max_declines, b.contact_policy->max_declines);
  EXPECT_EQ(a.contact_policy->max_impressions,
            b.contact_policy->max_impressions);
  EXPECT_EQ(a.contact_policy->suppression_days,
            b.contact_policy->suppression_days);
  EXPECT_EQ(a.contact_policy->scope, b.contact_policy->scope);
}

void ExpectSameProducts(const std::vector<Product>& a,
                        const std::vector<Product>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ExpectSameProduct(a[i], b[i]);
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

TEST(ProductsCsvTest, ReadsEveryColumn) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::vector<Product> products,
                       ReadProductsCsv(WriteFile(dir, kEveryColumn)));
  ASSERT_EQ(products.size(), 3u);

  const Product& saver = products[0];
  EXPECT_EQ(saver.business_value, 1.0);
  EXPECT_FALSE(saver.eligibility.min_age.has_value());
  EXPECT_FALSE(saver.eligibility.kyc_required);
  EXPECT_EQ(saver.offer_type, OfferType::kDefault);
  EXPECT_FALSE(saver.contact_policy.has_value());

  const Product& card = products[1];
  EXPECT_EQ(card.business_value, 2.5);
  EXPECT_EQ(card.eligibility.min_age, 21);
  EXPECT_EQ(card.eligibility.max_age, 70);
  EXPECT_EQ(card.eligibility.min_income, 15000);
  EXPECT_THAT(card.eligibility.segments,
              ::testing::ElementsAre("mass", "affluent"));
  EXPECT_EQ(card.eligibility.min_credit_score, 620);
  EXPECT_TRUE(card.eligibility.kyc_required);
  EXPECT_EQ(card.offer_type, OfferType::kMandatory);
  ASSERT_TRUE(card.contact_policy.has_value());
  EXPECT_EQ(card.contact_policy->max_declines, 2);
  EXPECT_EQ(card.contact_policy->max_impressions, 5);
  EXPECT_EQ(card.contact_policy->suppression_days, 30);
  EXPECT_EQ(card.contact_policy->scope, ContactScope::kCategory);

  const Product& loan = products[2];
  EXPECT_EQ(loan.offer_type, OfferType::kTransactional);
  ASSERT_TRUE(loan.contact_policy.has_value());
  EXPECT_EQ(loan.contact_policy->max_declines, 1);
  EXPECT_EQ(loan.contact_policy->max_impressions, 3);
  EXPECT_EQ(loan.contact_policy->suppression_days, 7);
  EXPECT_EQ(loan.contact_policy->scope, ContactScope::kProduct);
}

TEST(ProductsCsvTest, RefusesBadTermsNamingFileAndLine) {
  struct Case {
    const char* header;
    const char* row;
    const char* message;
  };
  const Case cases[] = {
      {"business_value", "-2", ":3: business_value -2 is negative"},
      {"min_age,max_age", "30,20", ":3: min_age 30 is above max_age 20"},
      {"kyc_required", "maybe",
       ":3: kyc_required 'maybe' is not true/false/1/0/yes/no"},
      {"offer_type", "Urgent",
       ":3: offer_type 'urgent' is not default, mandatory or transactional"},
      {"max_declines,max_impressions,suppression_days", "0,1,1",
       ":3: max_declines '0' is not a positive integer"},
      {"max_declines,max_impressions,suppression_days", "2,,30",
       ":3: a contact policy needs all of max_declines, max_impressions and "
       "suppression_days"},
      {"contact_scope", "category",
       ":3: contact_scope without max_declines, max_impressions and "
       "suppression_days"},
      {"max_declines,max_impressions,suppression_days,contact_scope",
       "2,5,30,segment",
       ":3: contact_scope 'segment' is not product or "
       "category"},
  };
  for (const Case& c : cases) {
    TempDir dir;
    const std::string header = std::string(c.header);
    const std::string empty_row(std::count(header.begin(), header.end(), ','),
                                ',');
    const std::string path = WriteFile(
        dir, "product_id,name,category," + header + "\n" + "P01,A,a," +
                 empty_row + "\n" + "P02,B,b," + c.row + "\n");
    EXPECT_THAT(ReadProductsCsv(path),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(path + c.message)))
        << c.header;
  }
}

TEST(ProductsCsvTest, ParserRemembersOnlyTheProductsItReturned) {
  TempDir dir;
  const std::string path = WriteFile(dir, "product_id,name,category\n");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<CsvReader> reader,
                       CsvReader::Open(path));
  ASSERT_OK_AND_ASSIGN(ProductsCsvParser parser,
                       ProductsCsvParser::ReadHeader(reader.get()));
  EXPECT_THAT(parser.Parse({"P01", "A"}, 2),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("row has 2 fields but the header has 3")));
  ASSERT_THAT(parser.Parse({" P01 ", "A", "a"}, 3).status(), IsOk());
  EXPECT_THAT(parser.Parse({"P01", "B", "b"}, 4),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("duplicate product_id 'P01' (first at line "
                                 "3)")));
}

TEST(ProductsCsvTest, WrittenCatalogWithEveryTermReadsBackUnchanged) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::vector<Product> products,
                       ReadProductsCsv(WriteFile(dir, kEveryColumn)));
  const std::string path = dir.Sub("written.csv");
  ASSERT_THAT(WriteCatalogCsv(path, products), IsOk());
  ASSERT_OK_AND_ASSIGN(std::vector<Product> read, ReadProductsCsv(path));
  ExpectSameProducts(read, products);
}

// The trainer reads products.csv through ReadBankData, nboctl through
// ReadProductsCsv: the same file must give the same catalog.
TEST(ProductsCsvTest, BankDataReaderReadsTheSameProducts) {
  TempDir dir;
  const std::string products = WriteFile(dir, kEveryColumn);
  const std::string transactions = dir.Sub("transactions.csv");
  std::FILE* file = std::fopen(transactions.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  std::fputs("customer_id,product_id,event,timestamp\n", file);
  std::fclose(file);
  BankDataOptions options;
  options.products_path = products;
  options.transactions_path = transactions;
  ASSERT_OK_AND_ASSIGN(BankData data, ReadBankData(options));
  ASSERT_OK_AND_ASSIGN(std::vector<Product> catalog, ReadProductsCsv(products));
  ExpectSameProducts(data.products, catalog);
}

// ReadProductsCsv fails on the bad row a lenient ReadBankData skips and
// counts, with the same message.
TEST(ProductsCsvTest, BankDataReaderSkipsTheRowsReadProductsCsvRefuses) {
  TempDir dir;
  const std::string products = WriteFile(dir,
                                         "product_id,name,category,offer_type\n"
                                         "P01,A,a,mandatory\n"
                                         "P02,B,b,urgent\n"
                                         "P03,C,c,\n");
  const std::string transactions = dir.Sub("transactions.csv");
  std::FILE* file = std::fopen(transactions.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  std::fputs("customer_id,product_id,event,timestamp\n", file);
  std::fclose(file);
  BankDataOptions options;
  options.products_path = products;
  options.transactions_path = transactions;
  options.max_bad_rows = 1;
  std::vector<std::string> skipped;
  options.on_bad_row = [&skipped](const absl::Status& status) {
    skipped.emplace_back(status.message());
  };
  ASSERT_OK_AND_ASSIGN(BankData data, ReadBankData(options));
  EXPECT_EQ(data.skipped_product_rows, 1);
  ASSERT_EQ(data.products.size(), 2u);
  EXPECT_EQ(data.products[0].offer_type, OfferType::kMandatory);
  EXPECT_EQ(data.products[1].product_id, "P03");
  const absl::StatusOr<std::vector<Product>> strict = ReadProductsCsv(products);
  ASSERT_THAT(skipped, ::testing::SizeIs(1));
  EXPECT_THAT(strict, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(strict.status().message(), skipped[0]);
  EXPECT_THAT(skipped[0], HasSubstr(products + ":3: offer_type 'urgent'"));
}

}  // namespace
}  // namespace nbo::data
