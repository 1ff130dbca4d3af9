#!/usr/bin/env bash
# Brings nbo up on this machine: installs what is missing, builds, starts
# nbo-server on an embedded data directory (.demo/nbo-data), generates demo
# bank data (10,000 customers, the 8-product demo catalog), trains ALS on it
# with nbo-trainer (evaluation against popularity, calibration, the publish
# gate) and publishes the model to the server over gRPC. Then it loads the
# bank's customers and transactions into the server (IngestService: profiles
# drive eligibility, transactions holdings and fold-in) and shows decisions
# with their reasons and suppressions, feedback and the contact policy, the
# compliance view of a customer, a brand-new customer answered by fold-in,
# and experiment statistics. nbo-gateway serves the HTTP/JSON API and the
# relationship managers' dashboard at / (its URL is printed at the end).
# The servers keep running until Ctrl-C.
#
# Environment: NBO_DEMO_GRPC_ADDR (default 127.0.0.1:50051),
# NBO_DEMO_METRICS_ADDR (default 127.0.0.1:9464). If a port is taken the demo
# picks a free one. Works as root or as a user with sudo.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$NBO_ROOT"

nbo_install_packages "${NBO_PACKAGES[@]}"
# The dashboard that nbo-gateway serves at / (services/dashboard) is built
# with npm, from its package-lock.json.
nbo_npm_ci services/dashboard
nbo_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -- nbo-server nboctl nbo-trainer \
  nbo-gateway dashboard
DASHBOARD_DIR="$NBO_ROOT/build/services/dashboard/dist"
SERVER_BIN="$NBO_ROOT/build/services/nbo_server/nbo-server"
GATEWAY_BIN="$NBO_ROOT/build/services/gateway/nbo-gateway"
NBOCTL="$NBO_ROOT/build/tools/nboctl/nboctl"
TRAINER="$NBO_ROOT/build/services/trainer/nbo-trainer"

DEMO="$NBO_ROOT/.demo"
rm -rf "$DEMO"
mkdir -p "$DEMO"

server_pid=""
gateway_pid=""
cleanup() {
  if [ -n "$gateway_pid" ] && kill -0 "$gateway_pid" 2>/dev/null; then
    nbo_log "stopping nbo-gateway"
    kill -TERM "$gateway_pid" 2>/dev/null || true
    wait "$gateway_pid" 2>/dev/null || true
  fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    nbo_log "stopping nbo-server"
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server GRPC_ADDR METRICS_ADDR: returns non-zero if it did not come up.
# The demo bank data covers 2023-2024 (datagen's fixed window); a ten-year
# --transaction_retention keeps the hourly retention pass from deleting its
# transactions (default: 730 days) while the demo runs.
start_server() {
  rm -f "$DEMO/ports.json"
  "$SERVER_BIN" --data_dir="$DEMO/nbo-data" --grpc_addr="$1" \
    --metrics_addr="$2" --port_file="$DEMO/ports.json" --drain=0s \
    --transaction_retention=87600h \
    >"$DEMO/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    [ -s "$DEMO/ports.json" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

nbo_log "starting nbo-server (data in $DEMO/nbo-data)"
if ! start_server "${NBO_DEMO_GRPC_ADDR:-127.0.0.1:50051}" \
                  "${NBO_DEMO_METRICS_ADDR:-127.0.0.1:9464}"; then
  nbo_log "default ports busy; picking free ones"
  start_server 127.0.0.1:0 127.0.0.1:0 || {
    cat "$DEMO/server.log" >&2
    exit 1
  }
fi
GRPC_PORT=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['grpc'])" "$DEMO/ports.json")
METRICS_PORT=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['metrics'])" "$DEMO/ports.json")
SERVER="127.0.0.1:$GRPC_PORT"

# start_gateway HTTP_ADDR: returns non-zero if it did not come up.
start_gateway() {
  rm -f "$DEMO/gateway.json"
  "$GATEWAY_BIN" --http_addr="$1" --upstream="dns:///$SERVER" \
    --static_dir="$DASHBOARD_DIR" \
    --port_file="$DEMO/gateway.json" >"$DEMO/gateway.log" 2>&1 &
  gateway_pid=$!
  for _ in $(seq 1 100); do
    [ -s "$DEMO/gateway.json" ] && return 0
    kill -0 "$gateway_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

nbo_log "starting nbo-gateway (HTTP/JSON)"
if ! start_gateway "${NBO_DEMO_HTTP_ADDR:-127.0.0.1:8080}"; then
  nbo_log "port 8080 busy; picking a free one"
  start_gateway 127.0.0.1:0 || {
    cat "$DEMO/gateway.log" >&2
    exit 1
  }
fi
HTTP_PORT=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['http'])" "$DEMO/gateway.json")
HTTP="http://127.0.0.1:$HTTP_PORT"

nbo_log "generating demo bank data (customers, products, transactions)"
"$NBOCTL" datagen --customers=10000 --catalog=demo8 --seed=42 --out="$DEMO/bank"

nbo_log "training, evaluating and publishing with nbo-trainer"
# The defaults: the NBO protocol, the model kind and hyperparameters chosen
# on a validation split (a table of the grid is printed), then the second
# stage that turns scores, profiles, holdings and recency into propensities
# (docs/evaluation.md).
"$TRAINER" train --data_dir="$DEMO/bank" --publish_to="$SERVER" \
  --report_json="$DEMO/training_report.json"

# The steps below print each call before making it: the grpcurl command for
# the gRPC API, then the nboctl command that makes the same call.
nboctl() { "$NBOCTL" "$@"; }
# show CMD ARGS...: prints the command. run CMD ARGS...: and runs it.
show() {
  printf '$'
  printf ' %s' "$@"
  printf '\n'
}
run() {
  show "$@"
  "$@"
}
# grpcurl_line METHOD JSON: prints the grpcurl call of nbo.v1.METHOD.
grpcurl_line() {
  if [ -n "$2" ]; then
    echo "\$ grpcurl -plaintext -d '$2' $SERVER nbo.v1.$1"
  else
    echo "\$ grpcurl -plaintext $SERVER nbo.v1.$1"
  fi
}
# json_get FILE FIELD [FIELD...]: a value from a JSON answer; each FIELD is a
# key (snake_case as nboctl prints it; grpcurl's camelCase is tried too) or
# a list index.
json_get() {
  python3 - "$@" <<'PY'
import json, re, sys
value = json.load(open(sys.argv[1]))
for field in sys.argv[2:]:
    if isinstance(value, list):
        value = value[int(field)]
    else:
        camel = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), field)
        value = value[field] if field in value else value[camel]
print(value)
PY
}
echo "Each step below prints the grpcurl call and makes the same call through"
echo "nboctl ($NBOCTL; grpcurl is not packaged for Debian 12)."

nbo_log "loading the bank's customers and transactions into nbo-server"
echo "Profiles drive eligibility (a customer without one is INELIGIBLE for"
echo "every product with rules); transactions drive holdings and fold-in."
run nboctl ingest --server="$SERVER" --data_dir="$DEMO/bank"

nbo_log "a decision for customer C0000042, explained"
grpcurl_line NBOService/Recommend '{"customer_id":"C0000042","explain":true}'
run nboctl recommend --server="$SERVER" --customer=C0000042 --explain --text |
  tee "$DEMO/explained.txt"
explained_id=$(awk '/^decision [0-9a-f]+ / { print $2; exit }' "$DEMO/explained.txt")

nbo_log "a recommendation, as a client receives it"
REQUEST='{"customer_id":"C0000042","num_offers":3,"channel":"branch"}'
grpcurl_line NBOService/Recommend "$REQUEST"
if command -v grpcurl >/dev/null; then
  grpcurl -plaintext -d "$REQUEST" "$SERVER" nbo.v1.NBOService/Recommend |
    tee "$DEMO/decision.json"
else
  show nboctl recommend --server="$SERVER" --customer=C0000042 --num_offers=3 --channel=branch
  nboctl recommend --server="$SERVER" --customer=C0000042 --num_offers=3 \
    --channel=branch | tee "$DEMO/decision.json"
fi
decision_id=$(json_get "$DEMO/decision.json" decision_id)
offered=$(json_get "$DEMO/decision.json" offers 0 product_id)

nbo_log "feedback: the branch showed $offered and the customer declined it"
grpcurl_line NBOService/RecordFeedback "{\"decision_id\":\"$decision_id\",\"customer_id\":\"C0000042\",\"product_id\":\"$offered\",\"outcome\":\"FEEDBACK_OUTCOME_DECLINED\",\"channel\":\"branch\"}"
run nboctl feedback --server="$SERVER" --decision_id="$decision_id" \
  --customer_id=C0000042 --product_id="$offered" --outcome=impression --channel=branch
run nboctl feedback --server="$SERVER" --decision_id="$decision_id" \
  --customer_id=C0000042 --product_id="$offered" --outcome=declined --channel=branch

nbo_log "the compliance view of C0000042: profile, holdings, transactions, decisions"
grpcurl_line NBOService/GetCustomer '{"customer_id":"C0000042","max_transactions":5,"max_decisions":1}'
run nboctl customer --server="$SERVER" --customer_id=C0000042 --max_transactions=5 \
  --max_decisions=1

nbo_log "contact policy: a second decline of $offered rests it (default: 2 declines, 30 days)"
echo "C0000042 declines $offered again, this time in the explained decision:"
run nboctl feedback --server="$SERVER" --decision_id="$explained_id" \
  --customer_id=C0000042 --product_id="$offered" --outcome=declined
run nboctl recommend --server="$SERVER" --customer=C0000042 --text

nbo_log "a brand-new customer: popularity, and no action until nbo knows them"
run nboctl recommend --server="$SERVER" --customer=NEW-0001 --explain --text
NEW="$DEMO/new-customer"
mkdir -p "$NEW"
cat >"$NEW/customers.csv" <<EOF_CSV
customer_id,age,income,segment,credit_score,kyc_verified
NEW-0001,29,48000,mass,690,true
EOF_CSV
cat >"$NEW/transactions.csv" <<EOF_CSV
customer_id,product_id,event,timestamp,amount
NEW-0001,P01,open,$(date -u -d '-3 days' +%Y-%m-%dT%H:%M:%SZ),2500
NEW-0001,P05,view,$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ),
NEW-0001,P05,apply,$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%SZ),
EOF_CSV

nbo_log "the bank sends NEW-0001's profile and first transactions; fold-in answers at once"
run cat "$NEW/customers.csv" "$NEW/transactions.csv"
grpcurl_line IngestService/UpsertCustomers '{"customers":[{"customer_id":"NEW-0001","age":29,"income":48000,"segment":"mass","credit_score":690,"kyc_verified":true}]}'
grpcurl_line IngestService/RecordTransactions "{\"transactions\":[{\"customer_id\":\"NEW-0001\",\"product_id\":\"P05\",\"event\":\"TRANSACTION_EVENT_APPLY\",\"timestamp\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"}]}"
run nboctl ingest --server="$SERVER" --data_dir="$NEW"
echo "Fold-in solves NEW-0001's factors from these transactions against the"
echo "model's item factors, so the next decision is personal without a retrain:"
run nboctl recommend --server="$SERVER" --customer=NEW-0001 --num_offers=2 --explain --text

nbo_log "experiment statistics (feedback per traffic-split arm)"
grpcurl_line ModelService/GetExperimentStats ''
run nboctl experiment-stats --server="$SERVER"

NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cat <<EOF_INFO

nbo is up.
  dashboard $HTTP/   (relationship managers' view; e.g. $HTTP/#/customers/C0000042)
  gRPC     $SERVER   (reflection and grpc.health.v1.Health on)
  HTTP     $HTTP   (nbo-gateway: JSON API, OpenAPI at /openapi.json, dashboard at /)
  metrics  http://127.0.0.1:$METRICS_PORT/metrics   gateway: $HTTP/metrics
  data     $DEMO/nbo-data      server log: $DEMO/server.log
  bank data $DEMO/bank         training report: $DEMO/training_report.json

Try over HTTP/JSON (curl):
  curl -s '$HTTP/api/recommend?user_id=C0000007'
  curl -s $HTTP/v1/customers/C0000007/offers?numOffers=3
  curl -s -H 'Content-Type: application/json' -X POST $HTTP/v1/recommend -d '{"customerId":"C0000007","explain":true,"channel":"mobile"}'
  curl -s -H 'Content-Type: application/json' -X POST $HTTP/v1/recommend:batch -d '{"customerIds":["C0000001","C0000002"]}'
  curl -s $HTTP/v1/customers/C0000042
  curl -s '$HTTP/v1/customers?segment=affluent&pageSize=5'
  curl -s -H 'Content-Type: application/json' -X POST $HTTP/v1/feedback -d '{"decisionId":"$decision_id","customerId":"C0000042","productId":"$offered","outcome":"FEEDBACK_OUTCOME_ACCEPTED"}'
  curl -s $HTTP/v1/models
  curl -s $HTTP/v1/models/nbo/experiment_stats
  curl -s $HTTP/openapi.json | head -c 300
Try (grpcurl, where installed):
  grpcurl -plaintext $SERVER list
  grpcurl -plaintext -d '{"customer_id":"C0000007"}' $SERVER nbo.v1.NBOService/Recommend
  grpcurl -plaintext -d '{"customer_id":"C0000007","explain":true,"channel":"mobile","exclude_products":["P06"]}' $SERVER nbo.v1.NBOService/Recommend
  grpcurl -plaintext -d '{"decision_id":"$decision_id","customer_id":"C0000042","product_id":"$offered","outcome":"FEEDBACK_OUTCOME_ACCEPTED"}' $SERVER nbo.v1.NBOService/RecordFeedback
  grpcurl -plaintext -d '{"customer_id":"NEW-0001"}' $SERVER nbo.v1.NBOService/GetCustomer
  grpcurl -plaintext -d '{"product_id":"P02","k":3}' $SERVER nbo.v1.NBOService/SimilarProducts
  grpcurl -plaintext -d '{"customers":[{"customer_id":"NEW-0002","age":35,"income":52000,"kyc_verified":true}]}' $SERVER nbo.v1.IngestService/UpsertCustomers
  grpcurl -plaintext -d '{"transactions":[{"customer_id":"NEW-0002","product_id":"P02","event":"TRANSACTION_EVENT_APPLY","timestamp":"$NOW","transaction_id":"t-1"}]}' $SERVER nbo.v1.IngestService/RecordTransactions
  grpcurl -plaintext $SERVER nbo.v1.ModelService/ListModels
  grpcurl -plaintext $SERVER nbo.v1.ModelService/GetCatalog
  grpcurl -plaintext -d '{"levers":{"P04":1.5}}' $SERVER nbo.v1.ModelService/SetLevers
  grpcurl -plaintext -d '{"customer_id":"C0000042"}' $SERVER nbo.v1.ModelService/ScoreCustomer
  grpcurl -plaintext $SERVER nbo.v1.ModelService/GetExperimentStats
  grpcurl -plaintext -d '{"service":"nbo.v1.NBOService"}' $SERVER grpc.health.v1.Health/Check
and the same through nboctl:
  $NBOCTL models list --server=$SERVER
  $NBOCTL recommend --server=$SERVER --customer=C0000007 --explain --channel=mobile --exclude=P06 --text
  $NBOCTL feedback --server=$SERVER --decision_id=$decision_id --customer_id=C0000042 --product_id=$offered --outcome=accepted
  $NBOCTL customer --server=$SERVER --customer_id=NEW-0001
  $NBOCTL customers --server=$SERVER --segment=affluent --limit=5
  $NBOCTL similar --server=$SERVER --product_id=P02 --k=3
  $NBOCTL catalog get --server=$SERVER
  $NBOCTL levers P04=1.5 --server=$SERVER
  $NBOCTL experiment-stats --server=$SERVER
  $NBOCTL export-feedback --server=$SERVER --out=$DEMO/feedback.csv
  $NBOCTL bench --server=$SERVER --duration=5 --concurrency=8
  $TRAINER train --data_dir=$DEMO/bank --feedback_path=$DEMO/feedback.csv --publish_to=$SERVER   # a new version; the gate compares it
  curl -s http://127.0.0.1:$METRICS_PORT/metrics | grep ^nbo_

Press Ctrl-C to stop.
EOF_INFO
wait "$server_pid"
