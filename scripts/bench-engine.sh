#!/usr/bin/env bash
# The benchmark on the real engine (not part of the test run): every claim of a Sovereign
# composed at once on a fresh control plane; rewrites BENCHMARKS-engine.md.
#
#   scripts/bench-engine.sh                         # the working tree's function
#   BENCH_BASELINE=<ref> scripts/bench-engine.sh    # also a commit's, on its own fresh stack
#   BENCH_WORKLOADS="300:3 1:1000" scripts/bench-engine.sh   # CLAIMS:HOSTNAMES (default 150:3 1:1000)
#   BENCH_REST_MINUTES=6 scripts/bench-engine.sh   # record six minutes at rest, minute by minute (default 3)
#   BENCH_NO_REALTIME=0 scripts/bench-engine.sh     # leave out the column with realtime compositions off
#   BENCH_WARM_UP=1 scripts/bench-engine.sh         # compose a small claim per kind and provider first
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

py="$here/.venv-function/bin/python"
[ -x "$py" ] || scripts/setup-venvs.sh
bins=$(scripts/build-control-plane.sh v2)  # built once, keyed by version (DESIGN.md §12)

args=(--bin "$bins" --source "working tree at $(git rev-parse --short HEAD)$(git diff --quiet -- function catalyst_dns || echo ' + uncommitted changes')")
for w in ${BENCH_WORKLOADS:-150:3 1:1000}; do args+=(--workload "$w"); done
args+=(--rest-minutes "${BENCH_REST_MINUTES:-3}")
[ "${BENCH_NO_REALTIME:-1}" = 0 ] || args+=(--no-realtime)
[ -z "${BENCH_WARM_UP:-}" ] || args+=(--warm-up)
if [ -n "${BENCH_BASELINE:-}" ]; then
  base_src=$(scripts/export-baseline.sh "$BENCH_BASELINE")
  args+=(--baseline "$base_src" --baseline-label "ours at $(git rev-parse --short "$BENCH_BASELINE")")
fi
"$py" -m benchmarks.engine "${args[@]}" --write "$here/BENCHMARKS-engine.md"
