#!/usr/bin/env bash
# Sets up Berth, starts the daemon (if none answers on the default socket),
# makes a busybox image from the host's static busybox and runs a container.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! bin/berth version >/dev/null 2>&1; then
  mkdir -p /var/log
  nohup bin/berth daemon >>/var/log/berth.log 2>&1 &
  for _ in $(seq 1 100); do bin/berth version >/dev/null 2>&1 && break; sleep 0.1; done
fi
if ! bin/berth image inspect busybox:latest >/dev/null 2>&1; then
  node -e "require('./dist/test/kit/busybox.js').makeBusyboxTar('/tmp/berth-busybox.tar').then(()=>{})"
  bin/berth import /tmp/berth-busybox.tar busybox:latest >/dev/null
  rm -f /tmp/berth-busybox.tar
fi
bin/berth run --rm busybox sh -c 'echo "Hello from Berth: PID $$ in container $(hostname), as $(id -un)"'
echo "The daemon keeps running (socket /run/berth/berth.sock). Try: bin/berth run --rm -it busybox sh"
echo "Or the real docker CLI: DOCKER_HOST=unix:///run/berth/berth.sock docker ps -a"
