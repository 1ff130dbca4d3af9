# Shared by tools/demo.sh and tools/test.sh: install what is missing, then
# configure and build. Source it; do not run it.

NBO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Debian 12 packages the build, the tests and the demo need.
NBO_PACKAGES=(
  cmake ninja-build g++ pkg-config ccache curl python3
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  grpc-proto golang-github-grpc-ecosystem-grpc-gateway-dev
  libabsl-dev libeigen3-dev librocksdb-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev
)
# Extra packages for `tools/test.sh --heavy` (clang -Wthread-safety build).
NBO_HEAVY_PACKAGES=(clang)

nbo_log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Installs the given packages that are not installed yet, as root or through
# sudo. Does nothing (and needs no privileges) when all are present.
nbo_install_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" ||
      missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
      echo "error: missing packages (${missing[*]}) and not root; install them or run as root" >&2
      return 1
    fi
    sudo=(sudo)
  fi
  nbo_log "installing ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# nbo_build BUILD_DIR [cmake -D options...] -- [targets...]
# Configures (once) and builds with every core. ccache keeps rebuilds cheap.
nbo_build() {
  local dir="$1"
  shift
  local cmake_args=() targets=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do cmake_args+=("$1"); shift; done
  [ "${1:-}" = "--" ] && shift
  targets=("$@")
  if [ ! -f "$dir/build.ninja" ]; then
    nbo_log "configuring $dir"
    cmake -S "$NBO_ROOT" -B "$dir" -G Ninja "${cmake_args[@]}" >/dev/null
  fi
  nbo_log "building ${targets[*]:-everything} in $dir"
  local target_args=()
  [ ${#targets[@]} -gt 0 ] && target_args=(--target "${targets[@]}")
  cmake --build "$dir" -j "$(nproc)" "${target_args[@]}"
}
