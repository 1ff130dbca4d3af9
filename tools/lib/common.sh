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

# nbo_tsan_absl DIR: builds Abseil with -fsanitize=thread into DIR/install
# (once) and prints that prefix. Debian's libabsl is not instrumented, and
# ThreadSanitizer cannot see absl::Mutex (futex-based) in an uninstrumented
# library, so every lock would look like a race. The source is Debian's own
# abseil source package, fetched with a temporary deb-src list; the system's
# apt configuration is not changed. It keeps upstream's inline namespace
# (lts_20220623), so it cannot clash with Debian's (debian3).
nbo_tsan_absl() {
  local dir="$1"
  local prefix="$dir/install"
  if [ -f "$prefix/lib/cmake/absl/abslConfig.cmake" ]; then
    echo "$prefix"
    return 0
  fi
  mkdir -p "$dir/apt/lists/partial" "$dir/src"
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  local list="$dir/apt/sources.list"
  echo "deb-src http://deb.debian.org/debian bookworm main" >"$list"
  echo "deb-src http://deb.debian.org/debian bookworm-updates main" >>"$list"
  echo "deb-src http://deb.debian.org/debian-security bookworm-security main" >>"$list"
  local apt_opts=(-o "Dir::Etc::SourceList=$list" -o Dir::Etc::SourceParts=/dev/null
                  -o "Dir::State::Lists=$dir/apt/lists")
  nbo_log "fetching Debian's abseil source for the ThreadSanitizer build"
  "${sudo[@]}" apt-get "${apt_opts[@]}" update -qq >&2
  (cd "$dir/src" && "${sudo[@]}" apt-get "${apt_opts[@]}" source --download-only abseil >&2)
  "${sudo[@]}" chown -R "$(id -u):$(id -g)" "$dir"
  local tarball
  tarball=$(ls "$dir"/src/abseil_*.orig.tar.gz | head -n 1)
  rm -rf "$dir/src/tree" && mkdir -p "$dir/src/tree"
  tar -xzf "$tarball" -C "$dir/src/tree" --strip-components=1
  nbo_log "building Abseil with -fsanitize=thread (a few minutes, once)"
  cmake -S "$dir/src/tree" -B "$dir/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_STANDARD=20 -DABSL_PROPAGATE_CXX_STD=ON -DABSL_BUILD_TESTING=OFF \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    "-DCMAKE_CXX_FLAGS=-fsanitize=thread -fno-omit-frame-pointer" \
    -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
  cmake --build "$dir/build" -j "$(nproc)" >&2
  cmake --install "$dir/build" >/dev/null
  echo "$prefix"
}
