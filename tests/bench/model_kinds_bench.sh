#!/usr/bin/env bash
# The two model kinds side by side on generated bank data (issue 13 §2):
# for each catalog (santander24, demo8) and kind (implicit_als, ease),
# nbo-trainer trains and publishes to a fresh nbo-server; then
# `nboctl bench --method=foldin` measures Recommend for new customers with
# transactions only (the fold-in path). Prints one JSON object: training
# wall time (the whole run and the training phase alone), the trainer's
# MAP@7 against popularity, and fold-in latency per catalog and kind.
#
# Usage: tests/bench/model_kinds_bench.sh [--customers=N] [--duration=S]
#          [--concurrency=C] [--build=DIR] [--work=DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/tests/bench/bench_lib.sh"
CUSTOMERS=100000 DURATION=10 CONCURRENCY=4
BUILD="$ROOT/build" WORK="${TMPDIR:-/tmp}/nbo-model-kinds-bench"
for arg in "$@"; do
  case "$arg" in
    --customers=*) CUSTOMERS="${arg#*=}" ;;
    --duration=*) DURATION="${arg#*=}" ;;
    --concurrency=*) CONCURRENCY="${arg#*=}" ;;
    --build=*) BUILD="${arg#*=}" ;;
    --work=*) WORK="${arg#*=}" ;;
    *) sed -n '2,12p' "$0" >&2; exit 2 ;;
  esac
done
SERVER_BIN="$BUILD/services/nbo_server/nbo-server"
TRAINER="$BUILD/services/trainer/nbo-trainer"
NBOCTL="$BUILD/tools/nboctl/nboctl"
for bin in "$SERVER_BIN" "$TRAINER" "$NBOCTL"; do
  [ -x "$bin" ] || { echo "build first: missing $bin" >&2; exit 1; }
done
mkdir -p "$WORK"

for catalog in santander24 demo8; do
  BANK="$WORK/bank-$catalog-$CUSTOMERS"
  if [ ! -f "$BANK/transactions.csv" ]; then
    echo "== generating $catalog for $CUSTOMERS customers" >&2
    "$NBOCTL" datagen --customers="$CUSTOMERS" --catalog="$catalog" --seed=7 \
      --out="$BANK" >&2
  fi
  for kind in implicit_als ease; do
    RUN="$WORK/$catalog-$kind"
    rm -rf "$RUN" && mkdir -p "$RUN"
    (
      start_server "$SERVER_BIN" "$RUN"
      echo "== $catalog, $kind: training and publishing" >&2
      START=$(date +%s.%N)
      "$TRAINER" train --data_dir="$BANK" --tune=off --model_kind="$kind" --force \
        --publish_to="127.0.0.1:$GRPC" > "$RUN/trainer.txt" 2>&1
      END=$(date +%s.%N)
      python3 -c "print(round($END - $START, 3))" > "$RUN/train_seconds"
      echo "== $catalog, $kind: fold-in latency" >&2
      "$NBOCTL" bench --server="127.0.0.1:$GRPC" --duration="$DURATION" \
        --concurrency="$CONCURRENCY" --method=foldin --customers=2000 \
        --json > "$RUN/foldin.json"
    )
  done
done

python3 - "$WORK" "$CUSTOMERS" <<'PY'
import json, os, re, sys
work, customers = sys.argv[1], int(sys.argv[2])
report = {"customers": customers}
for catalog in ("santander24", "demo8"):
    for kind in ("implicit_als", "ease"):
        run = os.path.join(work, f"{catalog}-{kind}")
        text = open(os.path.join(run, "trainer.txt")).read()
        # "[  12.34s] training: ..." then "[  56.78s] calibrating": the
        # training phase on the train split alone.
        stamps = {m.group(2): float(m.group(1)) for m in
                  re.finditer(r"^\[\s*([0-9.]+)s\] ([a-z ]+?)(?::|$)", text, re.M)}
        gate = re.search(r"^gate: .*$", text, re.M)
        report[f"{catalog}/{kind}"] = {
            "run_seconds": float(open(os.path.join(run, "train_seconds")).read()),
            "training_phase_seconds": round(
                stamps.get("calibrating", 0) - stamps.get("training", 0), 3),
            "gate": gate.group(0) if gate else None,
            "foldin": json.load(open(os.path.join(run, "foldin.json"))),
        }
report["machine"] = (open("/proc/cpuinfo").read().split("model name")[1]
                     .split("\n")[0].strip(": \t") + f", {os.cpu_count()} vCPU")
print(json.dumps(report, indent=2, sort_keys=True))
PY
