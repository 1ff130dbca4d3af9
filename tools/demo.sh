#!/usr/bin/env bash
# Brings nbo up on this machine: installs what is missing, builds, starts
# nbo-server on an embedded data directory (.demo/nbo-data), generates demo
# bank data (10,000 customers, the 8-product demo catalog), trains ALS on it
# with nbo-trainer (evaluation against popularity, calibration, the publish
# gate), publishes the model to the server over gRPC, shows a Recommend call,
# and keeps the server running until Ctrl-C.
#
# Environment: NBO_DEMO_GRPC_ADDR (default 127.0.0.1:50051),
# NBO_DEMO_METRICS_ADDR (default 127.0.0.1:9464). If a port is taken the demo
# picks a free one. Works as root or as a user with sudo.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$NBO_ROOT"

nbo_install_packages "${NBO_PACKAGES[@]}"
nbo_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -- nbo-server nboctl nbo-trainer
SERVER_BIN="$NBO_ROOT/build/services/nbo_server/nbo-server"
NBOCTL="$NBO_ROOT/build/tools/nboctl/nboctl"
TRAINER="$NBO_ROOT/build/services/trainer/nbo-trainer"

DEMO="$NBO_ROOT/.demo"
rm -rf "$DEMO"
mkdir -p "$DEMO"

server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    nbo_log "stopping nbo-server"
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server GRPC_ADDR METRICS_ADDR: returns non-zero if it did not come up.
start_server() {
  rm -f "$DEMO/ports.json"
  "$SERVER_BIN" --data_dir="$DEMO/nbo-data" --grpc_addr="$1" \
    --metrics_addr="$2" --port_file="$DEMO/ports.json" --drain=0s \
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

nbo_log "generating demo bank data (customers, products, transactions)"
"$NBOCTL" datagen --customers=10000 --catalog=demo8 --seed=42 --out="$DEMO/bank"

nbo_log "training, evaluating and publishing with nbo-trainer"
"$TRAINER" train --data_dir="$DEMO/bank" --publish_to="$SERVER" \
  --report_json="$DEMO/training_report.json"

nbo_log "a recommendation"
REQUEST='{"customer_id":"C0000042","num_offers":3}'
echo "\$ grpcurl -plaintext -d '$REQUEST' $SERVER nbo.v1.NBOService/Recommend"
if command -v grpcurl >/dev/null; then
  grpcurl -plaintext -d "$REQUEST" "$SERVER" nbo.v1.NBOService/Recommend
else
  echo "(grpcurl is not packaged for Debian 12; the same call through nboctl:)"
  echo "\$ $NBOCTL recommend --server=$SERVER --customer=C0000042 --num_offers=3"
  "$NBOCTL" recommend --server="$SERVER" --customer=C0000042 --num_offers=3
fi

cat <<EOF_INFO

nbo is up.
  gRPC     $SERVER   (reflection and grpc.health.v1.Health on)
  metrics  http://127.0.0.1:$METRICS_PORT/metrics
  data     $DEMO/nbo-data      server log: $DEMO/server.log
  bank data $DEMO/bank         training report: $DEMO/training_report.json

Try:
  grpcurl -plaintext $SERVER list
  grpcurl -plaintext -d '{"customer_id":"C0000007"}' $SERVER nbo.v1.NBOService/Recommend
  grpcurl -plaintext $SERVER nbo.v1.ModelService/ListModels
  grpcurl -plaintext -d '{"service":"nbo.v1.NBOService"}' $SERVER grpc.health.v1.Health/Check
  $NBOCTL models list --server=$SERVER
  $NBOCTL recommend --server=$SERVER --customer=C0000007
  $NBOCTL bench --server=$SERVER --duration=5 --concurrency=8
  $TRAINER train --data_dir=$DEMO/bank --publish_to=$SERVER   # a new version; the gate compares it
  curl -s http://127.0.0.1:$METRICS_PORT/metrics | grep ^nbo_

Press Ctrl-C to stop.
EOF_INFO
wait "$server_pid"
