#!/usr/bin/env bash
# Installs and starts a Docker engine (26, BuildKit, buildx, compose, containerd image
# store, QEMU binfmt) on a Debian/Ubuntu host where none answers. Safe to run twice:
# it does nothing when `docker info` already answers.
set -euo pipefail

log() { printf '[setup-engine] %s\n' "$*"; }
die() { printf '[setup-engine] error: %s\n' "$*" >&2; exit 1; }

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

ensure_binfmt() {
  # Multi-platform lessons run arm64 binaries under QEMU.
  if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null \
      || log "warning: could not mount binfmt_misc (arm64 emulation unavailable)"
  fi
  if command -v update-binfmts >/dev/null 2>&1; then
    update-binfmts --enable >/dev/null 2>&1 || true
  fi
}

# The course site's browser test drives Debian's Chromium (headless, no download of its own).
ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing chromium (the course site's browser test)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null \
      || log "warning: could not install chromium; the site's browser test will be skipped"
  fi
}

if engine_answers; then
  log "a Docker engine already answers; nothing to install"
  if ! docker buildx version >/dev/null 2>&1; then
    log "warning: docker buildx is missing; install the buildx plugin (Docker Desktop ships it)"
  fi
  ensure_chromium
  exit 0
fi

[ "$(id -u)" = 0 ] || die "no Docker engine answers and installing one needs root: run with sudo"
command -v apt-get >/dev/null 2>&1 || die "no Docker engine answers and this is not a Debian/Ubuntu host: install Docker (Docker Desktop on macOS/Windows)"

. /etc/os-release
export DEBIAN_FRONTEND=noninteractive

if ! command -v dockerd >/dev/null 2>&1; then
  if [ "${ID:-}" = debian ] && [ "${VERSION_CODENAME:-}" = bookworm ]; then
    # bookworm's docker.io is 20.10 (no containerd store, no buildx): take Docker 26 from
    # trixie, pinned low so nothing else is upgraded; runc and tini stay bookworm's (libc).
    mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=$(awk '/^deb / && $3 ~ /bookworm$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$mirror" ] || die "could not find the Debian archive in the apt sources"
    cat >/etc/apt/sources.list.d/stagecraft-trixie.sources <<SRC
Types: deb
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    cat >/etc/apt/preferences.d/stagecraft-trixie <<PREF
Package: *
Pin: release n=trixie
Pin-Priority: 100
PREF
    log "installing Docker 26 from trixie (about 20 s)"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends -t trixie \
      docker.io docker-cli containerd docker-buildx docker-compose runc/bookworm tini/bookworm \
      iptables ca-certificates >/dev/null
  else
    log "installing docker.io, buildx and compose from the distribution"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends docker.io docker-buildx docker-compose-v2 iptables >/dev/null \
      || apt-get install -y -qq --no-install-recommends docker.io docker-buildx docker-compose iptables >/dev/null
  fi
fi

# Tools for multi-platform builds, for building base images without a registry, and the
# registry program (docker-registry) that lesson 09's checks run on a loopback port.
missing=()
for pkg in qemu-user-static binfmt-support mmdebstrap docker-registry chromium; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ " ${missing[*]} " == *" docker-registry "* ]]; then
    # The package may start a registry service listening on every interface; the checks
    # start their own on loopback, so it stays off.
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
      systemctl disable --now docker-registry >/dev/null 2>&1 || true
    elif [ -x /etc/init.d/docker-registry ]; then
      /etc/init.d/docker-registry stop >/dev/null 2>&1 || true
    fi
  fi
fi
ensure_binfmt

mkdir -p /etc/docker
if [ ! -s /etc/docker/daemon.json ]; then
  # The containerd image store: multi-platform images and cache export with the default driver.
  echo '{"features":{"containerd-snapshotter":true}}' >/etc/docker/daemon.json
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  log "starting dockerd"
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl start docker
  else
    mkdir -p /var/log
    nohup dockerd >/var/log/stagecraft-dockerd.log 2>&1 &
  fi
fi

for _ in $(seq 1 60); do
  engine_answers && break
  sleep 1
done
engine_answers || die "dockerd did not answer within 60 s; see /var/log/stagecraft-dockerd.log"
log "engine ready: $(docker version --format 'Docker {{.Server.Version}}') $(docker buildx version | awk '{print $1, $2}')"
