#!/usr/bin/env bash
# The dashboard's numbers of issue 12, measured in Debian's Chromium with
# the Performance API (tests/e2e/perf.spec.ts): over 50 lookups of
# different demo customers, Enter to offers rendered, p50 and p95; the
# JavaScript and CSS transferred, raw and gzipped; first paint of / over 5
# cold loads. Real nbo-server and nbo-gateway processes, 300 demo customers.
# Prints the report and writes it to build/tests/e2e/perf.json.
#
# Usage: tests/bench/dashboard_bench.sh [--build=DIR]
#   (after tools/test.sh, which builds the dashboard and installs the npm
#   packages and Chromium)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="$ROOT/build"
for arg in "$@"; do
  case "$arg" in
    --build=*) BUILD="$(cd "${arg#*=}" && pwd)" ;;
    *) sed -n '2,12p' "$0" >&2; exit 2 ;;
  esac
done
[ -f "$BUILD/services/dashboard/dist/index.html" ] || {
  echo "build the dashboard first: cmake --build $BUILD --target dashboard (tools/test.sh does)" >&2
  exit 1
}
[ -d "$ROOT/tests/e2e/node_modules/@playwright/test" ] || {
  echo "npm ci in tests/e2e first (tools/test.sh does)" >&2
  exit 1
}
cd "$ROOT/tests/e2e"
NBO_E2E_PERF=1 NBO_E2E_BUILD_DIR="$BUILD" \
  NBO_E2E_DASHBOARD="$BUILD/services/dashboard/dist" NBO_E2E_OUT="$BUILD/tests/e2e" \
  node node_modules/@playwright/test/cli.js test perf.spec.ts --reporter=line
