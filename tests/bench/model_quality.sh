#!/usr/bin/env bash
# Recommendation quality of issue 13, end to end with the real nbo-trainer:
# for each dataset, the automatic choice (default flags: the grid on a
# validation split, then under the NBO protocol the second stage), and the
# best ALS and the best EASE configuration of that grid trained on their
# own (--tune=off --second_stage=off: the raw model), all evaluated on the
# same test split against popularity. Prints a Markdown table (MAP@7, NDCG@7,
# Brier, ECE, lift) and the tuning wall time per dataset; the trainer's
# reports stay in WORK.
#
#   demo8 10k and santander24 100k: NBO protocol (the default)
#   basket 5k (300 products, long-tailed): --split=random
#   --large adds santander24 1M (about 10 minutes on 2 cores)
#
# Usage: tests/bench/model_quality.sh [--large] [--build=DIR] [--work=DIR]
#          [--extra_flags="..."]   (passed to every nbo-trainer run)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="$ROOT/build" WORK="${TMPDIR:-/tmp}/nbo-model-quality" LARGE=0 EXTRA=""
for arg in "$@"; do
  case "$arg" in
    --large) LARGE=1 ;;
    --build=*) BUILD="${arg#*=}" ;;
    --work=*) WORK="${arg#*=}" ;;
    --extra_flags=*) EXTRA="${arg#*=}" ;;
    *) sed -n '2,15p' "$0" >&2; exit 2 ;;
  esac
done
TRAINER="$BUILD/services/trainer/nbo-trainer"
NBOCTL="$BUILD/tools/nboctl/nboctl"
mkdir -p "$WORK"

# dataset NAME SPLIT DATAGEN_FLAGS...: generates NAME once (kept in WORK).
dataset() {
  local name=$1 split=$2
  shift 2
  [ -s "$WORK/$name/transactions.csv" ] ||
    "$NBOCTL" datagen --out="$WORK/$name" --seed=42 "$@" >&2
  echo "$name $split"
}

# flags_of REPORT KIND: the --tune=off flags of the best trial of KIND in
# REPORT's tuning grid; nothing when the grid has no such trial.
flags_of() {
  python3 - "$1" "$2" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
trials = [t for t in report.get("tuning", {}).get("trials", [])
          if t["kind"] == sys.argv[2] and t["value"] is not None]
if trials:
    best = max(trials, key=lambda t: t["value"])  # earliest on ties
    words = best["config"].split()
    flags = ["--tune=off", "--model_kind=" + words[0]]
    for word in words[1:]:
        key, value = word.split("=")
        flags.append("--%s=%s" % ("ease_lambda" if key == "lambda" else key,
                                  value))
    print(" ".join(flags))
PY
}

# row DATASET LABEL REPORT [popularity]: one table row from a report.
row() {
  python3 - "$@" <<'PY'
import json, sys
name, label, path = sys.argv[1:4]
who = sys.argv[4] if len(sys.argv) > 4 else "model"
r = json.load(open(path))
e = r["evaluation"][who]
pop = r["evaluation"]["popularity"]["map@7"]
lift = "" if who == "popularity" else "%+.1f%%" % (100 * (e["map@7"] / pop - 1))
config = "" if who == "popularity" else r["model"]["config"]
print("| %s | %s | %s | %.4f | %.4f | %.4f | %.4f | %s |" % (
    name, label, config, e["map@7"], e["ndcg@7"], e["brier"], e["ece"], lift))
PY
}

sets=("$(dataset demo8_10k nbo --catalog=demo8 --customers=10000)"
      "$(dataset s24_100k nbo --catalog=santander24 --customers=100000)"
      "$(dataset basket_5k random --catalog=basket --customers=5000)")
[ "$LARGE" = 1 ] &&
  sets+=("$(dataset s24_1m nbo --catalog=santander24 --customers=1000000)")

echo "| data | model | configuration | MAP@7 | NDCG@7 | Brier | ECE | MAP@7 vs popularity |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
timing=()
for entry in "${sets[@]}"; do
  read -r name split <<< "$entry"
  base=(--data_dir="$WORK/$name" --split="$split" $EXTRA)
  # A gate refusal exits 1 and still writes the report.
  "$TRAINER" train "${base[@]}" --report_json="$WORK/$name.chosen.json" \
    > "$WORK/$name.chosen.log" 2>&1 || true
  row "$name" popularity "$WORK/$name.chosen.json" popularity
  for kind in implicit_als ease; do
    flags=$(flags_of "$WORK/$name.chosen.json" "$kind")
    [ -n "$flags" ] || continue
    # shellcheck disable=SC2086
    "$TRAINER" train "${base[@]}" $flags --second_stage=off \
      --report_json="$WORK/$name.$kind.json" > "$WORK/$name.$kind.log" 2>&1 ||
      true
    row "$name" "best $kind" "$WORK/$name.$kind.json"
  done
  row "$name" "**chosen** (+ second stage under nbo)" "$WORK/$name.chosen.json"
  timing+=("$(python3 -c "
import json,sys; r=json.load(open(sys.argv[1])); t=r.get('tuning',{})
ran=sum(1 for x in t.get('trials',[]) if not x['skipped'])
print('%s: %d of %d configurations in %.1f s, run %.1f s' % (sys.argv[2], ran,
      len(t.get('trials',[])), t.get('seconds',0), r['total_seconds']))" \
      "$WORK/$name.chosen.json" "$name")")
done
echo
printf 'tuning: %s\n' "${timing[@]}"
echo "machine: $(nproc) vCPU $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/ {print $2}') GiB"
