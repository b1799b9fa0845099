#!/usr/bin/env bash
# Start the real OCI registry (Debian's docker-registry, distribution 2.8) on
# 127.0.0.1 with a free port and its storage under DIR, for tests and manual
# checks:   tests/registry/start_registry.sh DIR
# Prints the port; DIR/pid holds the pid (stop with: kill "$(cat DIR/pid)").
# Exit 77 when /usr/bin/docker-registry is absent (ctest's "skipped").
set -euo pipefail
dir=${1:?usage: start_registry.sh DIR}
bin=${DOCKER_REGISTRY:-/usr/bin/docker-registry}
[[ -x $bin ]] || { echo "SKIP: $bin absent" >&2; exit 77; }
mkdir -p "$dir/data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$dir/config.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YML
"$bin" serve "$dir/config.yml" >"$dir/log" 2>&1 &
echo $! >"$dir/pid"
for _ in $(seq 100); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/v2/" 2>/dev/null; then
    echo "$port"
    exit 0
  fi
  sleep 0.1
done
echo "docker-registry did not start; log:" >&2
cat "$dir/log" >&2
kill "$(cat "$dir/pid")" 2>/dev/null || true
exit 1
