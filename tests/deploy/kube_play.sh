#!/usr/bin/env bash
# The Helm chart's pods under `podman kube play` (podman 4.3, Debian 12), as
# far as podman goes: helm template renders helm/nbo-engine with the image
# localhost/nbo:dev (deploy/make-base-image.sh --build makes it);
# kube_play.mjs turns the server's StatefulSet into its first Pod with a
# PersistentVolumeClaim (podman plays Pods, Deployments and PVCs only), the
# chart's Secret into a podman secret, and gives the Deployments the
# Services' cluster names in /etc/hosts (podman has no Services). Then the
# server pod and the Deployments' pods (gateway, trainer) run as rendered:
# their securityContext, probes, volumes, tokens Secret. A model is
# published into the server pod with nbo-trainer (the chart's admin token),
# the gateway pod must answer /readyz and an offer, and every container must
# stop on SIGTERM with status 0. NetworkPolicies, PodDisruptionBudgets, the
# HPA, Services and the ServiceAccount are not podman's business: listed,
# not played. Everything it creates is removed on exit.
#
# CTest deploy_kube_play (label heavy: tools/test.sh --heavy, after
# deploy_container builds the image), or by hand as root (docs/deploy.md
# says what it showed):
#   tests/deploy/kube_play.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
source "$ROOT/tools/lib/common.sh"
HERE="$ROOT/tests/deploy"
# NBO_KUBE_PLAY_TAG: another tag of localhost/nbo to play (default dev).
tag="${NBO_KUBE_PLAY_TAG:-dev}"
IMAGE="localhost/nbo:$tag"

fail() {
  echo "kube_play: FAIL: $*" >&2
  exit 1
}
step() { nbo_log "kube_play: $*"; }

[ "$(id -u)" -eq 0 ] || fail "needs root (rootful podman)"
nbo_podman
podman image exists "$IMAGE" || fail "$IMAGE is missing: deploy/make-base-image.sh --build"
nbo_install_packages "${NBO_DEPLOY_PACKAGES[@]}"
nbo_npm_ci "$HERE"
source "$HERE/k8s_tools.sh"
nbo_k8s_tools

WORK="$(mktemp -d)"
network="nbo-kube-$$"
secrets=()
cleanup() {
  local status=$?
  if [ $status -ne 0 ]; then
    for c in $(podman ps -a --format '{{.Names}}' 2>/dev/null | grep '^nbo-nbo-engine-'); do
      echo "---- podman logs $c (last 30 lines)" >&2
      podman logs --tail 30 "$c" >&2 2>&1 || true
    done
  fi
  for f in "$WORK/apps.yaml" "$WORK/server.yaml"; do
    [ -s "$f" ] && podman kube down "$f" >/dev/null 2>&1 || true
  done
  podman rm -f -v "$network-train" >/dev/null 2>&1 || true
  # Secret volumes become named volumes, which a later play would reuse.
  podman volume rm -f data-nbo-nbo-engine-server-0 "$network-demo" "${secrets[@]}" >/dev/null 2>&1 || true
  for s in "${secrets[@]}"; do podman secret rm "$s" >/dev/null 2>&1 || true; done
  podman network rm -f "$network" >/dev/null 2>&1 || true
  rm -rf "$WORK"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "helm template helm/nbo-engine (image $IMAGE)"
"$NBO_HELM" template nbo "$ROOT/helm/nbo-engine" \
  --set image.repository=localhost/nbo --set image.tag="$tag" \
  --set image.pullPolicy=Never >"$WORK/rendered.yaml"
node "$HERE/kube_play.mjs" "$WORK/rendered.yaml" "$WORK"
echo "not played (no such kind in podman kube play):"
sed 's/^/  /' "$WORK/skipped.txt"

podman network create "$network" >/dev/null
for f in "$WORK"/secret-*.json; do
  name=$(basename "$f" .json)
  name=${name#secret-}
  podman secret create "$name" "$f" >/dev/null
  secrets+=("$name")
done
admin_token=$(node -e '
  const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  process.stdout.write(s.data["admin-token"]);
' "$WORK/secret-nbo-nbo-engine-auth.json")

step "podman kube play: nbo-server (the StatefulSet's pod, with its PVC)"
podman kube play --network "$network" "$WORK/server.yaml"
server_ip=""
for _ in $(seq 1 30); do
  server_ip=$(podman inspect nbo-nbo-engine-server-0-nbo-server \
    --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' 2>/dev/null || true)
  [ -n "$server_ip" ] && break
  sleep 1
done
[ -n "$server_ip" ] || fail "the server pod has no address"
echo "server pod at $server_ip"

step "podman kube play: the Deployments (gateway, trainer), Services as /etc/hosts names"
node "$HERE/kube_play.mjs" "$WORK/rendered.yaml" "$WORK" --ip "server=$server_ip"
podman kube play --network "$network" "$WORK/apps.yaml"
gateway_ip=$(podman inspect nbo-nbo-engine-gateway-pod-0-nbo-gateway \
  --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}')
HTTP="http://$gateway_ip:8080"

step "every container runs"
sleep 3
# The pods' own containers (podman names them POD-CONTAINER); their infra
# containers hold the network.
podman ps -a --format '{{.Names}} {{.Status}}' | grep '^nbo-nbo-engine-' | tee "$WORK/ps.txt"
[ "$(wc -l <"$WORK/ps.txt")" -eq 3 ] || fail "want 3 containers (server, gateway, trainer)"
while read -r name rest; do
  case "$rest" in Up*) ;; *) fail "$name is not running: $rest" ;; esac
done <"$WORK/ps.txt"

# What the chart's securityContext asked for, as podman applied it.
while read -r name rest; do
  sec=$(podman inspect "$name" --format '{{.HostConfig.ReadonlyRootfs}} {{.Config.User}} {{len .HostConfig.CapAdd}}')
  echo "$name: read-only root, user, added capabilities: $sec"
  echo "  probe as podman health check: $(podman inspect "$name" --format '{{if .Config.Healthcheck}}{{json .Config.Healthcheck.Test}}{{else}}none{{end}}')"
  case "$sec" in "true 10001:10001 0") ;; *) fail "$name runs with '$sec', want 'true 10001:10001 0'" ;; esac
done <"$WORK/ps.txt"

step "publish the demo model into the server pod (nbo-trainer, the chart's admin token)"
podman volume create "$network-demo" >/dev/null
podman run --rm --network "$network" --user 10001:10001 -v "$network-demo:/data" \
  --entrypoint /usr/local/bin/nboctl "$IMAGE" \
  datagen --customers=2000 --catalog=demo8 --seed=42 --out=/data/bank >/dev/null
podman run --rm --network "$network" --user 10001:10001 -v "$network-demo:/data:ro" \
  -e NBO_ADMIN_TOKEN="$admin_token" --entrypoint /usr/local/bin/nbo-trainer "$IMAGE" \
  train --data_dir=/data/bank --publish_to="$server_ip:50051" --tune=off --force \
  >"$WORK/train.log" 2>&1 || { tail -20 "$WORK/train.log" >&2; fail "training or publishing"; }

step "the gateway pod answers"
for _ in $(seq 1 60); do
  curl -fsS -o /dev/null "$HTTP/readyz" 2>/dev/null && break
  sleep 0.5
done
curl -fsS "$HTTP/readyz" || fail "gateway /readyz"
echo
curl -fsS -H "Authorization: Bearer $admin_token" \
  "$HTTP/v1/customers/C0000042/offers?numOffers=2" >"$WORK/offer.json" ||
  fail "no offer: $(cat "$WORK/offer.json")"
head -c 300 "$WORK/offer.json"
echo

step "SIGTERM: every pod stops, every container with status 0"
podman pod stop -t 30 nbo-nbo-engine-gateway-pod-0 nbo-nbo-engine-trainer-pod-0 \
  nbo-nbo-engine-server-0 >/dev/null
for c in nbo-nbo-engine-gateway-pod-0-nbo-gateway nbo-nbo-engine-trainer-pod-0-nbo-trainer \
    nbo-nbo-engine-server-0-nbo-server; do
  code=$(podman inspect "$c" --format '{{.State.ExitCode}}')
  echo "$c exited $code"
  [ "$code" = 0 ] || fail "$c exited $code"
done
echo "kube_play: passed"
