#!/usr/bin/env bash
# The gateway benchmark of issue 11, on this machine: Recommend through
# nbo-gateway over HTTP/JSON (wrk, keep-alive, GET
# /v1/customers/{id}/offers over many customers) against the same Recommend
# over direct gRPC (nboctl bench), same server, same customers, same
# concurrency, in alternating slices of one run; then the old demo's
# /api/recommend. Prints one JSON report: QPS, p50/p99 of each side, their
# ratios, CPU microseconds per request of each process (server, gateway),
# and the gateway's peak RSS.
#
# Usage: tests/bench/gateway_bench.sh [--customers=N] [--slice=S]
#          [--rounds=R] [--concurrency=C] [--build=DIR] [--work=DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/tests/bench/bench_lib.sh"
CUSTOMERS=100000 SLICE=5 ROUNDS=3 CONCURRENCY=16
BUILD="$ROOT/build" WORK="${TMPDIR:-/tmp}/nbo-gateway-bench"
for arg in "$@"; do
  case "$arg" in
    --customers=*) CUSTOMERS="${arg#*=}" ;;
    --slice=*) SLICE="${arg#*=}" ;;
    --rounds=*) ROUNDS="${arg#*=}" ;;
    --concurrency=*) CONCURRENCY="${arg#*=}" ;;
    --build=*) BUILD="${arg#*=}" ;;
    --work=*) WORK="${arg#*=}" ;;
    *) sed -n '2,13p' "$0" >&2; exit 2 ;;
  esac
done
# wrk needs at least one connection per thread.
WRK_THREADS=$(( CONCURRENCY < 2 ? 1 : 2 ))
SERVER_BIN="$BUILD/services/nbo_server/nbo-server"
GATEWAY_BIN="$BUILD/services/gateway/nbo-gateway"
NBOCTL="$BUILD/tools/nboctl/nboctl"
for bin in "$SERVER_BIN" "$GATEWAY_BIN" "$NBOCTL"; do
  [ -x "$bin" ] || { echo "build $bin first (tools/test.sh)" >&2; exit 1; }
done
command -v wrk >/dev/null || {
  echo "wrk is missing: apt-get install wrk (tools/test.sh --heavy installs it)" >&2
  exit 1
}

rm -rf "$WORK/data" "$WORK/ports.json" "$WORK/gateway.json" "$WORK"/slice-*
mkdir -p "$WORK"
if [ ! -f "$WORK/factors-$CUSTOMERS/products.csv" ]; then
  echo "== generating $CUSTOMERS customers x 32 x 24" >&2
  "$NBOCTL" gen-factors --customers="$CUSTOMERS" --products=24 --rank=32 \
    --seed=7 --out="$WORK/factors-$CUSTOMERS"
fi
start_server "$SERVER_BIN" "$WORK"
"$NBOCTL" publish --server="127.0.0.1:$GRPC" --factors="$WORK/factors-$CUSTOMERS" \
  --version=1 >&2

"$GATEWAY_BIN" --http_addr=127.0.0.1:0 --upstream="dns:///127.0.0.1:$GRPC" \
  --port_file="$WORK/gateway.json" > "$WORK/gateway.log" 2>&1 &
GW_PID=$!
trap 'kill -TERM $GW_PID $PID 2>/dev/null; wait $GW_PID $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do [ -s "$WORK/gateway.json" ] && break; sleep 0.05; done
HTTP=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['http'])" "$WORK/gateway.json")

# cpu_ticks PID: user+system clock ticks the process has used.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# slice NAME CMD...: runs one measured slice, recording both processes' CPU.
slice() {
  local name=$1; shift
  local s0 g0
  s0=$(cpu_ticks "$PID"); g0=$(cpu_ticks "$GW_PID")
  "$@" > "$WORK/slice-$name.out" 2>&1
  echo "$(( $(cpu_ticks "$PID") - s0 )) $(( $(cpu_ticks "$GW_PID") - g0 ))" \
    > "$WORK/slice-$name.cpu"
}

wrk_slice() {
  local name=$1 format=$2
  slice "$name" env CUSTOMERS="$CUSTOMERS" PATH_FORMAT="$format" \
    wrk -t"$WRK_THREADS" -c"$CONCURRENCY" -d"${SLICE}s" --latency \
    -s "$ROOT/tests/bench/gateway_offers.lua" "http://127.0.0.1:$HTTP"
}

echo "== warm-up" >&2
CUSTOMERS="$CUSTOMERS" wrk -t"$WRK_THREADS" -c"$CONCURRENCY" -d2s \
  -s "$ROOT/tests/bench/gateway_offers.lua" "http://127.0.0.1:$HTTP" >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round/$ROUNDS: gateway, direct, old endpoint (${SLICE}s each)" >&2
  wrk_slice "gateway-$round" "/v1/customers/%s/offers?numOffers=3"
  slice "direct-$round" "$NBOCTL" bench --server="127.0.0.1:$GRPC" \
    --duration="$((SLICE * 2))" --warmup=0 --rounds=1 --compare=health \
    --concurrency="$CONCURRENCY" --metrics="127.0.0.1:$METRICS" --json
  wrk_slice "legacy-$round" "/api/recommend?user_id=%s"
done
GATEWAY_PEAK_RSS=$(awk '/VmHWM/{print $2 * 1024}' "/proc/$GW_PID/status")

python3 - "$WORK" "$ROUNDS" "$GATEWAY_PEAK_RSS" "$CUSTOMERS" "$CONCURRENCY" <<'PY'
import json, os, re, statistics, sys
work, rounds, rss, customers, concurrency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
hz = os.sysconf("SC_CLK_TCK")

def wrk(path):
    text = open(path).read()
    def us(label):
        m = re.search(r"^\s*%s%%\s+([\d.]+)(us|ms|s)\s*$" % label, text, re.M)
        v, unit = float(m.group(1)), m.group(2)
        return v * {"us": 1, "ms": 1e3, "s": 1e6}[unit]
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {"qps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
            "p50_us": us("50"), "p99_us": us("99"), "requests": requests,
            "errors": int(non2xx.group(1)) if non2xx else 0}

def cpu(name, requests):
    s, g = map(int, open(f"{work}/slice-{name}.cpu").read().split())
    return {"server_cpu_us_per_request": s / hz * 1e6 / max(requests, 1),
            "gateway_cpu_us_per_request": g / hz * 1e6 / max(requests, 1)}

rows = {"gateway": [], "direct": [], "legacy": []}
for r in range(1, rounds + 1):
    for kind in ("gateway", "legacy"):
        w = wrk(f"{work}/slice-{kind}-{r}.out")
        w.update(cpu(f"{kind}-{r}", w["requests"]))
        rows[kind].append(w)
    text = open(f"{work}/slice-direct-{r}.out").read()
    d = json.loads(text[text.index("{"):])
    # nboctl alternates Recommend with Health/Check: the server's CPU per
    # Recommend comes from its own metrics, per phase.
    rows["direct"].append({
        "qps": d["recommend_qps"], "p50_us": d["recommend_p50_us"],
        "p99_us": d["recommend_p99_us"], "errors": 0,
        "server_cpu_us_per_request": d["recommend_server_cpu_us_per_request"],
        "gateway_cpu_us_per_request": 0.0})

def median(kind, key):
    return statistics.median(x[key] for x in rows[kind])

report = {"customers": customers, "concurrency": concurrency, "rounds": rounds,
          "gateway_peak_rss_bytes": rss,
          "machine": open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].strip(": \t")}
for kind in rows:
    for key in ("qps", "p50_us", "p99_us", "server_cpu_us_per_request",
                "gateway_cpu_us_per_request", "errors"):
        report[f"{kind}_{key}"] = median(kind, key)
report["qps_ratio_gateway_over_direct"] = [
    g["qps"] / d["qps"] for g, d in zip(rows["gateway"], rows["direct"])]
report["added_p50_fraction"] = [
    g["p50_us"] / d["p50_us"] - 1 for g, d in zip(rows["gateway"], rows["direct"])]
report["added_p99_us"] = [
    g["p99_us"] - d["p99_us"] for g, d in zip(rows["gateway"], rows["direct"])]
print(json.dumps(report, indent=2, sort_keys=True))
PY
