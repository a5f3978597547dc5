#!/usr/bin/env bash
# Export the function at a commit into build/bench-src/baseline-<sha>/ and print that folder:
# the benchmarks run ours at that commit beside the working tree's, in the same run
# (BENCH_BASELINE=<ref>).
#
# A commit whose image ran the composition path compiled (its pyproject.toml configures the
# mypyc hook) is exported as that build: its wheel, built from its own sources and pinned build
# tools by scripts/build-wheel.sh, unpacked over its source. Measured as pure Python instead,
# a compiled commit would look ~30% slower than what it shipped, and the before/after table
# would credit the working tree with the compiler's gain. Earlier commits are their sources.
set -euo pipefail
shopt -s inherit_errexit
here=$(cd "$(dirname "$0")/.." && pwd)
sha=$(git -C "$here" rev-parse --short "$1")
dir="$here/build/bench-src/baseline-$sha"
rm -rf "$dir" && mkdir -p "$dir"
git -C "$here" archive "$sha" function catalyst_dns | tar -x -C "$dir"
pyproject=$(git -C "$here" show "$sha:pyproject.toml")  # read whole: `| grep -q` fails under pipefail
if [[ $pyproject == *"hooks.mypyc"* ]]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mkdir "$work/src"
  git -C "$here" archive "$sha" pyproject.toml README.md package/lock/build.txt catalyst_dns function components |
    tar -x -C "$work/src"
  echo "[export-baseline] compiling $sha's wheel as its image built it" >&2
  wheel=$("$here/scripts/build-wheel.sh" "$work/src" "$work/dist")
  /usr/bin/python3.11 -m zipfile -e "$wheel" "$dir"
  touch "$dir/.compiled"
fi
echo "$dir"
