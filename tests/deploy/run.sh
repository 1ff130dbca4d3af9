#!/usr/bin/env bash
# Runs tests/deploy/check_deploy.mjs with the real helm (k8s_tools.sh) and
# Debian's promtool. CTest runs it (label deploy);
# tools/test.sh installs what it needs first (unzip, promtool with
# nbo_promtool, npm ci here).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/k8s_tools.sh"
nbo_k8s_tools
command -v promtool >/dev/null || {
  echo "tests/deploy: promtool is missing (tools/lib/common.sh nbo_promtool)" >&2
  exit 1
}
exec node "$here/check_deploy.mjs"
