#!/usr/bin/env bash
# Debian's real prometheus, with the shipped scrape config
# (deploy/prometheus/prometheus.yml, its targets pointed at this test's
# processes) and the shipped alert rules, scrapes a real nbo-server and
# nbo-gateway that have served some traffic: a model published by
# nbo-trainer, customers ingested, Recommends, feedback, gateway calls. Every
# series the alert rules and the Grafana dashboard use must exist, and
# every rule must load. CTest runs it (label deploy) after the binaries are
# built; prometheus comes from the same Debian package as promtool
# (tools/lib/common.sh nbo_promtool).
#
# Usage: tests/deploy/prometheus_live.sh BUILD_DIR
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="$(cd "${1:?usage: prometheus_live.sh BUILD_DIR}" && pwd)"
. "$ROOT/tests/bench/bench_lib.sh"
command -v prometheus >/dev/null || {
  echo "prometheus_live: prometheus is missing (tools/lib/common.sh nbo_promtool)" >&2
  exit 1
}
WORK="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}

NBOCTL="$BUILD/tools/nboctl/nboctl"
"$NBOCTL" datagen --out="$WORK/bank" --customers=2000 --catalog=demo8 --seed=5 \
  > "$WORK/datagen.log" 2>&1
start_server "$BUILD/services/nbo_server/nbo-server" "$WORK"
pids+=("$PID")
trap cleanup EXIT
SERVER="127.0.0.1:$GRPC"
"$BUILD/services/trainer/nbo-trainer" train --data_dir="$WORK/bank" \
  --publish_to="$SERVER" --tune=off --force > "$WORK/train.log" 2>&1
"$NBOCTL" ingest --server="$SERVER" --data_dir="$WORK/bank" > "$WORK/ingest.log" 2>&1
"$NBOCTL" bench --server="$SERVER" --duration=2 --concurrency=2 \
  --customers=2000 > "$WORK/bench.log" 2>&1
"$NBOCTL" bench --server="$SERVER" --method=feedback --feedback_records=200 \
  --concurrency=2 > "$WORK/feedback.log" 2>&1

"$BUILD/services/gateway/nbo-gateway" --http_addr=127.0.0.1:0 \
  --upstream="dns:///$SERVER" --port_file="$WORK/gateway.json" \
  > "$WORK/gateway.log" 2>&1 &
pids+=("$!")
for _ in $(seq 1 100); do [ -s "$WORK/gateway.json" ] && break; sleep 0.1; done
HTTP=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['http'])" "$WORK/gateway.json")
# An answer, a route that does not exist, and an upstream error (a customer
# id the server refuses: INVALID_ARGUMENT).
for path in /v1/customers/C0000001/offers /v1/models /v1/nothing-here \
    "/v1/customers/$(printf 'x%.0s' $(seq 1 300))/offers"; do
  curl -s -o /dev/null "http://127.0.0.1:$HTTP$path" || true
done

# The shipped config, scraping this test's ports every second.
PROM_PORT=$(python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
sed -e "s|nbo-server:9464|127.0.0.1:$METRICS|" \
    -e "s|nbo-gateway:8080|127.0.0.1:$HTTP|" \
    -e "s|scrape_interval: 15s|scrape_interval: 1s|" \
    -e "s|evaluation_interval: 15s|evaluation_interval: 1s|" \
    -e "s|/etc/prometheus/rules/\*.yml|$ROOT/helm/nbo-engine/files/alerts.yml|" \
    "$ROOT/deploy/prometheus/prometheus.yml" > "$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" \
  --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$PROM_PORT" > "$WORK/prometheus.log" 2>&1 &
pids+=("$!")

python3 - "$PROM_PORT" "$ROOT" "$WORK/prometheus.log" <<'PY'
import json, re, sys, time, urllib.request
port, root, log = sys.argv[1], sys.argv[2], sys.argv[3]
api = "http://127.0.0.1:%s/api/v1/" % port

def get(path):
    with urllib.request.urlopen(api + path, timeout=5) as r:
        return json.load(r)["data"]

deadline = time.time() + 60
while True:
    try:
        up = get("query?query=up")["result"]
        if len(up) == 2 and all(s["value"][1] == "1" for s in up):
            break
    except Exception:
        pass
    if time.time() > deadline:
        sys.exit("prometheus_live: both targets not up within 60 s; see "
                 + open(log).read()[-2000:])
    time.sleep(0.5)
time.sleep(3)  # A few more scrapes.

rules = get("rules")["groups"]
loaded = sum(len(g["rules"]) for g in rules)
broken = [r["name"] for g in rules for r in g["rules"] if r.get("health") == "err"]
names = set(get("label/__name__/values"))
def exprs_of_rules(text):
    # The PromQL of every `expr:` (one line, or a block indented under it).
    out, block = [], None
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip())
        if block is not None:
            if line.strip() and indent > block:
                out.append(line)
                continue
            block = None
        m = re.match(r"(\s*)expr:\s*(.*)$", line)
        if m:
            out.append(m.group(2))
            block = len(m.group(1))
    return out

def exprs_of_dashboard(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "expr" and isinstance(value, str):
                yield value
            else:
                yield from exprs_of_dashboard(value)
    elif isinstance(node, list):
        for value in node:
            yield from exprs_of_dashboard(value)

exprs = exprs_of_rules(open(root + "/helm/nbo-engine/files/alerts.yml").read())
exprs += list(exprs_of_dashboard(json.load(
    open(root + "/helm/nbo-engine/files/grafana-dashboard.json"))))
used = set()
for e in exprs:
    used |= set(re.findall(r"\bnbo_[a-z0-9_]+", e))

def exported(name):
    # A histogram is its _bucket, _sum and _count series.
    return name in names or name + "_bucket" in names

missing = sorted(u for u in used if not exported(u))
print("prometheus_live: %d rules loaded, %d series used by the rules and the "
      "dashboard, %d exported" % (loaded, len(used), len([n for n in names if n.startswith("nbo_")])))
if loaded == 0 or broken:
    sys.exit("prometheus_live: rules not loaded or broken: %s" % broken)
if missing:
    sys.exit("prometheus_live: series the rules or the dashboard use but the "
             "binaries did not export: " + ", ".join(missing))
print("prometheus_live: every series exists")
PY
