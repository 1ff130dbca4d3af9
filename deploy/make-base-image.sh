#!/usr/bin/env bash
# Makes the Debian 12 base image deploy/Dockerfile builds on, where no
# container registry is reachable: debootstrap (minbase) from Debian's
# archive, trimmed the way debian:bookworm-slim is, then `podman import`.
# With --build it also builds nbo's image (podman build, niced).
#
#   deploy/make-base-image.sh            localhost/nbo-debian:bookworm
#   deploy/make-base-image.sh --build    and localhost/nbo:dev
#
# Needs root (debootstrap); installs Debian's debootstrap and podman if
# missing (tools/lib/common.sh nbo_podman, which also adapts podman to
# hosts its defaults cannot run containers on). The root filesystem is cached in $NBO_BASE_DIR (default
# build-image/); delete it, or the image, to start again. The build's
# compiler cache and RocksDB live in buildah's cache mounts
# (/var/tmp/buildah-cache), so a rebuild after a source change only
# recompiles what changed. With a registry at hand, skip all this and run
# `docker build -f deploy/Dockerfile -t nbo:dev .`.
set -euo pipefail
source "$(dirname "$0")/../tools/lib/common.sh"
cd "$NBO_ROOT"

build=0
for arg in "$@"; do
  case "$arg" in
    --build) build=1 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "usage: deploy/make-base-image.sh [--build]" >&2; exit 2 ;;
  esac
done

base_image=localhost/nbo-debian:bookworm
# Raised whenever the recipe below changes: an image of another recipe is
# made again (the root filesystem cache is kept).
recipe=3
dir="${NBO_BASE_DIR:-$NBO_ROOT/build-image}"
mirror="${NBO_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
nbo_podman

# slim ROOTFS: what debian:bookworm-slim leaves out (documentation but the
# copyright files, manual pages, translations), both now and for every
# package installed later (dpkg path-exclude), and no .deb kept after apt
# installs (the build stage keeps them in a cache mount instead).
slim() {
  local rootfs="$1"
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/nbo-slim" <<'CFG'
# Like debian:bookworm-slim: no documentation but copyright, no manual
# pages, no translations.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/info/*
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
CFG
  cat >"$rootfs/etc/apt/apt.conf.d/nbo-slim" <<'CFG'
// Images keep no downloaded packages and no translated package lists.
APT::Keep-Downloaded-Packages "false";
Acquire::Languages "none";
CFG
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$rootfs"/usr/share/info/* "$rootfs"/usr/share/man/* \
    "$rootfs"/usr/share/groff/* "$rootfs"/usr/share/lintian/* "$rootfs"/usr/share/locale/*
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/*
}

if [ "$(podman image inspect "$base_image" --format '{{index .Labels "nbo.base.recipe"}}' 2>/dev/null)" != "$recipe" ]; then
  rootfs="$dir/rootfs"
  if [ ! -x "$rootfs/usr/bin/apt-get" ]; then
    nbo_log "debootstrap bookworm (minbase) into $rootfs"
    rm -rf "$rootfs"
    mkdir -p "$dir"
    nice -n 15 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >&2
    # Security and point-release updates, as debian:bookworm has them.
    cat >"$rootfs/etc/apt/sources.list" <<LIST
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
LIST
  fi
  slim "$rootfs"
  # An imported image has no environment: PATH as debian:bookworm sets it
  # (without it, `podman kube play` finds no command by name).
  nbo_log "podman import -> $base_image"
  tar -C "$rootfs" --numeric-owner -c . |
    podman import --change 'CMD ["/bin/bash"]' --change "LABEL nbo.base.recipe=$recipe" \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      - "$base_image" >/dev/null
fi
echo "$base_image"

if [ $build -eq 1 ]; then
  nbo_log "podman build -> localhost/nbo:dev"
  started=$SECONDS
  # Docker's image format: OCI's has no SHELL (the build stage's bash with
  # pipefail) and no HEALTHCHECK.
  # The host's trust store as the build secret build-ca: npm in the build
  # reaches its registry through whatever TLS proxy the host trusts.
  ca=()
  ca_file="${NBO_BUILD_CA_FILE:-/etc/ssl/certs/ca-certificates.crt}"
  [ -s "$ca_file" ] && ca=(--secret "id=build-ca,src=$ca_file")
  nice -n 15 podman build --format docker -f deploy/Dockerfile "${ca[@]}" \
    --build-arg BUILD_BASE="$base_image" --build-arg RUNTIME_BASE="$base_image" \
    -t localhost/nbo:dev .
  nbo_log "built localhost/nbo:dev in $((SECONDS - started)) s"
  podman image inspect localhost/nbo:dev --format 'image size: {{.Size}} bytes'
fi
