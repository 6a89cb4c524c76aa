#!/usr/bin/env bash
# Installs what Berth needs on a fresh Debian 12 machine (as root) and builds it.
# Idempotent: safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t pkgs < <(grep -v '^\s*#' scripts/apt-packages.txt | grep -v '^\s*$')
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# the daemon socket's group, as Docker's `docker` group: members use berth without sudo
getent group berth >/dev/null || groupadd --system berth
# rootless mode: pasta opens /dev/net/tun and fuse-overlayfs /dev/fuse as the user. udev makes both 0666
# on a booted Debian; a machine without udev (a container, some VMs) has them 0600 root, and every rootless
# container network (and the fuse-overlayfs storage) fails
for dev in /dev/net/tun /dev/fuse; do
  if [ -c "$dev" ] && [ "$(stat -c %a "$dev")" != 666 ]; then chmod 0666 "$dev"; fi
done
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
