// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The bench's load machinery, and its feedback, transactions and foldin
// methods against the in-process fake server. Every run here ends because
// its work runs out (a prepared pool, a call limit), never by waiting out a
// duration; nothing here times anything.

#include "tools/nboctl/bench.h"

#include <atomic>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "tests/unit/nboctl/fake_server.h"
#include "tools/nboctl/bench_load.h"

namespace nbo::nboctl {
namespace {

using ::nbo::nboctl::testing::FakeServer;
using ::nbo::nboctl::testing::FakeState;
using ::nbo::testing::StatusIs;
using ::testing::Each;
using ::testing::SizeIs;

// Long enough never to end a test's run; the runs end by running out.
constexpr double kNeverSeconds = 600;

TEST(LatencyHistogramTest, KeepsSmallValuesExactAndLargeOnesClose) {
  LatencyHistogram histogram;
  for (int64_t nanos = 1; nanos <= 100; ++nanos) histogram.Record(nanos);
  EXPECT_EQ(histogram.count(), 100);
  EXPECT_DOUBLE_EQ(histogram.PercentileMicros(50), 0.050);
  EXPECT_DOUBLE_EQ(histogram.PercentileMicros(100), 0.100);

  LatencyHistogram large;
  large.Record(1'000'000);   // 1 ms
  large.Record(10'000'000);  // 10 ms
  EXPECT_NEAR(large.PercentileMicros(50), 1000, 1000 * 0.008);
  EXPECT_DOUBLE_EQ(large.PercentileMicros(99.9), 10000);  // Capped at max.
  histogram.Merge(large);
  EXPECT_EQ(histogram.count(), 102);
  EXPECT_DOUBLE_EQ(histogram.MaxMicros(), 10000);
}

TEST(ClosedLoopTest, EndsWhenTheFirstWorkerRunsOut) {
  std::atomic<int64_t> calls{0};
  ClosedLoop loop(4, ClosedLoop::BoundedCall([&calls](int worker) {
                    // Worker 0 runs out after 10 calls; the others would not.
                    if (worker == 0 && calls.load() >= 10) {
                      return CallResult::kExhausted;
                    }
                    calls.fetch_add(1);
                    return worker == 1 ? CallResult::kFailed : CallResult::kOk;
                  }));
  const LoadResult result = loop.RunFor(kNeverSeconds);
  EXPECT_TRUE(loop.exhausted());
  EXPECT_EQ(result.requests, calls.load());
  EXPECT_EQ(result.latency.count(), result.requests - result.failed);
  EXPECT_LT(result.seconds, kNeverSeconds);
}

class BenchMethodTest : public ::testing::Test {
 protected:
  BenchConfig Config() {
    BenchConfig config;
    config.server = server_.address();
    config.duration_s = kNeverSeconds;
    config.warmup_s = 0;
    config.concurrency = 3;
    config.num_offers = 3;
    config.run_id = "test";
    return config;
  }

  FakeServer server_;
};

TEST_F(BenchMethodTest, FeedbackSendsPreparedRecordsOnceImpressionFirst) {
  BenchConfig config = Config();
  config.feedback_records = 200;
  ASSERT_OK_AND_ASSIGN(ChannelPool pool,
                       ChannelPool::Create(config.server, config.concurrency));
  ASSERT_OK_AND_ASSIGN(FeedbackBenchResult result,
                       RunFeedbackBench(config, pool, /*customers=*/50));

  EXPECT_GE(result.records_prepared, 200);
  EXPECT_EQ(result.decisions, server_.state().recommend_calls());
  EXPECT_EQ(result.offers, 3 * result.decisions);
  // The run ends when the first worker's queue runs out, so that the
  // concurrency stays constant while measured: most records, not all, go.
  EXPECT_TRUE(result.exhausted);
  EXPECT_EQ(result.load.failed, 0);
  EXPECT_GT(result.load.requests, result.records_prepared / 2);
  EXPECT_LE(result.load.requests, result.records_prepared);
  // Each record sent was new to the server, and no answer came before its
  // offer's impression.
  EXPECT_EQ(server_.state().feedback_records(), result.load.requests);
  EXPECT_EQ(server_.state().feedback_duplicates(), 0);
  EXPECT_EQ(result.duplicates, 0);
  EXPECT_EQ(server_.state().answers_before_impression(), 0);
  EXPECT_EQ(result.impressions + result.accepted + result.declined,
            result.load.requests);
  EXPECT_GT(result.accepted, 0);
  EXPECT_GT(result.declined, 0);
}

TEST_F(BenchMethodTest, FeedbackFailsWhenDecisionsCannotBeMade) {
  BenchConfig config = Config();
  config.server = "127.0.0.1:1";  // Nothing listens there.
  ASSERT_OK_AND_ASSIGN(ChannelPool pool,
                       ChannelPool::Create(config.server, config.concurrency));
  EXPECT_THAT(RunFeedbackBench(config, pool, /*customers=*/50),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(BenchMethodTest, TransactionsSendBatchesOfUniqueTransactions) {
  BenchConfig config = Config();
  config.batch = 7;
  config.call_limit = 5;
  config.customers = 20;
  ASSERT_OK_AND_ASSIGN(ChannelPool pool,
                       ChannelPool::Create(config.server, config.concurrency));
  const std::vector<std::string> products = {"P01", "P02"};
  ASSERT_OK_AND_ASSIGN(TransactionsBenchResult result,
                       RunTransactionsBench(config, pool, products));

  EXPECT_EQ(result.load.failed, 0);
  // The first worker to reach its limit ends the run; each made <= 5 calls.
  EXPECT_GE(result.load.requests, 5);
  EXPECT_LE(result.load.requests, 15);
  EXPECT_EQ(result.records_sent, 7 * result.load.requests);
  EXPECT_EQ(result.accepted, result.records_sent);
  EXPECT_EQ(result.duplicates, 0);
  EXPECT_EQ(result.rejected, 0);
  EXPECT_THAT(server_.state().transaction_batch_sizes(), Each(7));
  std::set<std::string> ids;
  for (const v1::Transaction& t : server_.state().transactions()) {
    ids.insert(t.transaction_id());
    EXPECT_TRUE(absl::StartsWith(t.customer_id(), "bench-tx-"));
    EXPECT_TRUE(t.product_id() == "P01" || t.product_id() == "P02");
    EXPECT_GT(t.timestamp().seconds(), 0);
  }
  EXPECT_EQ(static_cast<int64_t>(ids.size()), result.records_sent);
}

TEST_F(BenchMethodTest, TransactionsCountWhatTheServerRejects) {
  BenchConfig config = Config();
  config.batch = 4;
  config.call_limit = 2;
  ASSERT_OK_AND_ASSIGN(ChannelPool pool,
                       ChannelPool::Create(config.server, config.concurrency));
  ASSERT_OK_AND_ASSIGN(TransactionsBenchResult result,
                       RunTransactionsBench(config, pool, {"P99"}));
  EXPECT_EQ(result.accepted, 0);
  EXPECT_EQ(result.rejected, result.records_sent);
  EXPECT_EQ(result.first_rejection, "product_id: not in the model's catalog");
}

TEST_F(BenchMethodTest, FoldInIngestsTransactionsThenRecommendsForThem) {
  BenchConfig config = Config();
  config.customers = 25;
  config.batch = 10;
  config.call_limit = 20;
  ASSERT_OK_AND_ASSIGN(ChannelPool pool,
                       ChannelPool::Create(config.server, config.concurrency));
  ASSERT_OK_AND_ASSIGN(FoldInBenchResult result,
                       RunFoldInBench(config, pool, FakeState::Catalog(),
                                      /*warmup_customers=*/0));

  EXPECT_EQ(result.customers, 25);
  EXPECT_EQ(result.transactions, 25 * kFoldInTransactionsPerCustomer);
  EXPECT_THAT(server_.state().transactions(),
              SizeIs(25 * kFoldInTransactionsPerCustomer));
  EXPECT_EQ(result.load.failed, 0);
  EXPECT_GE(result.load.requests, 20);
  // Every customer asked about had transactions before the first Recommend.
  EXPECT_EQ(result.tally.fold_in, result.load.requests);
  EXPECT_DOUBLE_EQ(result.tally.FoldInFraction(), 1.0);
}

TEST_F(BenchMethodTest, FoldInFailsWhenNoTransactionIsAccepted) {
  BenchConfig config = Config();
  config.customers = 3;
  ASSERT_OK_AND_ASSIGN(ChannelPool pool,
                       ChannelPool::Create(config.server, config.concurrency));
  EXPECT_THAT(RunFoldInBench(config, pool, {"P99"}, /*warmup_customers=*/0),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(BenchMethodTest, CatalogProductsListsTheModelsCatalog) {
  ASSERT_OK_AND_ASSIGN(ChannelPool pool,
                       ChannelPool::Create(server_.address(), 1));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> products,
                       CatalogProducts(pool.models(0), "", ""));
  EXPECT_EQ(products, FakeState::Catalog());
}

}  // namespace
}  // namespace nbo::nboctl
