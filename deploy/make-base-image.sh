#!/usr/bin/env bash
# Makes the Debian 12 base image deploy/Dockerfile builds on, where no
# container registry is reachable: debootstrap (minbase) from Debian's
# archive, then `podman import`. With --build it also builds nbo's image.
#
#   deploy/make-base-image.sh            localhost/nbo-debian:bookworm
#   deploy/make-base-image.sh --build    and localhost/nbo:dev
#
# Needs root (debootstrap), Debian's debootstrap and podman (installed if
# missing). The root filesystem is cached in $NBO_BASE_DIR (default
# build-image/); delete it to start again. With a registry at hand, skip
# this and run `docker build -f deploy/Dockerfile -t nbo:dev .`.
set -euo pipefail
source "$(dirname "$0")/../tools/lib/common.sh"
cd "$NBO_ROOT"

build=0
for arg in "$@"; do
  case "$arg" in
    --build) build=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "usage: deploy/make-base-image.sh [--build]" >&2; exit 2 ;;
  esac
done

base_image=localhost/nbo-debian:bookworm
dir="${NBO_BASE_DIR:-$NBO_ROOT/build-image}"
mirror="${NBO_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
nbo_install_packages debootstrap podman

if ! podman image exists "$base_image"; then
  rootfs="$dir/rootfs"
  if [ ! -x "$rootfs/usr/bin/apt-get" ]; then
    nbo_log "debootstrap bookworm (minbase) into $rootfs"
    rm -rf "$rootfs"
    mkdir -p "$dir"
    nice debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >&2
    # Security and point-release updates, as debian:bookworm has them.
    cat >"$rootfs/etc/apt/sources.list" <<LIST
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
LIST
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin
  fi
  nbo_log "podman import -> $base_image"
  tar -C "$rootfs" --numeric-owner -c . |
    podman import --change 'CMD ["/bin/bash"]' - "$base_image" >/dev/null
fi
echo "$base_image"

if [ $build -eq 1 ]; then
  nbo_log "podman build -> localhost/nbo:dev"
  nice podman build -f deploy/Dockerfile \
    --build-arg BUILD_BASE="$base_image" --build-arg RUNTIME_BASE="$base_image" \
    -t localhost/nbo:dev .
  podman image inspect localhost/nbo:dev --format 'image size: {{.Size}} bytes'
fi
