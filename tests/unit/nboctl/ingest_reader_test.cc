// Copyright (c) 2026 The nbo Authors. MIT License.

#include "tools/nboctl/ingest_reader.h"

#include <fstream>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace nbo::nboctl {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

std::string WriteFile(const nbo::testing::TempDir& dir, const std::string& name,
                      const std::string& content) {
  const std::string path = dir.Sub(name);
  std::ofstream(path) << content;
  return path;
}

TEST(LineMapTest, MapsRecordsToTheirLinesAcrossGaps) {
  LineMap lines;
  lines.Add(2);
  lines.Add(3);
  lines.Add(4);
  lines.Add(7);  // Blank lines before it.
  lines.Add(8);
  lines.Add(10);
  EXPECT_EQ(lines.size(), 6);
  EXPECT_EQ(lines.LineOf(0), 2);
  EXPECT_EQ(lines.LineOf(2), 4);
  EXPECT_EQ(lines.LineOf(3), 7);
  EXPECT_EQ(lines.LineOf(4), 8);
  EXPECT_EQ(lines.LineOf(5), 10);
  EXPECT_EQ(lines.LineOf(6), -1);
  EXPECT_EQ(lines.LineOf(-1), -1);
}

TEST(CustomerCsvReaderTest, ReadsKnownColumnsAndKeepsTheRestAsAttributes) {
  nbo::testing::TempDir dir;
  const std::string path = WriteFile(
      dir, "customers.csv",
      "region, customer_id ,age,income,segment,credit_score,kyc_verified,"
      "life_stage\n"
      "north,C0000001,34,52000.5,mass,690,true,family\n"
      "south, C0000002 ,,,,,no,\n");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<CustomerCsvReader> reader,
                       CustomerCsvReader::Open(path));
  EXPECT_THAT(reader->attribute_names(), ElementsAre("region", "life_stage"));

  v1::CustomerProfile profile;
  ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&profile));
  ASSERT_TRUE(more);
  EXPECT_EQ(reader->line(), 2);
  EXPECT_EQ(profile.customer_id(), "C0000001");
  EXPECT_EQ(profile.age(), 34);
  EXPECT_DOUBLE_EQ(profile.income(), 52000.5);
  EXPECT_EQ(profile.segment(), "mass");
  EXPECT_EQ(profile.credit_score(), 690);
  EXPECT_TRUE(profile.has_kyc_verified() && profile.kyc_verified());
  EXPECT_THAT(profile.attributes(),
              UnorderedElementsAre(Pair("region", "north"),
                                   Pair("life_stage", "family")));
  EXPECT_FALSE(profile.has_updated_time());

  ASSERT_OK_AND_ASSIGN(more, reader->Next(&profile));
  ASSERT_TRUE(more);
  EXPECT_EQ(profile.customer_id(), "C0000002");
  EXPECT_FALSE(profile.has_age());
  EXPECT_FALSE(profile.has_income());
  EXPECT_FALSE(profile.has_segment());
  EXPECT_FALSE(profile.has_credit_score());
  EXPECT_TRUE(profile.has_kyc_verified());
  EXPECT_FALSE(profile.kyc_verified());
  // An empty cell is an unknown attribute, not an empty one.
  EXPECT_THAT(profile.attributes(),
              UnorderedElementsAre(Pair("region", "south")));

  ASSERT_OK_AND_ASSIGN(more, reader->Next(&profile));
  EXPECT_FALSE(more);
}

TEST(CustomerCsvReaderTest, RejectsAHeaderWithoutCustomerId) {
  nbo::testing::TempDir dir;
  const std::string path = WriteFile(dir, "customers.csv", "id,age\nC1,3\n");
  EXPECT_THAT(
      CustomerCsvReader::Open(path),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("customer_id")));
}

TEST(CustomerCsvReaderTest, NamesTheLineOfABadNumber) {
  nbo::testing::TempDir dir;
  const std::string path =
      WriteFile(dir, "customers.csv", "customer_id,age\nC1,30\n\nC2,thirty\n");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<CustomerCsvReader> reader,
                       CustomerCsvReader::Open(path));
  v1::CustomerProfile profile;
  EXPECT_THAT(reader->Next(&profile), IsOk());
  EXPECT_THAT(reader->Next(&profile),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("customers.csv:4: age 'thirty'")));
}

TEST(CustomerCsvReaderTest, RejectsAnUnreadableKycValue) {
  nbo::testing::TempDir dir;
  const std::string path =
      WriteFile(dir, "customers.csv", "customer_id,kyc_verified\nC1,maybe\n");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<CustomerCsvReader> reader,
                       CustomerCsvReader::Open(path));
  v1::CustomerProfile profile;
  EXPECT_THAT(
      reader->Next(&profile),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("kyc_verified")));
}

TEST(CustomerCsvReaderTest, MissingFileIsNotFound) {
  nbo::testing::TempDir dir;
  EXPECT_THAT(CustomerCsvReader::Open(dir.Sub("customers.csv")),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(TransactionCsvReaderTest, ConvertsRowsAndDerivesStableIds) {
  nbo::testing::TempDir dir;
  const std::string content =
      "customer_id,product_id,event,timestamp,amount\n"
      "C1,P02,view,2024-03-01T10:00:00Z,\n"
      "C1,P02,OPEN,1709287200,1500.00\n";
  const std::string path = WriteFile(dir, "transactions.csv", content);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TransactionCsvReader> reader,
                       TransactionCsvReader::Open(path));
  v1::Transaction view, open;
  ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&view));
  ASSERT_TRUE(more);
  EXPECT_EQ(view.customer_id(), "C1");
  EXPECT_EQ(view.product_id(), "P02");
  EXPECT_EQ(view.event(), v1::TRANSACTION_EVENT_VIEW);
  EXPECT_EQ(view.timestamp().seconds(), 1709287200);
  EXPECT_EQ(view.amount(), 0);
  ASSERT_OK_AND_ASSIGN(more, reader->Next(&open));
  ASSERT_TRUE(more);
  EXPECT_EQ(open.event(), v1::TRANSACTION_EVENT_OPEN);
  EXPECT_DOUBLE_EQ(open.amount(), 1500);
  EXPECT_THAT(view.transaction_id(), MatchesRegex("L2-[0-9a-f]{12}"));
  EXPECT_THAT(open.transaction_id(), MatchesRegex("L3-[0-9a-f]{12}"));

  // The same file read again yields the same ids: a re-run is idempotent.
  ASSERT_OK_AND_ASSIGN(reader, TransactionCsvReader::Open(path));
  v1::Transaction again;
  ASSERT_OK_AND_ASSIGN(more, reader->Next(&again));
  EXPECT_EQ(again.transaction_id(), view.transaction_id());
}

TEST(TransactionCsvReaderTest, TransactionIdsDifferByLineAndByContent) {
  const std::string id = TransactionIdFor(2, "C1", "P02", "view", 100, 0);
  EXPECT_EQ(id, TransactionIdFor(2, "C1", "P02", "view", 100, 0));
  EXPECT_NE(id, TransactionIdFor(3, "C1", "P02", "view", 100, 0));
  EXPECT_NE(id, TransactionIdFor(2, "C1", "P03", "view", 100, 0));
  EXPECT_NE(id, TransactionIdFor(2, "C1", "P02", "view", 101, 0));
  EXPECT_NE(id, TransactionIdFor(2, "C1", "P02", "view", 100, 0.5));
  // Within what the server accepts: [A-Za-z0-9._:-]{0,64}.
  EXPECT_THAT(TransactionIdFor(9223372036854775807, "C", "P", "close", -1, 1),
              MatchesRegex("[A-Za-z0-9._:-]{1,64}"));
}

TEST(TransactionCsvReaderTest, KeepsTheFilesOwnTransactionId) {
  nbo::testing::TempDir dir;
  const std::string path =
      WriteFile(dir, "transactions.csv",
                "transaction_id,customer_id,product_id,event,timestamp\n"
                "bank-42,C1,P01,apply,2024-01-01T00:00:00Z\n"
                ",C1,P01,view,2024-01-01T00:00:00Z\n");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TransactionCsvReader> reader,
                       TransactionCsvReader::Open(path));
  v1::Transaction t;
  ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&t));
  ASSERT_TRUE(more);
  EXPECT_EQ(t.transaction_id(), "bank-42");
  ASSERT_OK_AND_ASSIGN(more, reader->Next(&t));
  ASSERT_TRUE(more);
  EXPECT_THAT(t.transaction_id(), MatchesRegex("L3-.*"));
}

TEST(TransactionCsvReaderTest, SkipsAndCountsOfferAnswers) {
  nbo::testing::TempDir dir;
  const std::string path = WriteFile(dir, "transactions.csv",
                                     "customer_id,product_id,event,timestamp\n"
                                     "C1,P01,accept,2024-01-01T00:00:00Z\n"
                                     "C1,P02,decline,2024-01-01T00:00:00Z\n"
                                     "C1,P03,purchase,2024-01-01T00:00:00Z\n");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TransactionCsvReader> reader,
                       TransactionCsvReader::Open(path));
  v1::Transaction t;
  ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&t));
  ASSERT_TRUE(more);
  EXPECT_EQ(t.product_id(), "P03");
  EXPECT_EQ(t.event(), v1::TRANSACTION_EVENT_PURCHASE);
  EXPECT_EQ(reader->line(), 4);
  EXPECT_EQ(reader->skipped_offer_answers(), 2);
  ASSERT_OK_AND_ASSIGN(more, reader->Next(&t));
  EXPECT_FALSE(more);
}

TEST(TransactionCsvReaderTest, NamesTheLineOfAnUnknownEvent) {
  nbo::testing::TempDir dir;
  const std::string path = WriteFile(dir, "transactions.csv",
                                     "customer_id,product_id,event,timestamp\n"
                                     "C1,P01,browse,2024-01-01T00:00:00Z\n");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TransactionCsvReader> reader,
                       TransactionCsvReader::Open(path));
  v1::Transaction t;
  EXPECT_THAT(reader->Next(&t),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("transactions.csv:2: unknown event")));
}

TEST(TransactionCsvReaderTest, RejectsABadTimestampAndABadAmount) {
  nbo::testing::TempDir dir;
  const std::string path =
      WriteFile(dir, "transactions.csv",
                "customer_id,product_id,event,timestamp,amount\n"
                "C1,P01,view,yesterday,\n"
                "C1,P01,view,2024-01-01T00:00:00Z,lots\n");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TransactionCsvReader> reader,
                       TransactionCsvReader::Open(path));
  v1::Transaction t;
  EXPECT_THAT(reader->Next(&t), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr(":2: bad timestamp")));
  // A row error leaves the reader on the next row.
  EXPECT_THAT(reader->Next(&t), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr(":3: amount 'lots'")));
}

TEST(TransactionCsvReaderTest, RejectsAHeaderWithoutTimestamp) {
  nbo::testing::TempDir dir;
  const std::string path = WriteFile(
      dir, "transactions.csv", "customer_id,product_id,event\nC,P,view\n");
  EXPECT_THAT(TransactionCsvReader::Open(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("lacks column 'timestamp'")));
}

}  // namespace
}  // namespace nbo::nboctl
