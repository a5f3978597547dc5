#!/usr/bin/env bash
# The benchmark (not part of the test run): ours beside the floor and the go-templating peer,
# on the same requests, 1 and 16 streams; prints the table and rewrites BENCHMARKS.md.
#
#   scripts/bench.sh            # measure the working tree
#   BENCH_REF=HEAD scripts/bench.sh   # measure a commit's function (the harness from the working tree)
#   BENCH_QUICK=1 scripts/bench.sh    # short runs, to check the harness (does not write BENCHMARKS.md)
#   BENCH_BASELINE=<ref> scripts/bench.sh  # also measure ours at <ref> in the same run (before/after)
# A full run also counts instructions per first composition under callgrind (benchmarks/instructions.py)
# and times them in-process with warm and cold caches (benchmarks/warmth.py).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

py="$here/.venv-function/bin/python"
[ -x "$py" ] || scripts/setup-venvs.sh
"$py" -c "import psutil, pyinstrument" 2>/dev/null || scripts/setup-venvs.sh

# Every target (ours, ours-before, the floor, the client) runs on the interpreter the runtime
# image ships: Debian bookworm's python3.11 (scripts/build-package.sh installs that package),
# which runs our handler 12-14% faster than the pyenv build the tests use. Its venv holds the
# same pinned packages; without that interpreter the bench says so and uses the test venv.
image_python=/usr/bin/python3.11
if [ -x "$image_python" ]; then
  bench_venv="$here/.venv-bench"
  [ -x "$bench_venv/bin/python" ] || uv venv --quiet --python "$image_python" "$bench_venv"
  uv pip install --quiet --python "$bench_venv/bin/python" -e ".[function,dev,bench]"
  py="$bench_venv/bin/python"
else
  echo "no $image_python (the runtime image's interpreter) here: measuring with $py" >&2
fi

# The peer: function-go-templating, pinned as a tool of a small Go module, built once.
gt_version=v0.4.1
gt_bin="$here/build/peers/function-go-templating-$gt_version"
if [ ! -x "$gt_bin" ]; then
  echo "building function-go-templating $gt_version (once)..." >&2
  mkdir -p "$(dirname "$gt_bin")"
  (cd benchmarks/peers/go-templating &&
    GONOSUMDB='github.com/crossplane-contrib/*' GOFLAGS=-buildvcs=false \
      go build -trimpath -ldflags "-s -w" -o "$gt_bin" github.com/crossplane-contrib/function-go-templating)
fi

# Which function source: the working tree, or a commit's (exported beside the harness).
src="$here"
label="working tree at $(git rev-parse --short HEAD)$(git diff --quiet -- function catalyst_dns || echo ' + uncommitted changes')"
if [ -n "${BENCH_REF:-}" ]; then
  sha=$(git rev-parse --short "$BENCH_REF")
  src="$here/build/bench-src/$sha"
  rm -rf "$src" && mkdir -p "$src"
  git archive "$sha" function catalyst_dns tests | tar -x -C "$src"
  ln -sfn "$here/../shared" "$here/build/bench-src/shared"  # the CRDs, where the exported tests look (../shared)
  cp -r benchmarks "$src/"
  label="commit $sha"
fi

# Ours is what the image runs: the wheel as scripts/build-package.sh builds it (mypyc-compiled,
# scripts/build-wheel.sh), of the working tree or of BENCH_REF's commit, beside its harness; a
# commit from before the compiled path runs as its source. The baseline likewise is what its
# commit's image ran (scripts/export-baseline.sh), so the two sides are built alike.
profile_src="$src"  # a Python profiler sees nothing inside compiled functions: it profiles the source
if [ -n "${BENCH_REF:-}" ]; then
  compiled=$(scripts/build-wheel.sh --commit "$sha")
else
  compiled=$(scripts/build-wheel.sh --tree)
fi
if [ -n "$compiled" ]; then
  harness="$src"  # benchmarks/ and tests/: the working tree's, or the commit's export
  src="$here/build/bench-src/ours-compiled"
  rm -rf "$src" && mkdir -p "$src"
  ln -s "$compiled"/*__mypyc*.so "$compiled/catalyst_dns" "$compiled/function" "$harness/benchmarks" \
    "$harness/tests" "$src/"
  label="$label, compiled as the image builds it ($(basename "$compiled"))"
fi

logs="$here/build/bench-logs"
mkdir -p "$logs"
args=(--go-templating "$gt_bin" --logs "$logs" --source "$label")
if [ -n "${BENCH_BASELINE:-}" ]; then
  base_src=$(scripts/export-baseline.sh "$BENCH_BASELINE")
  base_label="commit $(git rev-parse --short "$BENCH_BASELINE")"
  [ ! -f "$base_src/.compiled" ] || base_label="$base_label, compiled as its image built it"
  args+=(--baseline "$base_src" --baseline-label "$base_label")
fi
cd "$src"
if [ -n "${BENCH_QUICK:-}" ]; then
  args+=(--quick)
else
  echo "profiling the large Gslb in-process (pyinstrument)..." >&2
  (cd "$profile_src" && "$py" -m benchmarks.profile --top 15) > "$logs/profile.txt"
  args+=(--write "$here/BENCHMARKS.md" --profile "$logs/profile.txt" --instructions --warmth)
fi
"$py" -m benchmarks.bench "${args[@]}"
if [ -z "${BENCH_QUICK:-}" ]; then
  echo
  sed -n '1,/^Call tree/p' "$logs/profile.txt"
fi
