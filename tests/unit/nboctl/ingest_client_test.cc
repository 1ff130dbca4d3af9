// Copyright (c) 2026 The nbo Authors. MIT License.
//
// RunIngest against the in-process fake IngestService: batching, the
// transaction stream, rejections traced back to file lines, idempotent
// re-runs, and the errors.

#include "tools/nboctl/ingest_client.h"

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"
#include "tests/unit/nboctl/fake_server.h"

namespace nbo::nboctl {
namespace {

using ::nbo::nboctl::testing::FakeServer;
using ::nbo::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kCustomers[] =
    "customer_id,age,segment,region\n"
    "C1,34,mass,north\n"
    "C2,200,mass,south\n"
    "C3,51,affluent,east\n";

// Line 5 names a product outside the fake's catalog; a blank line shifts
// the ones after it.
constexpr char kTransactions[] =
    "customer_id,product_id,event,timestamp,amount\n"
    "C1,P01,view,2024-03-01T10:00:00Z,\n"
    "C1,P01,open,2024-03-02T10:00:00Z,100\n"
    "C2,P02,view,2024-03-01T10:00:00Z,\n"
    "C2,P99,view,2024-03-01T10:00:00Z,\n"
    "\n"
    "C3,P03,apply,2024-03-01T10:00:00Z,\n"
    "C3,P03,decline,2024-03-01T11:00:00Z,\n";

class IngestClientTest : public ::testing::Test {
 protected:
  IngestClientTest()
      : stub_(v1::IngestService::NewStub(grpc::CreateChannel(
            server_.address(), grpc::InsecureChannelCredentials()))) {}

  void Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_.Sub(name)) << content;
  }

  IngestOptions Options(int batch) {
    IngestOptions options;
    options.data_dir = dir_.path();
    options.batch = batch;
    return options;
  }

  nbo::testing::TempDir dir_;
  FakeServer server_;
  std::unique_ptr<v1::IngestService::Stub> stub_;
};

TEST_F(IngestClientTest, SendsCustomersThenTransactionsInBatches) {
  Write("customers.csv", kCustomers);
  Write("transactions.csv", kTransactions);
  ASSERT_OK_AND_ASSIGN(IngestSummary summary,
                       RunIngest(Options(/*batch=*/2), stub_.get()));

  EXPECT_THAT(server_.state().upsert_batch_sizes(), ElementsAre(2, 1));
  EXPECT_EQ(summary.customers.sent, 3);
  EXPECT_EQ(summary.customers.accepted, 2);
  EXPECT_EQ(summary.customers.rejected, 1);
  ASSERT_THAT(summary.customers.reasons, SizeIs(1));
  EXPECT_THAT(summary.customers.reasons[0],
              HasSubstr("customers.csv:3: age: must be in 0..150"));
  const std::vector<v1::CustomerProfile> profiles = server_.state().profiles();
  ASSERT_THAT(profiles, SizeIs(2));
  EXPECT_EQ(profiles[0].attributes().at("region"), "north");

  // Five transactions (the decline is feedback, not sent) in batches of 2.
  EXPECT_THAT(server_.state().transaction_batch_sizes(), ElementsAre(2, 2, 1));
  EXPECT_EQ(summary.transactions.sent, 5);
  EXPECT_EQ(summary.transactions.accepted, 4);
  EXPECT_EQ(summary.transactions.duplicates, 0);
  EXPECT_EQ(summary.transactions.rejected, 1);
  EXPECT_EQ(summary.transactions.skipped, 1);
  ASSERT_THAT(summary.transactions.reasons, SizeIs(1));
  EXPECT_THAT(summary.transactions.reasons[0],
              HasSubstr("transactions.csv:5: product_id: not in the model's "
                        "catalog"));
  for (const v1::Transaction& t : server_.state().transactions()) {
    EXPECT_FALSE(t.transaction_id().empty());
  }
}

TEST_F(IngestClientTest, ARerunAppliesNothingTwice) {
  Write("transactions.csv", kTransactions);
  IngestOptions options = Options(/*batch=*/3);
  options.customers = false;
  ASSERT_OK_AND_ASSIGN(IngestSummary first, RunIngest(options, stub_.get()));
  EXPECT_EQ(first.transactions.accepted, 4);
  ASSERT_OK_AND_ASSIGN(IngestSummary second, RunIngest(options, stub_.get()));
  EXPECT_EQ(second.transactions.accepted, 0);
  EXPECT_EQ(second.transactions.duplicates, 4);
  EXPECT_THAT(server_.state().transactions(), SizeIs(4));
}

TEST_F(IngestClientTest, CustomersFileIsOptionalUnlessAskedForAlone) {
  Write("transactions.csv", kTransactions);
  ASSERT_OK_AND_ASSIGN(IngestSummary summary,
                       RunIngest(Options(500), stub_.get()));
  EXPECT_TRUE(summary.customers.path.empty());
  EXPECT_EQ(summary.transactions.sent, 5);

  IngestOptions customers_only = Options(500);
  customers_only.transactions = false;
  EXPECT_THAT(
      RunIngest(customers_only, stub_.get()),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("customers.csv")));
}

TEST_F(IngestClientTest, MissingTransactionsFileIsNotFound) {
  Write("customers.csv", kCustomers);
  EXPECT_THAT(
      RunIngest(Options(500), stub_.get()),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("transactions.csv")));
}

TEST_F(IngestClientTest, AFailedCallEndsTheIngestWithItsCode) {
  Write("customers.csv", kCustomers);
  Write("transactions.csv", kTransactions);
  server_.state().FailUpserts(
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "draining"));
  EXPECT_THAT(
      RunIngest(Options(500), stub_.get()),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("UpsertCustomers")));
  EXPECT_THAT(server_.state().transaction_batch_sizes(), SizeIs(0));
}

TEST_F(IngestClientTest, AMalformedRowStopsTheStreamAndNamesItsLine) {
  Write("transactions.csv",
        "customer_id,product_id,event,timestamp\n"
        "C1,P01,view,2024-03-01T10:00:00Z\n"
        "C1,P02,view,2024-03-01T10:00:00Z\n"
        "C1,P03,view,not-a-time\n");
  IngestOptions options = Options(/*batch=*/2);
  options.customers = false;
  EXPECT_THAT(RunIngest(options, stub_.get()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("transactions.csv:4")));
}

TEST_F(IngestClientTest, ReportsEachFilesFinalProgress) {
  Write("customers.csv", kCustomers);
  Write("transactions.csv", kTransactions);
  IngestOptions options = Options(2);
  options.progress_interval = absl::InfiniteDuration();
  std::vector<std::string> reports;
  options.on_progress = [&reports](const IngestProgress& progress) {
    reports.push_back(absl::StrCat(progress.what, ":", progress.sent));
  };
  ASSERT_OK_AND_ASSIGN(IngestSummary summary, RunIngest(options, stub_.get()));
  // No interval ever passes: only the final report of each file.
  EXPECT_THAT(reports, ElementsAre("customers:3", "transactions:5"));
}

}  // namespace
}  // namespace nbo::nboctl
