#!/usr/bin/env bash
# nbo's container image, end to end with podman: builds it
# (deploy/make-base-image.sh --build), checks its metadata (numeric non-root
# user, STOPSIGNAL, exec-form entry point), then runs it the way the Helm
# chart does: every container with a read-only root filesystem, user 10001,
# no capabilities, a tmpfs /tmp and nothing else writable but its volumes.
# nbo-server (with --tokens_file, hashes only) and nbo-gateway run on a
# podman network of their own; one-shot containers make the demo bank's data
# (nboctl datagen), train and publish a model (nbo-trainer) and load the
# customers (nboctl ingest). Then curl asks the gateway, through its
# published loopback port, for health, the dashboard and an offer (and is
# refused without a token); both services are stopped with SIGTERM and must
# exit 0; the server is started again on its volume and must still serve the
# published version. Containers, network, volumes and the temporary directory
# are removed on every exit; the image is kept.
#
# CTest runs it with label heavy (tools/test.sh --heavy); the first build
# compiles everything in the image and takes long, later ones reuse
# buildah's cache mounts. NBO_CONTAINER_TEST_NO_BUILD=1 tests the image that
# is there (NBO_CONTAINER_TEST_IMAGE, default localhost/nbo:dev). Needs root
# (debootstrap, rootful podman).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
source "$ROOT/tools/lib/common.sh"
IMAGE=localhost/nbo:dev
[ "${NBO_CONTAINER_TEST_NO_BUILD:-0}" = 1 ] && IMAGE="${NBO_CONTAINER_TEST_IMAGE:-$IMAGE}"
started=$SECONDS

fail() {
  echo "container_test: FAIL: $*" >&2
  exit 1
}
step() { nbo_log "container_test: $*"; }

[ "$(id -u)" -eq 0 ] || fail "needs root (rootful podman, debootstrap)"
nbo_podman
if [ "${NBO_CONTAINER_TEST_NO_BUILD:-0}" = 1 ]; then
  podman image exists "$IMAGE" || fail "$IMAGE is missing and NBO_CONTAINER_TEST_NO_BUILD=1"
else
  step "building $IMAGE"
  "$ROOT/deploy/make-base-image.sh" --build
fi

# --------------------------------------------------------------- the image
step "image metadata"
user=$(podman image inspect "$IMAGE" --format '{{.Config.User}}')
[ "$user" = "10001:10001" ] || fail "image user is '$user', want 10001:10001"
stopsignal=$(podman image inspect "$IMAGE" --format '{{.Config.StopSignal}}')
[ "$stopsignal" = SIGTERM ] || fail "STOPSIGNAL is '$stopsignal', want SIGTERM"
entrypoint=$(podman image inspect "$IMAGE" --format '{{json .Config.Entrypoint}}')
[ "$entrypoint" = '["/usr/local/bin/nbo-server","--data_dir=/var/lib/nbo"]' ] ||
  fail "entry point is $entrypoint, want nbo-server in exec form"
size=$(podman image inspect "$IMAGE" --format '{{.Size}}')
echo "image $IMAGE: $((size / 1000000)) MB"

# ----------------------------------------------------------------- fixture
run_id="nbo-ct-$$"
network="$run_id"
server="$run_id-server"
gateway="$run_id-gateway"
server_volume="$run_id-server-data"
demo_volume="$run_id-demo-data"
WORK="$(mktemp -d)"
cleanup() {
  local status=$?
  if [ $status -ne 0 ]; then
    for name in "$server" "$gateway"; do
      if podman container exists "$name"; then
        echo "---- podman logs $name (last 40 lines)" >&2
        podman logs --tail 40 "$name" >&2 || true
      fi
    done
  fi
  podman rm -f -v -t 5 "$gateway" "$server" >/dev/null 2>&1 || true
  podman network rm -f "$network" >/dev/null 2>&1 || true
  podman volume rm -f "$server_volume" "$demo_volume" >/dev/null 2>&1 || true
  rm -rf "$WORK"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The restricted container every run gets: what the chart's
# securityContext asks of Kubernetes, in podman's words.
restricted=(--read-only --read-only-tmpfs=false --tmpfs /tmp:rw,mode=1777,size=64m
            --user 10001:10001 --cap-drop=ALL --security-opt=no-new-privileges
            --network "$network")
oneshot() { podman run --rm "${restricted[@]}" "$@"; }

# Tokens as the chart's Secret holds them: names, roles, SHA-256 hashes.
admin_token=$(openssl rand -hex 24)
ingest_token=$(openssl rand -hex 24)
read_token=$(openssl rand -hex 24)
sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
mkdir -p "$WORK/tokens"
{
  echo "# container_test: one token per role it uses"
  echo "ci-admin admin sha256:$(sha "$admin_token")"
  echo "ci-loader ingest sha256:$(sha "$ingest_token")"
  echo "ci-desk read sha256:$(sha "$read_token")"
} >"$WORK/tokens/tokens"
chmod 755 "$WORK" "$WORK/tokens"
chmod 644 "$WORK/tokens/tokens"

http_port=$(python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
HTTP="http://127.0.0.1:$http_port"

podman network create "$network" >/dev/null
podman volume create "$server_volume" >/dev/null
podman volume create "$demo_volume" >/dev/null

step "every binary starts in the runtime image (its shared libraries are there)"
for bin in nbo-server nbo-gateway nbo-trainer nboctl; do
  out=$(podman run --rm "${restricted[@]}" --entrypoint "/usr/local/bin/$bin" "$IMAGE" --helpshort 2>&1) || true
  if grep -q "error while loading shared libraries" <<<"$out"; then
    fail "$bin: $out"
  fi
  grep -qi "usage\|flags" <<<"$out" || fail "$bin --helpshort printed no usage: $out"
done

step "the demo bank's data (nboctl datagen, 2000 customers)"
oneshot -v "$demo_volume:/data" --entrypoint /usr/local/bin/nboctl "$IMAGE" \
  datagen --customers=2000 --catalog=demo8 --seed=42 --out=/data/bank >"$WORK/datagen.log" 2>&1 ||
  { cat "$WORK/datagen.log" >&2; fail "datagen"; }

# start_server: nbo-server on its volume, with the tokens file, as the
# chart's StatefulSet runs it.
start_server() {
  podman run -d --name "$server" "${restricted[@]}" \
    -v "$server_volume:/var/lib/nbo" -v "$WORK/tokens:/etc/nbo/tokens:ro" \
    "$IMAGE" --grpc_addr=0.0.0.0:50051 --metrics_addr=0.0.0.0:9464 \
    --tokens_file=/etc/nbo/tokens/tokens --drain=1s --shutdown_deadline=10s \
    --transaction_retention=87600h >/dev/null
}
# running NAME...: fails at once, with the log's end, if one has stopped.
running() {
  local name
  for name in "$@"; do
    [ "$(podman inspect "$name" --format '{{.State.Running}}')" = true ] ||
      fail "$name stopped: $(podman logs --tail 20 "$name" 2>&1)"
  done
}
# wait_grpc: until nbo-server answers ListModels (admin token) on its gRPC
# port, from a container on the network; it reports SERVING only once a
# version is AVAILABLE, which needs this port first.
wait_grpc() {
  for _ in $(seq 1 60); do
    running "$server"
    oneshot -e NBO_TOKEN="$admin_token" --entrypoint /usr/local/bin/nboctl "$IMAGE" \
      models list --server="$server:50051" >"$WORK/models.txt" 2>&1 && return 0
    sleep 1
  done
  fail "nbo-server did not answer on gRPC in 60 s: $(cat "$WORK/models.txt")"
}
# wait_ready: until the gateway answers /readyz: its upstream reports
# SERVING (a version is AVAILABLE).
wait_ready() {
  for _ in $(seq 1 120); do
    running "$server" "$gateway"
    curl -fsS -o /dev/null "$HTTP/readyz" 2>/dev/null && return 0
    sleep 0.5
  done
  fail "the gateway's /readyz did not answer 200 in 60 s"
}
# stop_cleanly NAME: podman stop sends SIGTERM (the image's STOPSIGNAL) and
# kills after 30 s; the service must have exited 0 on its own, saying why.
stop_cleanly() {
  local name="$1" code
  podman stop -t 30 "$name" >/dev/null
  code=$(podman inspect "$name" --format '{{.State.ExitCode}}')
  [ "$code" = 0 ] || fail "$name exited $code after SIGTERM (137: killed after the 30 s grace)"
  podman logs "$name" >"$WORK/$name.log" 2>&1
  grep -q "SIGTERM received" "$WORK/$name.log" || fail "$name's log does not mention SIGTERM"
}

step "nbo-server and nbo-gateway (read-only, user 10001, gateway on 127.0.0.1:$http_port)"
start_server
podman run -d --name "$gateway" "${restricted[@]}" -p "127.0.0.1:$http_port:8080" \
  --entrypoint /usr/local/bin/nbo-gateway "$IMAGE" \
  --http_addr=0.0.0.0:8080 --upstream="dns:///$server:50051" \
  --static_dir=/usr/share/nbo/dashboard --shutdown_deadline=10s >/dev/null
wait_grpc
running "$gateway"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$HTTP/readyz" || true)
[ "$code" = 503 ] || fail "/readyz answered $code before any model was published, want 503"
podman logs "$server" >"$WORK/server-start.log" 2>&1
grep -q "OPEN MODE" "$WORK/server-start.log" &&
  fail "the server runs open although --tokens_file is given"

step "train and publish the demo model (nbo-trainer in the image)"
train_started=$SECONDS
oneshot -v "$demo_volume:/data:ro" -e NBO_ADMIN_TOKEN="$admin_token" \
  --entrypoint /usr/local/bin/nbo-trainer "$IMAGE" \
  train --data_dir=/data/bank --publish_to="$server:50051" --tune=off --force \
  >"$WORK/train.log" 2>&1 || { tail -30 "$WORK/train.log" >&2; fail "training or publishing"; }
echo "trained and published in $((SECONDS - train_started)) s"
wait_ready

step "load the customers and transactions (nboctl ingest, role ingest)"
oneshot -v "$demo_volume:/data:ro" -e NBO_TOKEN="$ingest_token" \
  --entrypoint /usr/local/bin/nboctl "$IMAGE" \
  ingest --server="$server:50051" --data_dir=/data/bank >"$WORK/ingest.log" 2>&1 ||
  { tail -30 "$WORK/ingest.log" >&2; fail "ingest"; }

step "curl the gateway: health, dashboard, an offer"
[ "$(curl -sS "$HTTP/healthz")" = '{"status":"ok"}' ] || fail "/healthz"
curl -fsS "$HTTP/readyz" >/dev/null || fail "/readyz"
curl -fsS "$HTTP/" >"$WORK/index.html" || fail "GET / (the dashboard)"
grep -qi "<html" "$WORK/index.html" || fail "the dashboard's index.html is not served at /"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$HTTP/v1/customers/C0000042/offers?numOffers=3")
[ "$code" = 401 ] || fail "an offer without a token answered $code, want 401"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $read_token" \
  "$HTTP/v1/customers/C0000042")
[ "$code" = 403 ] || fail "GetCustomer with a read token answered $code, want 403"
curl -fsS -H "Authorization: Bearer $read_token" \
  "$HTTP/v1/customers/C0000042/offers?numOffers=3" >"$WORK/offer.json" ||
  fail "the offer request failed: $(cat "$WORK/offer.json")"
python3 - "$WORK/offer.json" <<'PY' || fail "no offer in the answer: $(cat "$WORK/offer.json")"
import json, sys
answer = json.load(open(sys.argv[1]))
offers = answer.get("offers", [])
assert offers and offers[0].get("productId"), answer
print("offer for C0000042:", ", ".join(o["productId"] for o in offers),
      "(model version %s)" % answer.get("modelVersion", "?"))
PY
curl -fsS "$HTTP/metrics" >"$WORK/metrics.txt" || fail "the gateway's /metrics"
grep -q '^nbo_gateway_' "$WORK/metrics.txt" || fail "the gateway's /metrics has no nbo_gateway_ series"

step "SIGTERM: both exit 0"
stop_cleanly "$gateway"
stop_cleanly "$server"

step "the server again, on its volume: the published version is still served"
podman rm "$server" >/dev/null
start_server
for _ in $(seq 1 30); do
  wait_grpc
  grep -q AVAILABLE "$WORK/models.txt" && break
  sleep 1
done
grep -q AVAILABLE "$WORK/models.txt" ||
  fail "no AVAILABLE version after the restart: $(cat "$WORK/models.txt")"
stop_cleanly "$server"

echo "container_test: passed in $((SECONDS - started)) s"
