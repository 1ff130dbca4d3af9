#!/usr/bin/env bash
# What the second stage (issue 13 section 3) costs a Recommend through gRPC:
# one nbo-server holds two versions of the same chosen model, trained on the
# same data, without (version 1, --second_stage=off) and with (version 2) the
# propensity stage; the bank's profiles and transactions are ingested; the
# traffic split is moved between the two versions in ROUNDS alternating
# slices of `nboctl bench --metrics`, so each pair of figures is measured
# side by side. Prints server and client CPU per call for each slice.
#
# Usage: tests/bench/second_stage_serving_bench.sh [--customers=N (20000)]
#          [--duration=S (8)] [--concurrency=C (4)] [--rounds=R (3)]
#          [--build=DIR] [--work=DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/tests/bench/bench_lib.sh"
CUSTOMERS=20000 DURATION=8 CONCURRENCY=4 ROUNDS=3
BUILD="$ROOT/build" WORK="${TMPDIR:-/tmp}/nbo-second-stage-bench"
parse_bench_args "2,13" "$@"
NBOCTL="$BUILD/tools/nboctl/nboctl"
TRAINER="$BUILD/services/trainer/nbo-trainer"
rm -rf "$WORK/data"
mkdir -p "$WORK"
[ -s "$WORK/bank/transactions.csv" ] ||
  "$NBOCTL" datagen --out="$WORK/bank" --catalog=santander24 \
    --customers="$CUSTOMERS" --seed=3 >&2
start_server "$BUILD/services/nbo_server/nbo-server" "$WORK"
SERVER="127.0.0.1:$GRPC"
"$TRAINER" train --data_dir="$WORK/bank" --publish_to="$SERVER" --version=1 \
  --second_stage=off --force > "$WORK/train1.log" 2>&1
"$TRAINER" train --data_dir="$WORK/bank" --publish_to="$SERVER" --version=2 \
  --force > "$WORK/train2.log" 2>&1
"$NBOCTL" ingest --server="$SERVER" --data_dir="$WORK/bank" > "$WORK/ingest.log" 2>&1
echo "| round | version | Recommend server CPU us/call | Health server CPU us/call | Recommend QPS |"
echo "| --- | --- | --- | --- | --- |"
for round in $(seq 1 "$ROUNDS"); do
  for version in 1 2; do
    "$NBOCTL" models split --server="$SERVER" --arms="$version:100" > /dev/null
    "$NBOCTL" bench --server="$SERVER" --duration="$DURATION" \
      --concurrency="$CONCURRENCY" --customers="$CUSTOMERS" \
      --metrics="127.0.0.1:$METRICS" --json > "$WORK/bench.json" 2>/dev/null
    python3 - "$WORK/bench.json" "$round" "$version" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
label = "with the stage" if sys.argv[3] == "2" else "without"
print("| %s | %s | %.1f | %.1f | %.0f |" % (
    sys.argv[2], label, r["recommend_server_cpu_us_per_request"],
    r["health_server_cpu_us_per_request"], r["recommend_qps"]))
PY
  done
done
echo "machine: $(nproc) vCPU $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
