#!/usr/bin/env bash
# The decisioning benchmarks of issue 4, end to end on this machine:
#   1. nboctl datagen: CUSTOMERS customers, the 24-product Santander-like
#      catalog (eligibility rules, business values), ~12 transactions each
#   2. nbo-server on a fresh data dir; nbo-trainer trains 64 factors and
#      publishes (catalog rules included); nboctl ingest loads the profiles
#      and transactions (holdings for OWNED, attributes for eligibility)
#   3. Recommend (full pipeline: rules, holdings, contact policy, levers,
#      decision log) vs ModelService.ScoreCustomer (bare scoring), alternating
#      in ROUNDS slices of the same run at the same concurrency
#   4. fold-in latency: Recommend for new customers with transactions only
#   5. sustained RecordFeedback and RecordTransactions with durable (synced)
#      acknowledgement
# Prints one JSON object with every figure and the machine.
#
# Usage: tests/bench/decisioning_bench.sh [--customers=N] [--duration=S]
#          [--concurrency=C] [--rounds=R] [--build=DIR] [--work=DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/tests/bench/bench_lib.sh"
CUSTOMERS=100000 DURATION=10 CONCURRENCY=8 ROUNDS=5
BUILD="$ROOT/build" WORK="${TMPDIR:-/tmp}/nbo-decisioning-bench"
parse_bench_args "2,17" "$@"
SERVER_BIN="$BUILD/services/nbo_server/nbo-server"
TRAINER="$BUILD/services/trainer/nbo-trainer"
NBOCTL="$BUILD/tools/nboctl/nboctl"
for bin in "$SERVER_BIN" "$TRAINER" "$NBOCTL"; do
  [ -x "$bin" ] || { echo "build first: missing $bin" >&2; exit 1; }
done

rm -rf "$WORK/data" "$WORK/ports.json" "$WORK"/*.json
mkdir -p "$WORK"
BANK="$WORK/bank-$CUSTOMERS"
if [ ! -f "$BANK/transactions.csv" ]; then
  echo "== generating bank data for $CUSTOMERS customers" >&2
  "$NBOCTL" datagen --customers="$CUSTOMERS" --catalog=santander24 --seed=7 \
    --out="$BANK" >&2
fi

start_server "$SERVER_BIN" "$WORK"
SERVER="127.0.0.1:$GRPC"

echo "== training 64 factors and publishing" >&2
"$TRAINER" train --data_dir="$BANK" --factors=64 --force \
  --publish_to="$SERVER" >&2
echo "== ingesting profiles and transactions" >&2
START=$(date +%s.%N)
"$NBOCTL" ingest --server="$SERVER" --data_dir="$BANK" --json > "$WORK/ingest.json"
END=$(date +%s.%N)
INGEST_SECONDS=$(python3 -c "print(round($END - $START, 3))")

echo "== Recommend (pipeline) vs ScoreCustomer (bare): ${DURATION}s each, concurrency $CONCURRENCY, $ROUNDS rounds" >&2
"$NBOCTL" bench --server="$SERVER" --duration="$DURATION" \
  --concurrency="$CONCURRENCY" --rounds="$ROUNDS" --compare=score \
  --customers="$CUSTOMERS" --metrics="127.0.0.1:$METRICS" \
  --json > "$WORK/pipeline.json"
echo "== fold-in latency" >&2
"$NBOCTL" bench --server="$SERVER" --duration="$DURATION" \
  --concurrency="$CONCURRENCY" --method=foldin --customers=2000 \
  --json > "$WORK/foldin.json"
echo "== RecordFeedback, durable" >&2
"$NBOCTL" bench --server="$SERVER" --duration="$DURATION" \
  --concurrency="$CONCURRENCY" --method=feedback --customers="$CUSTOMERS" \
  --json > "$WORK/feedback.json"
echo "== RecordTransactions, durable, batches of 1 and 100" >&2
"$NBOCTL" bench --server="$SERVER" --duration="$DURATION" \
  --concurrency="$CONCURRENCY" --method=transactions --batch=1 \
  --json > "$WORK/transactions1.json"
"$NBOCTL" bench --server="$SERVER" --duration="$DURATION" \
  --concurrency="$CONCURRENCY" --method=transactions --batch=100 \
  --json > "$WORK/transactions100.json"

python3 - "$WORK" "$INGEST_SECONDS" "$CUSTOMERS" <<'PY'
import json, os, sys
work = sys.argv[1]
report = {name: json.load(open(os.path.join(work, name + ".json")))
          for name in ("ingest", "pipeline", "foldin", "feedback",
                       "transactions1", "transactions100")}
report["ingest_seconds"] = float(sys.argv[2])
report["customers"] = int(sys.argv[3])
report["machine"] = (open("/proc/cpuinfo").read().split("model name")[1]
                     .split("\n")[0].strip(": \t") +
                     f", {os.cpu_count()} vCPU")
print(json.dumps(report, indent=2, sort_keys=True))
PY
