#!/usr/bin/env bash
# Export the function's source at a commit (function/ and catalyst_dns/) into
# build/bench-src/baseline-<sha>/ and print that folder: the benchmarks run ours at that
# commit beside the working tree's, in the same run (BENCH_BASELINE=<ref>).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
sha=$(git -C "$here" rev-parse --short "$1")
dir="$here/build/bench-src/baseline-$sha"
rm -rf "$dir" && mkdir -p "$dir"
git -C "$here" archive "$sha" function catalyst_dns | tar -x -C "$dir"
echo "$dir"
