#!/usr/bin/env bash
# Export the function at a commit into build/bench-src/baseline-<sha>/ and print that folder:
# the benchmarks run ours at that commit beside the working tree's, in the same run
# (BENCH_BASELINE=<ref>).
#
# A commit whose image ran the composition path compiled is exported as that build
# (scripts/build-wheel.sh --commit: its sources and pinned build tools, compiled once and
# kept like the working tree's), with a .compiled mark. Measured as pure Python instead, a
# compiled commit would look ~30% slower than what it shipped, and the before/after table would
# credit the working tree with the compiler's gain. Earlier commits are their sources.
set -euo pipefail
shopt -s inherit_errexit
here=$(cd "$(dirname "$0")/.." && pwd)
sha=$(git -C "$here" rev-parse --short "$1")
dir="$here/build/bench-src/baseline-$sha"
rm -rf "$dir" && mkdir -p "$dir"
compiled=$("$here/scripts/build-wheel.sh" --commit "$sha")
if [ -n "$compiled" ]; then
  ln -s "$compiled"/*__mypyc*.so "$compiled/catalyst_dns" "$compiled/function" "$dir/"
  touch "$dir/.compiled"
else
  git -C "$here" archive "$sha" function catalyst_dns | tar -x -C "$dir"
fi
echo "$dir"
