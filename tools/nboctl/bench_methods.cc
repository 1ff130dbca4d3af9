// Copyright (c) 2026 The nbo Authors. MIT License.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lib/common/stable_hash.h"
#include "lib/common/status_macros.h"
#include "services/common/grpc_status.h"
#include "tools/nboctl/bench.h"

namespace nbo::nboctl {
namespace {

// How long a preparation phase (decisions, fold-in transactions) may take
// before the bench gives up on it.
constexpr double kSetupTimeoutSeconds = 600;
// Failed calls after which a preparation phase gives up, and decisions
// without a single offer after which the feedback preparation does.
constexpr int64_t kSetupMaxFailures = 1000;
constexpr int64_t kSetupMaxFruitlessDecisions = 1000;
// Share of offers answered ACCEPTED and DECLINED after their IMPRESSION.
constexpr double kAcceptShare = 0.2;
constexpr double kDeclineShare = 0.3;
// Channel of the bench's decisions and feedback.
constexpr char kBenchChannel[] = "bench";
// Share of fold-in answers below which the run is suspect.
constexpr double kFoldInWarnFraction = 0.99;
// Customers of the transactions and foldin methods when --customers is 0.
constexpr int64_t kDefaultTransactionCustomers = 10000;
constexpr int64_t kDefaultFoldInCustomers = 1000;

// A generator per worker, seeded from the run and a phase, aligned so that
// two workers' state never shares a cache line.
struct alignas(64) WorkerRng {
  std::mt19937_64 rng;
};

std::vector<WorkerRng> SeedWorkers(int concurrency, absl::string_view run_id,
                                   uint64_t phase) {
  std::vector<WorkerRng> workers(concurrency);
  const uint64_t run = common::StableHash("nboctl.bench", run_id);
  for (int i = 0; i < concurrency; ++i) {
    std::seed_seq seed{kCustomerSeed, run, phase, static_cast<uint64_t>(i)};
    workers[i].rng.seed(seed);
  }
  return workers;
}

std::string RunIdOf(const BenchConfig& config) {
  return config.run_id.empty() ? NewRunId() : config.run_id;
}

// Whether a worker that has made `calls` calls may make another.
bool UnderLimit(const BenchConfig& config, int64_t calls) {
  return config.call_limit <= 0 || calls < config.call_limit;
}

void AddHeader(const BenchConfig& config, const BenchHeader& header,
               absl::string_view method, JsonObject* json) {
  json->AddString("method", method);
  json->AddString("server", config.server);
  json->AddString("model_name", header.model_name);
  json->AddInt("model_version", header.model_version);
  json->AddInt("concurrency", config.concurrency);
  json->AddInt("channels", header.channels);
  json->AddDouble("duration_s", config.duration_s);
}

void PrintHeader(const BenchConfig& config, const BenchHeader& header,
                 const char* method) {
  std::printf(
      "method %s  server %s  model %s v%lld  concurrency %d (%d channels)  "
      "duration %.1f s\n\n",
      method, config.server.c_str(),
      header.model_name.empty() ? "(default)" : header.model_name.c_str(),
      static_cast<long long>(header.model_version), config.concurrency,
      header.channels, config.duration_s);
  PrintLoadHeader();
}

double PerSecond(int64_t count, double seconds) {
  return seconds > 0 ? static_cast<double>(count) / seconds : 0;
}

// One batch of transactions and what the server said to it.
struct TransactionBatch {
  v1::RecordTransactionsRequest request;
  int64_t accepted = 0;
  int64_t rejected = 0;
  std::string first_rejection;
};

std::string DescribeRejection(const v1::RecordError& error) {
  return absl::StrCat(error.field().empty() ? "" : error.field() + ": ",
                      error.reason());
}

}  // namespace

std::string NewRunId() {
  const uint64_t now = static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()));
  const uint64_t hash =
      common::StableHash(absl::StrCat(getpid()), absl::StrCat(now));
  return absl::StrFormat("%012x", hash >> 16);
}

absl::StatusOr<std::vector<std::string>> CatalogProducts(
    v1::ModelService::Stub* stub, const std::string& model,
    const std::string& token) {
  v1::GetCatalogRequest request;
  request.set_model_name(model);
  v1::GetCatalogResponse response;
  grpc::ClientContext context;
  PrepareContext(&context, token, kAdminTimeout);
  const grpc::Status status = stub->GetCatalog(&context, request, &response);
  NBO_RETURN_IF_ERROR(services::FromGrpcStatus(status));
  std::vector<std::string> products;
  for (const v1::Product& product : response.catalog()) {
    products.push_back(product.product_id());
  }
  if (products.empty()) {
    return absl::FailedPreconditionError("the model's catalog is empty");
  }
  return products;
}

absl::StatusOr<FeedbackBenchResult> RunFeedbackBench(const BenchConfig& config,
                                                     const ChannelPool& pool,
                                                     int64_t customers) {
  FeedbackBenchResult result;
  const int concurrency = config.concurrency;
  const std::string run_id = RunIdOf(config);

  // Preparation: decisions, and the records planned on their offers. The
  // records of one offer stay together, impression first, so that one
  // worker sends them in order.
  using Group = std::vector<v1::RecordFeedbackRequest>;
  struct alignas(64) Planner {
    std::mt19937_64 rng;
    std::vector<Group> groups;
    int64_t decisions = 0;
    int64_t no_action = 0;
  };
  std::vector<Planner> planners(concurrency);
  {
    std::vector<WorkerRng> seeds = SeedWorkers(concurrency, run_id, 5);
    for (int i = 0; i < concurrency; ++i) planners[i].rng = seeds[i].rng;
  }
  std::atomic<int64_t> planned{0};
  std::atomic<int64_t> setup_failures{0};
  std::atomic<int64_t> setup_decisions{0};
  CustomerDraw draw(concurrency, customers, /*phase_seed=*/5);
  FirstError setup_errors("bench: Recommend (feedback preparation)");
  std::fprintf(stderr,
               "nboctl bench: making decisions until %lld feedback records "
               "are planned\n",
               static_cast<long long>(config.feedback_records));
  ClosedLoop setup(concurrency, ClosedLoop::BoundedCall([&](int worker) {
                     const int64_t planned_now =
                         planned.load(std::memory_order_relaxed);
                     if (planned_now >= config.feedback_records ||
                         setup_failures.load(std::memory_order_relaxed) >=
                             kSetupMaxFailures ||
                         (planned_now == 0 &&
                          setup_decisions.load(std::memory_order_relaxed) >=
                              kSetupMaxFruitlessDecisions)) {
                       return CallResult::kExhausted;
                     }
                     Planner& planner = planners[worker];
                     v1::RecommendRequest request;
                     request.set_customer_id(draw.Next(worker));
                     if (config.num_offers > 0) {
                       request.set_num_offers(config.num_offers);
                     }
                     if (!config.model.empty()) {
                       request.mutable_model()->set_model_name(config.model);
                     }
                     request.set_channel(kBenchChannel);
                     v1::RecommendResponse response;
                     grpc::ClientContext context;
                     PrepareContext(&context, config.token, kCallTimeout);
                     const grpc::Status status = pool.nbo(worker)->Recommend(
                         &context, request, &response);
                     if (!status.ok()) {
                       setup_errors.Note(status);
                       setup_failures.fetch_add(1, std::memory_order_relaxed);
                       return CallResult::kFailed;
                     }
                     setup_decisions.fetch_add(1, std::memory_order_relaxed);
                     ++planner.decisions;
                     if (response.offers_size() == 0) ++planner.no_action;
                     std::uniform_real_distribution<double> share(0, 1);
                     int64_t records = 0;
                     for (const v1::Offer& offer : response.offers()) {
                       Group group;
                       v1::RecordFeedbackRequest feedback;
                       feedback.set_decision_id(response.decision_id());
                       feedback.set_customer_id(request.customer_id());
                       feedback.set_product_id(offer.product_id());
                       feedback.set_channel(kBenchChannel);
                       feedback.set_outcome(v1::FEEDBACK_OUTCOME_IMPRESSION);
                       group.push_back(feedback);
                       const double u = share(planner.rng);
                       if (u < kAcceptShare) {
                         feedback.set_outcome(v1::FEEDBACK_OUTCOME_ACCEPTED);
                         group.push_back(feedback);
                       } else if (u < kAcceptShare + kDeclineShare) {
                         feedback.set_outcome(v1::FEEDBACK_OUTCOME_DECLINED);
                         group.push_back(feedback);
                       }
                       records += static_cast<int64_t>(group.size());
                       planner.groups.push_back(std::move(group));
                     }
                     planned.fetch_add(records, std::memory_order_relaxed);
                     return CallResult::kOk;
                   }));
  const LoadResult setup_load = setup.RunFor(kSetupTimeoutSeconds);
  result.setup_seconds = setup_load.seconds;

  // Deal the offers round-robin, so that every worker's queue is about as
  // long and they run out together.
  struct alignas(64) Sender {
    std::vector<v1::RecordFeedbackRequest> queue;
    size_t next = 0;
    int64_t calls = 0;
    int64_t impressions = 0;
    int64_t accepted = 0;
    int64_t declined = 0;
    int64_t duplicates = 0;
  };
  std::vector<Sender> senders(concurrency);
  int64_t dealt = 0;
  for (Planner& planner : planners) {
    result.decisions += planner.decisions;
    result.no_action += planner.no_action;
    for (Group& group : planner.groups) {
      ++result.offers;
      result.records_prepared += static_cast<int64_t>(group.size());
      Sender& sender = senders[dealt++ % concurrency];
      for (v1::RecordFeedbackRequest& record : group) {
        sender.queue.push_back(std::move(record));
      }
    }
    planner.groups.clear();
  }
  if (result.offers == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(result.decisions, " decisions (", setup_load.failed,
                     " failed calls) made no offers to give feedback on"));
  }
  std::fprintf(stderr,
               "nboctl bench: %lld decisions, %lld offers, %lld feedback "
               "records in %.1f s; RecordFeedback for %.1f s\n",
               static_cast<long long>(result.decisions),
               static_cast<long long>(result.offers),
               static_cast<long long>(result.records_prepared),
               result.setup_seconds, config.duration_s);

  FirstError errors("bench: RecordFeedback");
  ClosedLoop loop(
      concurrency, ClosedLoop::BoundedCall([&](int worker) {
        Sender& sender = senders[worker];
        if (sender.next >= sender.queue.size() ||
            !UnderLimit(config, sender.calls)) {
          return CallResult::kExhausted;
        }
        const v1::RecordFeedbackRequest& request = sender.queue[sender.next++];
        ++sender.calls;
        v1::RecordFeedbackResponse response;
        grpc::ClientContext context;
        PrepareContext(&context, config.token, kCallTimeout);
        const grpc::Status status =
            pool.nbo(worker)->RecordFeedback(&context, request, &response);
        if (!status.ok()) {
          errors.Note(status);
          return CallResult::kFailed;
        }
        if (response.duplicate()) ++sender.duplicates;
        switch (request.outcome()) {
          case v1::FEEDBACK_OUTCOME_IMPRESSION:
            ++sender.impressions;
            break;
          case v1::FEEDBACK_OUTCOME_ACCEPTED:
            ++sender.accepted;
            break;
          default:
            ++sender.declined;
            break;
        }
        return CallResult::kOk;
      }));
  result.load = loop.RunFor(config.duration_s);
  result.exhausted = loop.exhausted();
  for (const Sender& sender : senders) {
    result.impressions += sender.impressions;
    result.accepted += sender.accepted;
    result.declined += sender.declined;
    result.duplicates += sender.duplicates;
  }
  return result;
}

absl::StatusOr<TransactionsBenchResult> RunTransactionsBench(
    const BenchConfig& config, const ChannelPool& pool,
    const std::vector<std::string>& products) {
  const int concurrency = config.concurrency;
  const std::string run_id = RunIdOf(config);
  TransactionsBenchResult result;
  result.customers =
      config.customers > 0 ? config.customers : kDefaultTransactionCustomers;
  struct alignas(64) Worker {
    std::mt19937_64 rng;
    int64_t sequence = 0;
    int64_t calls = 0;
    int64_t sent = 0;
    int64_t accepted = 0;
    int64_t duplicates = 0;
    int64_t rejected = 0;
    std::string first_rejection;
  };
  const auto run = [&](double seconds, uint64_t phase, bool measured) {
    std::vector<Worker> workers(concurrency);
    std::vector<WorkerRng> seeds = SeedWorkers(concurrency, run_id, phase);
    for (int i = 0; i < concurrency; ++i) workers[i].rng = seeds[i].rng;
    FirstError errors(measured ? "bench: RecordTransactions"
                               : "bench: RecordTransactions (warm-up)");
    ClosedLoop loop(
        concurrency, ClosedLoop::BoundedCall([&](int worker) {
          Worker& state = workers[worker];
          if (!UnderLimit(config, state.calls)) return CallResult::kExhausted;
          ++state.calls;
          std::uniform_int_distribution<int64_t> customer(1, result.customers);
          std::uniform_int_distribution<size_t> product(0, products.size() - 1);
          std::uniform_real_distribution<double> share(0, 1);
          const int64_t now = absl::ToUnixSeconds(absl::Now());
          v1::RecordTransactionsRequest request;
          for (int i = 0; i < config.batch; ++i) {
            v1::Transaction* t = request.add_transactions();
            t->set_customer_id(
                absl::StrFormat("bench-tx-%07d", customer(state.rng)));
            t->set_product_id(products[product(state.rng)]);
            const double u = share(state.rng);
            if (u < 0.6) {
              t->set_event(v1::TRANSACTION_EVENT_VIEW);
            } else if (u < 0.8) {
              t->set_event(v1::TRANSACTION_EVENT_APPLY);
            } else {
              t->set_event(u < 0.9 ? v1::TRANSACTION_EVENT_PURCHASE
                                   : v1::TRANSACTION_EVENT_OPEN);
              t->set_amount(std::round(share(state.rng) * 500000) / 100);
            }
            t->mutable_timestamp()->set_seconds(now);
            t->set_transaction_id(absl::StrCat("bench-", run_id, "-", phase,
                                               "-", worker, "-",
                                               state.sequence++));
          }
          v1::RecordTransactionsResponse response;
          grpc::ClientContext context;
          PrepareContext(&context, config.token, kCallTimeout);
          const grpc::Status status = pool.ingest(worker)->RecordTransactions(
              &context, request, &response);
          if (!status.ok()) {
            errors.Note(status);
            return CallResult::kFailed;
          }
          state.sent += request.transactions_size();
          state.accepted += response.accepted();
          state.duplicates += response.duplicates();
          state.rejected += response.rejected_size();
          if (state.first_rejection.empty() && response.rejected_size() > 0) {
            state.first_rejection = DescribeRejection(response.rejected(0));
          }
          return CallResult::kOk;
        }));
    LoadResult load = loop.RunFor(seconds);
    if (measured) {
      result.load = std::move(load);
      for (const Worker& state : workers) {
        result.records_sent += state.sent;
        result.accepted += state.accepted;
        result.duplicates += state.duplicates;
        result.rejected += state.rejected;
        if (result.first_rejection.empty()) {
          result.first_rejection = state.first_rejection;
        }
      }
    }
  };
  if (config.warmup_s > 0) {
    std::fprintf(stderr, "nboctl bench: warm-up %.1f s of RecordTransactions\n",
                 config.warmup_s);
    run(config.warmup_s, /*phase=*/1, /*measured=*/false);
  }
  std::fprintf(stderr,
               "nboctl bench: RecordTransactions, %d per call, for %.1f s "
               "over %lld customers and %zu products\n",
               config.batch, config.duration_s,
               static_cast<long long>(result.customers), products.size());
  run(config.duration_s, /*phase=*/2, /*measured=*/true);
  return result;
}

absl::StatusOr<FoldInBenchResult> RunFoldInBench(
    const BenchConfig& config, const ChannelPool& pool,
    const std::vector<std::string>& products, int64_t warmup_customers) {
  const int concurrency = config.concurrency;
  const std::string run_id = RunIdOf(config);
  FoldInBenchResult result;
  result.customers =
      config.customers > 0 ? config.customers : kDefaultFoldInCustomers;
  const auto customer_id = [&](int64_t k) {
    return absl::StrFormat("bench-foldin-%s-%07d", run_id, k);
  };

  // Preparation: the customers' transactions, in batches, sent by every
  // worker until none is left.
  std::vector<TransactionBatch> batches;
  {
    std::mt19937_64 rng(common::StableHash("nboctl.bench.foldin", run_id));
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    constexpr v1::TransactionEvent kEvents[kFoldInTransactionsPerCustomer] = {
        v1::TRANSACTION_EVENT_VIEW, v1::TRANSACTION_EVENT_APPLY,
        v1::TRANSACTION_EVENT_VIEW, v1::TRANSACTION_EVENT_PURCHASE};
    std::vector<size_t> order(products.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (int64_t k = 1; k <= result.customers; ++k) {
      std::shuffle(order.begin(), order.end(), rng);
      for (int i = 0; i < kFoldInTransactionsPerCustomer; ++i) {
        if (batches.empty() ||
            batches.back().request.transactions_size() >= config.batch) {
          batches.emplace_back();
        }
        v1::Transaction* t = batches.back().request.add_transactions();
        t->set_customer_id(customer_id(k));
        t->set_product_id(products[order[i % order.size()]]);
        t->set_event(kEvents[i]);
        if (kEvents[i] == v1::TRANSACTION_EVENT_PURCHASE) t->set_amount(100);
        // Minutes apart, in the order listed, the last a minute ago.
        t->mutable_timestamp()->set_seconds(
            now - 60 * (kFoldInTransactionsPerCustomer - i));
        t->set_transaction_id(
            absl::StrCat("bench-", run_id, "-fold-", k, "-", i));
      }
    }
  }
  std::fprintf(
      stderr,
      "nboctl bench: ingesting %lld transactions for %lld new "
      "customers\n",
      static_cast<long long>(result.customers * kFoldInTransactionsPerCustomer),
      static_cast<long long>(result.customers));
  std::atomic<size_t> next_batch{0};
  FirstError setup_errors("bench: RecordTransactions (fold-in preparation)");
  ClosedLoop setup(
      concurrency, ClosedLoop::BoundedCall([&](int worker) {
        const size_t i = next_batch.fetch_add(1, std::memory_order_relaxed);
        if (i >= batches.size()) return CallResult::kExhausted;
        TransactionBatch& batch = batches[i];
        v1::RecordTransactionsResponse response;
        grpc::ClientContext context;
        PrepareContext(&context, config.token, kCallTimeout);
        const grpc::Status status = pool.ingest(worker)->RecordTransactions(
            &context, batch.request, &response);
        if (!status.ok()) {
          setup_errors.Note(status);
          return CallResult::kFailed;
        }
        batch.accepted = response.accepted() + response.duplicates();
        batch.rejected = response.rejected_size();
        if (response.rejected_size() > 0) {
          batch.first_rejection = DescribeRejection(response.rejected(0));
        }
        return CallResult::kOk;
      }));
  const LoadResult setup_load = setup.RunFor(kSetupTimeoutSeconds);
  result.setup_seconds = setup_load.seconds;
  int64_t rejected = 0;
  std::string first_rejection;
  for (const TransactionBatch& batch : batches) {
    result.transactions += batch.accepted;
    rejected += batch.rejected;
    if (first_rejection.empty()) first_rejection = batch.first_rejection;
  }
  if (rejected > 0 || setup_load.failed > 0) {
    std::fprintf(stderr,
                 "nboctl bench: warning: fold-in preparation: %lld "
                 "transactions rejected (first: %s), %lld calls failed\n",
                 static_cast<long long>(rejected), first_rejection.c_str(),
                 static_cast<long long>(setup_load.failed));
  }
  if (result.transactions == 0) {
    return absl::FailedPreconditionError(
        "the server accepted none of the fold-in customers' transactions");
  }

  if (config.warmup_s > 0 && warmup_customers > 0) {
    std::fprintf(stderr,
                 "nboctl bench: warm-up %.1f s of Recommend for the model's "
                 "customers\n",
                 config.warmup_s);
    RecommendWorkload warmup(&pool, concurrency, warmup_customers,
                             /*phase_seed=*/1, config.model, config.num_offers,
                             config.token, "bench: Recommend (warm-up)");
    ClosedLoop loop(concurrency,
                    [&warmup](int worker) { return warmup.Call(worker); });
    // Not measured.
    const LoadResult ignored = loop.RunFor(config.warmup_s);
    (void)ignored;
  }

  std::fprintf(stderr,
               "nboctl bench: Recommend for %lld fold-in customers for %.1f "
               "s\n",
               static_cast<long long>(result.customers), config.duration_s);
  struct alignas(64) Worker {
    std::mt19937_64 rng;
    int64_t calls = 0;
    RecommendTally tally;
  };
  std::vector<Worker> workers(concurrency);
  {
    std::vector<WorkerRng> seeds = SeedWorkers(concurrency, run_id, 6);
    for (int i = 0; i < concurrency; ++i) workers[i].rng = seeds[i].rng;
  }
  FirstError errors("bench: Recommend (fold-in)");
  ClosedLoop loop(
      concurrency, ClosedLoop::BoundedCall([&](int worker) {
        Worker& state = workers[worker];
        if (!UnderLimit(config, state.calls)) {
          return CallResult::kExhausted;
        }
        ++state.calls;
        std::uniform_int_distribution<int64_t> customer(1, result.customers);
        v1::RecommendRequest request;
        request.set_customer_id(customer_id(customer(state.rng)));
        if (config.num_offers > 0) {
          request.set_num_offers(config.num_offers);
        }
        if (!config.model.empty()) {
          request.mutable_model()->set_model_name(config.model);
        }
        v1::RecommendResponse response;
        grpc::ClientContext context;
        PrepareContext(&context, config.token, kCallTimeout);
        const grpc::Status status =
            pool.nbo(worker)->Recommend(&context, request, &response);
        if (!status.ok()) {
          errors.Note(status);
          return CallResult::kFailed;
        }
        state.tally.Note(response.strategy(), response.model_version());
        return CallResult::kOk;
      }));
  result.load = loop.RunFor(config.duration_s);
  for (const Worker& state : workers) result.tally.Merge(state.tally);
  return result;
}

int64_t ReportFeedback(const BenchConfig& config, const BenchHeader& header,
                       const FeedbackBenchResult& result) {
  if (result.duplicates > 0) {
    std::fprintf(stderr,
                 "nboctl bench: warning: %lld feedback records were answered "
                 "as duplicates\n",
                 static_cast<long long>(result.duplicates));
  }
  if (result.exhausted) {
    std::fprintf(stderr,
                 "nboctl bench: note: the %lld prepared records ran out after "
                 "%.1f s; raise --feedback_records for a full-length run\n",
                 static_cast<long long>(result.records_prepared),
                 result.load.seconds);
  }
  if (config.json) {
    JsonObject json;
    AddHeader(config, header, "feedback", &json);
    AddLoad(&json, "feedback", result.load);
    json.AddDouble("feedback_records_per_s", result.load.Qps());
    json.AddInt("feedback_decisions", result.decisions);
    json.AddInt("feedback_no_action", result.no_action);
    json.AddInt("feedback_offers", result.offers);
    json.AddInt("feedback_records_prepared", result.records_prepared);
    json.AddDouble("feedback_setup_seconds", result.setup_seconds);
    json.AddInt("feedback_impressions", result.impressions);
    json.AddInt("feedback_accepted", result.accepted);
    json.AddInt("feedback_declined", result.declined);
    json.AddInt("feedback_duplicates", result.duplicates);
    json.AddInt("feedback_pool_exhausted", result.exhausted ? 1 : 0);
    json.AddInt("failed", result.load.failed);
    std::printf("%s\n", json.Close().c_str());
    return result.load.failed;
  }
  PrintHeader(config, header, "feedback");
  PrintLoadRow("record-feedback", result.load);
  std::printf(
      "\nacknowledged records/s: %.1f (%lld impressions, %lld accepted, "
      "%lld declined; %lld duplicates)\n",
      result.load.Qps(), static_cast<long long>(result.impressions),
      static_cast<long long>(result.accepted),
      static_cast<long long>(result.declined),
      static_cast<long long>(result.duplicates));
  std::printf(
      "prepared: %lld decisions (%lld without offers), %lld offers, %lld "
      "records in %.1f s%s\n",
      static_cast<long long>(result.decisions),
      static_cast<long long>(result.no_action),
      static_cast<long long>(result.offers),
      static_cast<long long>(result.records_prepared), result.setup_seconds,
      result.exhausted ? "; ran out before the duration" : "");
  std::printf("failed in total: %lld\n",
              static_cast<long long>(result.load.failed));
  return result.load.failed;
}

int64_t ReportTransactions(const BenchConfig& config, const BenchHeader& header,
                           const TransactionsBenchResult& result) {
  if (result.rejected > 0) {
    std::fprintf(stderr,
                 "nboctl bench: warning: %lld transactions rejected (first: "
                 "%s)\n",
                 static_cast<long long>(result.rejected),
                 result.first_rejection.c_str());
  }
  const double seconds = result.load.seconds;
  if (config.json) {
    JsonObject json;
    AddHeader(config, header, "transactions", &json);
    AddLoad(&json, "transactions", result.load);
    json.AddInt("transactions_batch", config.batch);
    json.AddInt("transactions_customers", result.customers);
    json.AddDouble("transactions_calls_per_s", result.load.Qps());
    json.AddDouble("transactions_records_per_s",
                   PerSecond(result.accepted, seconds));
    json.AddInt("transactions_records_sent", result.records_sent);
    json.AddInt("transactions_accepted", result.accepted);
    json.AddInt("transactions_duplicates", result.duplicates);
    json.AddInt("transactions_rejected", result.rejected);
    json.AddInt("failed", result.load.failed);
    std::printf("%s\n", json.Close().c_str());
    return result.load.failed;
  }
  PrintHeader(config, header, "transactions");
  PrintLoadRow("record-txns", result.load);
  std::printf(
      "\n%d transactions per call: %.1f calls/s, %.1f accepted records/s "
      "(%lld sent, %lld accepted, %lld duplicates, %lld rejected)\n",
      config.batch, result.load.Qps(), PerSecond(result.accepted, seconds),
      static_cast<long long>(result.records_sent),
      static_cast<long long>(result.accepted),
      static_cast<long long>(result.duplicates),
      static_cast<long long>(result.rejected));
  std::printf("failed in total: %lld\n",
              static_cast<long long>(result.load.failed));
  return result.load.failed;
}

int64_t ReportFoldIn(const BenchConfig& config, const BenchHeader& header,
                     const FoldInBenchResult& result) {
  if (result.tally.answered() > 0 &&
      result.tally.FoldInFraction() < kFoldInWarnFraction) {
    std::fprintf(
        stderr,
        "nboctl bench: warning: only %.1f%% of answers were "
        "STRATEGY_FOLD_IN (%lld personalized, %lld popularity, %lld other): "
        "the run does not measure fold-in alone\n",
        100 * result.tally.FoldInFraction(),
        static_cast<long long>(result.tally.personalized),
        static_cast<long long>(result.tally.popularity),
        static_cast<long long>(result.tally.unspecified));
  }
  if (config.json) {
    JsonObject json;
    AddHeader(config, header, "foldin", &json);
    AddLoad(&json, "foldin", result.load);
    json.AddInt("foldin_customers", result.customers);
    json.AddInt("foldin_transactions", result.transactions);
    json.AddDouble("foldin_setup_seconds", result.setup_seconds);
    json.AddInt("foldin_count", result.tally.fold_in);
    json.AddInt("foldin_personalized_count", result.tally.personalized);
    json.AddInt("foldin_popularity_count", result.tally.popularity);
    json.AddDouble("foldin_fraction", result.tally.FoldInFraction());
    json.AddInt("failed", result.load.failed);
    std::printf("%s\n", json.Close().c_str());
    return result.load.failed;
  }
  PrintHeader(config, header, "foldin");
  PrintLoadRow("recommend-foldin", result.load);
  std::printf(
      "\nanswers: %lld fold-in (%.2f%%), %lld personalized, %lld popularity; "
      "%lld customers with %lld transactions ingested in %.1f s\n",
      static_cast<long long>(result.tally.fold_in),
      100 * result.tally.FoldInFraction(),
      static_cast<long long>(result.tally.personalized),
      static_cast<long long>(result.tally.popularity),
      static_cast<long long>(result.customers),
      static_cast<long long>(result.transactions), result.setup_seconds);
  std::printf("failed in total: %lld\n",
              static_cast<long long>(result.load.failed));
  return result.load.failed;
}

}  // namespace nbo::nboctl
