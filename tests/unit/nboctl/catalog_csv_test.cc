// Copyright (c) 2026 The nbo Authors. MIT License.

#include "tools/nboctl/catalog_csv.h"

#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/data/bank_data.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "services/common/catalog_proto.h"

namespace nbo::nboctl {
namespace {

using ::nbo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class CatalogCsvTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& content) {
    const std::string path = dir_.Sub("products.csv");
    std::ofstream(path) << content;
    return path;
  }

  nbo::testing::TempDir dir_;
};

TEST_F(CatalogCsvTest, ReadsIdentityValueAndEligibility) {
  const std::string path = Write(
      "product_id,name,category,business_value,min_age,max_age,min_income,"
      "segments,min_credit_score,kyc_required\n"
      "P01,Super Saver,savings,,,,,,,\n"
      "P02,\"Gold Card, no fee\",cards,2.5,21,70,15000,mass;affluent,620,"
      "true\n");
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Product> catalog, ReadCatalogCsv(path));
  ASSERT_THAT(catalog, SizeIs(2));
  EXPECT_EQ(catalog[0].product_id(), "P01");
  EXPECT_EQ(catalog[0].business_value(), 1.0);
  EXPECT_FALSE(catalog[0].eligibility().has_min_age());
  EXPECT_FALSE(catalog[0].has_contact_policy());
  EXPECT_EQ(catalog[0].offer_type(), v1::OFFER_TYPE_DEFAULT);
  const v1::Product& card = catalog[1];
  EXPECT_EQ(card.name(), "Gold Card, no fee");
  EXPECT_EQ(card.category(), "cards");
  EXPECT_EQ(card.business_value(), 2.5);
  EXPECT_EQ(card.eligibility().min_age(), 21);
  EXPECT_EQ(card.eligibility().max_age(), 70);
  EXPECT_EQ(card.eligibility().min_income(), 15000);
  EXPECT_THAT(card.eligibility().segments(), ElementsAre("mass", "affluent"));
  EXPECT_EQ(card.eligibility().min_credit_score(), 620);
  EXPECT_TRUE(card.eligibility().kyc_required());
}

TEST_F(CatalogCsvTest, ReadsOfferTypesAndContactPolicies) {
  const std::string path = Write(
      "product_id,name,category,offer_type,max_declines,max_impressions,"
      "suppression_days,contact_scope\n"
      "P01,Notice,service,Mandatory,,,,\n"
      "P02,Card,cards,,2,5,30,category\n"
      "P03,Loan,loans,transactional,1,3,7,\n");
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Product> catalog, ReadCatalogCsv(path));
  ASSERT_THAT(catalog, SizeIs(3));
  EXPECT_EQ(catalog[0].offer_type(), v1::OFFER_TYPE_MANDATORY);
  EXPECT_FALSE(catalog[0].has_contact_policy());
  EXPECT_EQ(catalog[1].offer_type(), v1::OFFER_TYPE_DEFAULT);
  EXPECT_EQ(catalog[1].contact_policy().max_declines(), 2);
  EXPECT_EQ(catalog[1].contact_policy().max_impressions(), 5);
  EXPECT_EQ(catalog[1].contact_policy().suppression_days(), 30);
  EXPECT_EQ(catalog[1].contact_policy().scope(), v1::CONTACT_SCOPE_CATEGORY);
  EXPECT_EQ(catalog[2].offer_type(), v1::OFFER_TYPE_TRANSACTIONAL);
  EXPECT_EQ(catalog[2].contact_policy().scope(), v1::CONTACT_SCOPE_PRODUCT);
}

TEST_F(CatalogCsvTest, RejectsAPartialContactPolicyNamingItsLine) {
  const std::string path = Write(
      "product_id,name,category,max_declines,max_impressions\n"
      "P01,A,x,,\n"
      "P02,B,y,2,\n");
  EXPECT_THAT(ReadCatalogCsv(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("products.csv:3: a contact policy needs")));
}

TEST_F(CatalogCsvTest, RejectsUnknownOfferTypeAndNonPositiveCounts) {
  EXPECT_THAT(ReadCatalogCsv(Write("product_id,name,category,offer_type\n"
                                   "P01,A,x,urgent\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("offer_type 'urgent'")));
  EXPECT_THAT(
      ReadCatalogCsv(Write("product_id,name,category,max_declines,"
                           "max_impressions,suppression_days\n"
                           "P01,A,x,0,1,1\n")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("max_declines '0' is not a positive integer")));
}

TEST_F(CatalogCsvTest, PassesOnLibDatasErrors) {
  EXPECT_THAT(ReadCatalogCsv(Write("product_id,name,category,min_age\n"
                                   "P01,A,x,-3\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("products.csv:2")));
  EXPECT_THAT(
      ReadCatalogCsv(Write("product_id,name\nP01,A\n")),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("category")));
  EXPECT_THAT(ReadCatalogCsv(dir_.Sub("missing.csv")),
              StatusIs(absl::StatusCode::kNotFound));
}

// nbo-trainer reads products.csv through ReadBankData and publishes it with
// the same conversion: `catalog update` and a training run send the same
// catalog for the same file.
TEST_F(CatalogCsvTest, AgreesWithTheBankDataReaderOnEveryColumn) {
  const std::string path = Write(
      "product_id,name,category,business_value,min_age,max_age,min_income,"
      "segments,min_credit_score,kyc_required,offer_type,max_declines,"
      "max_impressions,suppression_days,contact_scope\n"
      "P01,Saver,savings,,,,,,,,,,,,\n"
      "P02,Card,cards,2.5,21,70,15000,mass;affluent,620,true,mandatory,2,5,"
      "30,category\n");
  const std::string transactions = dir_.Sub("transactions.csv");
  std::ofstream(transactions) << "customer_id,product_id,event,timestamp\n";
  data::BankDataOptions options;
  options.products_path = path;
  options.transactions_path = transactions;
  ASSERT_OK_AND_ASSIGN(const data::BankData data, data::ReadBankData(options));
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Product> catalog, ReadCatalogCsv(path));
  ASSERT_THAT(catalog, SizeIs(data.products.size()));
  for (size_t i = 0; i < catalog.size(); ++i) {
    EXPECT_EQ(catalog[i].DebugString(),
              services::ToProto(data.products[i]).DebugString());
  }
  const v1::Product& card = catalog[1];
  EXPECT_EQ(card.offer_type(), v1::OFFER_TYPE_MANDATORY);
  EXPECT_EQ(card.eligibility().min_credit_score(), 620);
  EXPECT_EQ(card.contact_policy().suppression_days(), 30);
  EXPECT_EQ(card.contact_policy().scope(), v1::CONTACT_SCOPE_CATEGORY);
}

}  // namespace
}  // namespace nbo::nboctl
