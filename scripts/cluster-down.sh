#!/usr/bin/env bash
# Stop the stack scripts/cluster-up.sh started, by the pids it recorded in build/cluster/pids
# (already in stop order: Crossplane, the function, kube-controller-manager, kube-apiserver,
# etcd last, since the API server hangs when etcd goes first). A pid is only signalled while
# it still runs the binary it was recorded with; its process group is signalled (each was
# started in a session of its own, and the function run from its image is unshare over the
# entrypoint). Needs no Python.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir="${CLUSTER_DIR:-$here/build/cluster}"
pids="$dir/pids"
if [ ! -f "$pids" ]; then
  echo "no stack runs from $dir" >&2
  exit 0
fi
while read -r name pid binary; do
  [ -n "$pid" ] || continue
  # Read whole, then matched: `tr | grep -q` fails under pipefail when grep stops before tr ends.
  cmdline=$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline") || cmdline=""  # 2> first: a gone pid says nothing
  if ! grep -qxF "$binary" <<<"$cmdline"; then
    echo "$name (pid $pid) is not running" >&2
    continue
  fi
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$name (pid $pid) ignored SIGTERM for 15 s; killing it" >&2
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  echo "stopped $name (pid $pid)" >&2
done <"$pids"
rm -f "$pids"
