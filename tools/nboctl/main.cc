// Copyright (c) 2026 The nbo Authors. MIT License.
//
// nboctl: the operator CLI. `nboctl --help` lists the subcommands; every
// flag also reads from NBO_<FLAG> in the environment.

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/synchronization/mutex.h"
#include "lib/common/env_flags.h"
#include "tools/nboctl/commands.h"

namespace {

constexpr char kUsage[] =
    R"(operator CLI for nbo (next-best-offer model server)

Usage: nboctl <command> [flags]

Commands:
  gen-factors  Write synthetic ALS factors with planted structure, in Spark
               MLlib's JSON-lines layout, plus products.csv. Products 8 is
               the demo catalog, 24 a Santander-like one.
                 --out=DIR [--customers=N (10000)] [--products=P (8)]
                 [--rank=F (10)] [--seed=S (1)] [--segments=K (5)]
                 [--rows_per_file=N (500000)]
  datagen      Write synthetic bank data with planted structure (segments,
               life stages, product sequences over time): customers.csv,
               products.csv (business values, eligibility) and
               transactions.csv, reproducible by seed.
                 --out=DIR [--customers=N (10000)]
                 [--catalog=demo8|santander24 (demo8)] [--seed=S (1)]
                 [--days=D (730)]
               --catalog=basket writes retail purchases over a long-tailed
               catalog instead (Zipf popularity, aisles, companion
               products; for --split=random):
                 --out=DIR [--customers=N (5000)] [--products=P (300)]
                 [--seed=S (1)]
  publish      Publish Spark-format factors and a catalog as a new version
               over ModelService.PublishModel, with progress.
                 --server=HOST:PORT --factors=DIR --version=N [--model=NAME]
                 [--products=FILE] [--id_map=FILE] [--chunk_rows=N (4096)]
                 [--json]
  models       Inspect and steer versions (tables; JSON with --json):
                 models list   --server=HOST:PORT
                 models status --server=HOST:PORT [--model=NAME]
                 models label  --server=HOST:PORT --label=L --version=N
                 models split  --server=HOST:PORT --arms=stable:90,canary:10
                               (arms are label:weight or version:weight;
                               --arms= clears the split) [--salt=S]
                 models delete --server=HOST:PORT --version=N
               label, split and delete take [--model=NAME] too.
  recommend    Ask for one customer's offers and print the answer as JSON
               (--text: offers, reasons, suppressions, no-action for people).
                 --server=HOST:PORT --customer=ID [--num_offers=N]
                 [--model=NAME] [--model_version=N | --label=L]
                 [--explain] [--channel=C] [--exclude=P01,P02] [--text]
  bench        Closed-loop load at fixed concurrency: Recommend and, in the
               same run, grpc.health.v1.Health/Check as the transport floor.
                 --server=HOST:PORT --duration=SECONDS --concurrency=C
                 [--json] [--customers=N] [--warmup=S] [--bench_num_offers=N]
                 [--rounds=R]  (Check and Recommend alternate in R slices)
                 [--compare=health,score]  (baselines interleaved with
                              Recommend; score = ModelService.ScoreCustomer)
                 [--swaps=K]  (export the serving version, republish it K
                              times under load: p99 during swaps)
                 [--metrics=HOST:PORT]  (read the server's RSS)
                 [--method=feedback [--feedback_records=N (100000)]]
                 [--method=transactions [--batch=N] [--products=P01,P02]]
                 [--method=foldin [--customers=N (1000)] [--products=...]]
  ingest       Load the bank's customers.csv (profiles, optional) and
               transactions.csv into the server (IngestService), in batches;
               re-running is safe (transaction ids derive from file lines).
                 --server=HOST:PORT --data_dir=DIR [--batch=N (500)]
                 [--customers_only | --transactions_only] [--json]
  feedback     Record what became of an offer (RecordFeedback).
                 --server=HOST:PORT --decision_id=ID --customer_id=ID
                 --product_id=P --outcome=impression|accepted|declined
                 [--channel=C] [--json]
  customer     One customer's profile, holdings, recent transactions and
               decisions with suppressions and feedback.
                 --server=HOST:PORT --customer_id=ID [--max_transactions=N]
                 [--max_decisions=N] [--json]
  customers    Ids of the customers nbo holds data for, one per line.
                 --server=HOST:PORT [--segment=S] [--id_prefix=P]
                 [--limit=N (50; 0 for all)]
  similar      Products most like one product (cosine of item factors).
                 --server=HOST:PORT --product_id=P [--k=N] [--model=NAME]
  health       gRPC health of the server (or one --service): prints SERVING
               or NOT_SERVING; exit 0 only when SERVING (an exec probe).
                 --server=HOST:PORT [--service=S] [--timeout=5s]
  catalog      Show or replace a model's catalog (business values, offer
               types, eligibility, contact policies) without a retrain:
                 catalog get    --server=HOST:PORT [--model=NAME] [--json]
                 catalog update --server=HOST:PORT [--model=NAME]
                                --products=products.csv --token=T
  levers       Show a model's levers, or replace them all (--clear: none).
                 levers [P01=1.5,P02=0.5] --server=HOST:PORT [--model=NAME]
                 [--clear] --token=T
  experiment-stats  Feedback per traffic-split arm: impressions, accepted,
               declined, acceptance rate with its Wilson interval.
                 --server=HOST:PORT [--model=NAME] [--confidence=0.95]
  export-feedback  Recorded accepts and declines as a CSV file
               (customer_id,product_id,event,timestamp) for
               nbo-trainer train --feedback_path; progress on stderr.
                 --server=HOST:PORT --out=FILE [--since=ISO-8601] --token=T

Every command takes --token=T (sent as a bearer token; a server with tokens
needs one of the role the call needs) and, for a server on TLS,
--ca_file=CA.pem [--cert_file=CERT.pem --key_file=KEY.pem for mutual TLS].
Every flag can also be set as NBO_<FLAG> in the environment (--server is
NBO_SERVER). Run
`nboctl <command> --help` for all flags of a command.
)";

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  // As in nbo-server: Debian's Abseil keeps the debug deadlock detector on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 ||
      std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "help") == 0) {
    std::fputs("nboctl: ", argc < 2 ? stderr : stdout);
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  // Parse the flags after the subcommand; positional words stay in `args`.
  std::vector<char*> rest(argv + 1, argv + argc);
  rest[0] = argv[0];
  std::vector<char*> positional =
      absl::ParseCommandLine(static_cast<int>(rest.size()), rest.data());
  if (absl::Status env = nbo::common::ApplyEnvironmentToFlags(
          static_cast<int>(rest.size()), rest.data());
      !env.ok()) {
    std::fprintf(stderr, "nboctl: %s\n", std::string(env.message()).c_str());
    return 2;
  }
  std::vector<std::string> args(positional.begin() + 1, positional.end());
  if (command == "gen-factors") return nbo::nboctl::GenFactors(args);
  if (command == "datagen") return nbo::nboctl::Datagen(args);
  if (command == "publish") return nbo::nboctl::Publish(args);
  if (command == "models") return nbo::nboctl::Models(args);
  if (command == "recommend") return nbo::nboctl::Recommend(args);
  if (command == "bench") return nbo::nboctl::Bench(args);
  if (command == "ingest") return nbo::nboctl::Ingest(args);
  if (command == "feedback") return nbo::nboctl::Feedback(args);
  if (command == "customer") return nbo::nboctl::Customer(args);
  if (command == "customers") return nbo::nboctl::Customers(args);
  if (command == "similar") return nbo::nboctl::Similar(args);
  if (command == "health") return nbo::nboctl::Health(args);
  if (command == "catalog") return nbo::nboctl::Catalog(args);
  if (command == "levers") return nbo::nboctl::Levers(args);
  if (command == "experiment-stats") return nbo::nboctl::ExperimentStats(args);
  if (command == "export-feedback") return nbo::nboctl::ExportFeedback(args);
  std::fprintf(stderr, "nboctl: unknown command '%s'\n\n%s", command.c_str(),
               kUsage);
  return 2;
}
