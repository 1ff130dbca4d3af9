// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nboctl bench's configuration and the methods other than the default
// Recommend run (bench.cc):
//
//   feedback      RecordFeedback, sustained, on offers of decisions made
//                 first: what recording outcomes durably costs.
//   transactions  RecordTransactions, --batch records per call: the ingest
//                 rate.
//   foldin        Recommend for customers the model has no factors for but
//                 who have transactions (ingested first), so every answer
//                 is solved on the fly: what fold-in costs.
//
// Each runner returns what it measured; Report*() prints it as a table or as
// one flat JSON object.

#ifndef NBO_TOOLS_NBOCTL_BENCH_H_
#define NBO_TOOLS_NBOCTL_BENCH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/nboctl/bench_load.h"

namespace nbo::nboctl {

// What `nboctl bench --method` measures.
enum class BenchMethod { kRecommend, kFeedback, kTransactions, kFoldIn };

// Everything the bench was told, validated.
struct BenchConfig {
  std::string server;
  std::string model;
  std::string token;
  std::string metrics;
  double duration_s = 0;
  double warmup_s = 0;
  int concurrency = 0;
  int rounds = 1;
  int swaps = 0;
  int num_offers = 0;
  // --customers. recommend, feedback: 0 means the serving version's customer
  // count. transactions, foldin: synthetic customers; 0 means 10000 and
  // 1000.
  int64_t customers = 0;
  bool json = false;

  BenchMethod method = BenchMethod::kRecommend;
  // --compare, for the recommend method: the baselines interleaved with
  // Recommend.
  // Default: Health/Check only.
  bool compare_health = true;
  bool compare_score = false;
  // --feedback_records: feedback records prepared before the measured phase,
  // which ends early if they run out.
  // Default: 100000.
  int64_t feedback_records = 100000;
  // --batch: transactions per RecordTransactions call.
  // Default: 500.
  int batch = 500;
  // --products: product ids for transactions; empty means the model's
  // catalog (GetCatalog).
  // Default: empty.
  std::vector<std::string> products;

  // Not flags. Calls each worker makes at most in a measured phase, after
  // which it stops (so that tests end without waiting out a duration); 0 is
  // no limit.
  // Default: 0.
  int64_t call_limit = 0;
  // Part of every transaction id and fold-in customer id, so that a run
  // never collides with an earlier one; empty means one is derived from the
  // clock.
  // Default: "".
  std::string run_id;
};

// A run id from the clock and the process id: 12 hex digits.
std::string NewRunId();

// The model's catalog products (GetCatalog), in catalog order.
// FAILED_PRECONDITION when the catalog is empty; the RPC's status on
// failure.
absl::StatusOr<std::vector<std::string>> CatalogProducts(
    v1::ModelService::Stub* stub, const std::string& model,
    const std::string& token);

// What --method=feedback measured.
struct FeedbackBenchResult {
  // The RecordFeedback calls.
  LoadResult load;
  // The preparation: Recommend answers, those without offers, offers, and
  // the records planned on them.
  int64_t decisions = 0;
  int64_t no_action = 0;
  int64_t offers = 0;
  int64_t records_prepared = 0;
  double setup_seconds = 0;
  // Acknowledged records by outcome.
  int64_t impressions = 0;
  int64_t accepted = 0;
  int64_t declined = 0;
  // Acknowledged with duplicate = true: should be 0.
  int64_t duplicates = 0;
  // Whether the prepared records ran out before the duration.
  bool exhausted = false;
};

// Makes decisions (Recommend, channel "bench") for customers drawn from
// C0000001..C<customers> until config.feedback_records records are planned
// on their offers: an IMPRESSION for every offer, then ACCEPTED for 20% and
// DECLINED for 30% of them, each (decision, product, outcome) once. Then
// sends them with RecordFeedback at config.concurrency for
// config.duration_s, or until they run out. FAILED_PRECONDITION when the
// decisions yield no offers at all.
absl::StatusOr<FeedbackBenchResult> RunFeedbackBench(const BenchConfig& config,
                                                     const ChannelPool& pool,
                                                     int64_t customers);

// What --method=transactions measured.
struct TransactionsBenchResult {
  // The RecordTransactions calls.
  LoadResult load;
  int64_t customers = 0;
  int64_t records_sent = 0;
  int64_t accepted = 0;
  int64_t duplicates = 0;
  int64_t rejected = 0;
  // The first rejection's field and reason, when there was one.
  std::string first_rejection;
};

// Sustains RecordTransactions calls of config.batch transactions each for
// config.duration_s, after config.warmup_s of the same unmeasured:
// customers "bench-tx-NNNNNNN" (config.customers of them, default 10000),
// products drawn from `products`, events view 60%, apply 20%, purchase 10%,
// open 10%, timestamped now, every transaction id new.
// REQUIRES: `products` is not empty.
absl::StatusOr<TransactionsBenchResult> RunTransactionsBench(
    const BenchConfig& config, const ChannelPool& pool,
    const std::vector<std::string>& products);

// What --method=foldin measured.
struct FoldInBenchResult {
  // The Recommend calls.
  LoadResult load;
  RecommendTally tally;
  int64_t customers = 0;
  // Transactions the server accepted in the preparation.
  int64_t transactions = 0;
  double setup_seconds = 0;
};

// Transactions per fold-in customer in RunFoldInBench's preparation.
inline constexpr int kFoldInTransactionsPerCustomer = 4;

// Ingests kFoldInTransactionsPerCustomer transactions (view, apply, view,
// purchase of distinct products from `products`) for each of
// config.customers (default 1000) new customers
// "bench-foldin-<run id>-NNNNNNN", then sends Recommend for them, drawn
// uniformly, for config.duration_s, tallying the strategies. With
// `warmup_customers` > 0, config.warmup_s of unmeasured Recommend load for
// the model's customers C0000001..C<warmup_customers> comes first.
// FAILED_PRECONDITION when the server accepts none of the transactions.
// REQUIRES: `products` is not empty.
absl::StatusOr<FoldInBenchResult> RunFoldInBench(
    const BenchConfig& config, const ChannelPool& pool,
    const std::vector<std::string>& products, int64_t warmup_customers);

// The context every method report starts with.
struct BenchHeader {
  std::string model_name;
  int64_t model_version = 0;
  int channels = 0;
};

// Print the result as a table on stdout, or as one JSON object with
// config.json, and warnings (a duplicate, a rejection, answers that did not
// fold in) on stderr. Return the number of failed calls.
int64_t ReportFeedback(const BenchConfig& config, const BenchHeader& header,
                       const FeedbackBenchResult& result);
int64_t ReportTransactions(const BenchConfig& config, const BenchHeader& header,
                           const TransactionsBenchResult& result);
int64_t ReportFoldIn(const BenchConfig& config, const BenchHeader& header,
                     const FoldInBenchResult& result);

}  // namespace nbo::nboctl

#endif  // NBO_TOOLS_NBOCTL_BENCH_H_
