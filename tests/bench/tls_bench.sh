#!/usr/bin/env bash
# What TLS costs a Recommend through gRPC (issue 14): two nbo-servers with
# the same model, one plaintext and one on mutual TLS (--tls_cert, --tls_key,
# --tls_client_ca; certificates made here with openssl), measured with
# `nboctl bench` (Recommend, and Health/Check as the transport floor) in
# ROUNDS alternating slices so each pair of figures is taken side by side.
# Connections are long-lived, as a bank's clients keep them: the handshake
# is paid once per channel; what is measured is the record layer.
#
# Usage: tests/bench/tls_bench.sh [--customers=N (20000)] [--duration=S (5)]
#          [--concurrency=C (4)] [--rounds=R (3)] [--build=DIR] [--work=DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/tests/bench/bench_lib.sh"
CUSTOMERS=20000 DURATION=5 CONCURRENCY=4 ROUNDS=3
BUILD="$ROOT/build" WORK="${TMPDIR:-/tmp}/nbo-tls-bench"
parse_bench_args "2,12" "$@"
NBOCTL="$BUILD/tools/nboctl/nboctl"
TRAINER="$BUILD/services/trainer/nbo-trainer"
SERVER_BIN="$BUILD/services/nbo_server/nbo-server"
rm -rf "$WORK/plain" "$WORK/tls"
mkdir -p "$WORK/plain" "$WORK/tls" "$WORK/pki"
[ -s "$WORK/bank/transactions.csv" ] ||
  "$NBOCTL" datagen --out="$WORK/bank" --customers="$CUSTOMERS" --seed=3 >&2

# A CA, and one certificate for 127.0.0.1 that serves and identifies clients.
pki="$WORK/pki"
if [ ! -s "$pki/leaf.pem" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$pki/ca.key" -out "$pki/ca.pem" -days 2 -subj '/CN=nbo bench CA' \
    -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$pki/leaf.ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$pki/leaf.key" -out "$pki/leaf.csr" -subj '/CN=localhost' 2>/dev/null
  openssl x509 -req -in "$pki/leaf.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
    -CAcreateserial -days 2 -extfile "$pki/leaf.ext" -out "$pki/leaf.pem" 2>/dev/null
fi
TLS_CLIENT=(--ca_file="$pki/ca.pem" --cert_file="$pki/leaf.pem" --key_file="$pki/leaf.key")

start_server "$SERVER_BIN" "$WORK/plain"
PLAIN="127.0.0.1:$GRPC"
start_server "$SERVER_BIN" "$WORK/tls" --tls_cert="$pki/leaf.pem" \
  --tls_key="$pki/leaf.key" --tls_client_ca="$pki/ca.pem"
TLS="127.0.0.1:$GRPC"
"$TRAINER" train --data_dir="$WORK/bank" --publish_to="$PLAIN" --force --tune=off \
  > "$WORK/train.log" 2>&1
# A model trained alike (same data, seed and hyperparameters, no tuning)
# for the TLS server, published this time over mutual TLS.
"$TRAINER" train --data_dir="$WORK/bank" --publish_to="$TLS" --force --tune=off \
  --upstream_ca="$pki/ca.pem" --upstream_cert="$pki/leaf.pem" \
  --upstream_key="$pki/leaf.key" > "$WORK/train-tls.log" 2>&1

echo "| round | transport | Recommend p50 us | Recommend p99 us | Recommend QPS | Health p50 us | failed |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for round in $(seq 1 "$ROUNDS"); do
  for transport in plaintext mtls; do
    if [ "$transport" = plaintext ]; then args=(--server="$PLAIN"); else args=(--server="$TLS" "${TLS_CLIENT[@]}"); fi
    "$NBOCTL" bench "${args[@]}" --duration="$DURATION" \
      --concurrency="$CONCURRENCY" --customers="$CUSTOMERS" --json \
      > "$WORK/bench.json" 2>/dev/null
    python3 - "$WORK/bench.json" "$round" "$transport" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("| %s | %s | %.0f | %.0f | %.0f | %.0f | %d |" % (
    sys.argv[2], sys.argv[3], r["recommend_p50_us"], r["recommend_p99_us"],
    r["recommend_qps"], r["health_p50_us"], r["failed"]))
PY
  done
done
echo "machine: $(nproc) vCPU $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
