#!/usr/bin/env bash
# The serving benchmark of issue 2, end to end on this machine:
#   1. nboctl gen-factors: CUSTOMERS x 64 factors x 24 products (Spark format)
#   2. nbo-server on a fresh data dir; nboctl publish over RPC (timed)
#   3. server RSS after the publish
#   4. nboctl bench: Health/Check vs Recommend, same server, same run, then
#      Recommend while SWAPS new versions are published (p99 under swaps)
# Prints the bench JSON plus publish_seconds and server_rss_bytes_after_publish.
#
# Usage: tests/bench/serving_bench.sh [--customers=N] [--duration=S]
#          [--concurrency=C] [--swaps=K] [--build=DIR] [--work=DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/tests/bench/bench_lib.sh"
CUSTOMERS=1000000 DURATION=15 CONCURRENCY=16 SWAPS=5
BUILD="$ROOT/build" WORK="${TMPDIR:-/tmp}/nbo-serving-bench"
for arg in "$@"; do
  case "$arg" in
    --customers=*) CUSTOMERS="${arg#*=}" ;;
    --duration=*) DURATION="${arg#*=}" ;;
    --concurrency=*) CONCURRENCY="${arg#*=}" ;;
    --swaps=*) SWAPS="${arg#*=}" ;;
    --build=*) BUILD="${arg#*=}" ;;
    --work=*) WORK="${arg#*=}" ;;
    *) sed -n '2,12p' "$0" >&2; exit 2 ;;
  esac
done
SERVER_BIN="$BUILD/services/nbo_server/nbo-server"
NBOCTL="$BUILD/tools/nboctl/nboctl"
[ -x "$SERVER_BIN" ] && [ -x "$NBOCTL" ] || {
  echo "build nbo-server and nboctl first (tools/test.sh or cmake --build build)" >&2
  exit 1
}

rm -rf "$WORK/data" "$WORK/ports.json"
mkdir -p "$WORK"
if [ ! -f "$WORK/factors-$CUSTOMERS/products.csv" ]; then
  echo "== generating $CUSTOMERS customers x 64 x 24" >&2
  "$NBOCTL" gen-factors --customers="$CUSTOMERS" --products=24 --rank=64 \
    --seed=7 --out="$WORK/factors-$CUSTOMERS"
fi

start_server "$SERVER_BIN" "$WORK"

echo "== publishing over RPC" >&2
START=$(date +%s.%N)
"$NBOCTL" publish --server="127.0.0.1:$GRPC" --factors="$WORK/factors-$CUSTOMERS" \
  --version=1 >&2
END=$(date +%s.%N)
PUBLISH_SECONDS=$(python3 -c "print(round($END - $START, 3))")
RSS_AFTER_PUBLISH=$(( $(awk '/VmRSS/{print $2}' /proc/$PID/status) * 1024 ))

echo "== bench: ${DURATION}s per phase, concurrency $CONCURRENCY, $SWAPS swaps" >&2
"$NBOCTL" bench --server="127.0.0.1:$GRPC" --duration="$DURATION" \
  --concurrency="$CONCURRENCY" --swaps="$SWAPS" \
  --metrics="127.0.0.1:$METRICS" --json > "$WORK/bench.json"
python3 - "$WORK/bench.json" "$PUBLISH_SECONDS" "$RSS_AFTER_PUBLISH" "$CUSTOMERS" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
report["publish_seconds"] = float(sys.argv[2])
report["server_rss_bytes_after_publish"] = int(sys.argv[3])
report["publish_customers"] = int(sys.argv[4])
report["machine"] = open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].strip(": \t")
print(json.dumps(report, indent=2, sort_keys=True))
PY
