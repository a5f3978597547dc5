#!/usr/bin/env bash
# Build this project's wheel as the function image ships it: the composition path compiled with
# mypyc (pyproject.toml, [tool.hatch.build.targets.wheel.hooks.mypyc]) by the image's own
# interpreter, Debian bookworm's python3.11, in a throwaway environment holding exactly the
# hash-pinned tools of package/lock/build.txt (pip, hatchling, hatch-mypyc, mypy, setuptools).
#
#   scripts/build-wheel.sh SRC DIST      # build SRC's wheel into DIST (emptied first); print its path
#   scripts/build-wheel.sh --tree        # the working tree's wheel, unpacked into build/compiled-<hash>/
#                                        # (reused while its inputs are unchanged); print that folder
#   scripts/build-wheel.sh --commit REF  # the same for a commit's sources (the benchmark's baseline);
#                                        # prints nothing for a commit whose image ran no compiled code
#
# scripts/build-package.sh builds the image's wheel with the first form. The second is what
# `make test` runs the unit suites against a second time (CATALYST_DNS_COMPILED) and what the
# benchmark measures as ours: the modules the image runs, built the way the image builds them.
# It needs gcc, the interpreter's headers (libpython3.11-dev), its pip and venv (python3-pip,
# python3.11-venv), and says which is missing. `--toolchain` prints what the compiled bytes
# depend on besides the sources (scripts/build-package.sh keys the image on it too); `--tools
# LOCK` prints the folder of LOCK's pinned tools (build-package.sh takes the image's pip there).
set -euo pipefail
shopt -s inherit_errexit  # a failure inside $(...) fails the script too (the helpers below run there)
here=$(cd "$(dirname "$0")/.." && pwd)

BUILD_PYTHON=${CATALYST_BUILD_PYTHON:-/usr/bin/python3.11}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1747699200}  # the wheel's zip timestamps

log() { printf '[build-wheel] %s\n' "$*" >&2; }
die() { printf '[build-wheel] error: %s\n' "$*" >&2; exit 1; }
[ -x "$BUILD_PYTHON" ] || die "no $BUILD_PYTHON: the runtime image's interpreter builds its wheel (CATALYST_BUILD_PYTHON)"
include=$("$BUILD_PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
[ -f "$include/Python.h" ] || die "no $include/Python.h: install libpython3.11-dev (mypyc compiles C against it)"
# The C compiler the interpreter was built with, which setuptools calls (x86_64-linux-gnu-gcc on Debian).
cc=$("$BUILD_PYTHON" -c 'import sysconfig; print(sysconfig.get_config_var("CC").split()[0])')
command -v "$cc" >/dev/null || die "no C compiler ($cc): mypyc compiles C (install gcc)"
"$BUILD_PYTHON" -m pip --version >/dev/null 2>&1 || die "$BUILD_PYTHON has no pip: install python3-pip"
"$BUILD_PYTHON" -c 'import ensurepip' 2>/dev/null || die "$BUILD_PYTHON cannot make a venv: install python3.11-venv"
# What the compiled modules' bytes depend on besides the sources: the interpreter and the compiler.
toolchain() { "$BUILD_PYTHON" -VV; "$cc" --version | head -1; }

# The pinned build tools of <source dir>'s lock, downloaded once per lock into build/package-cache/.
tools_for() { # <lock file>: print the folder holding its wheels
  local lockfile=$1 tools
  [ -f "$lockfile" ] || die "no $lockfile; run scripts/build-package.sh --lock"
  tools="$here/build/package-cache/build-tools-$(sha256sum <"$lockfile" | cut -c1-16)"
  if [ ! -f "$tools/.complete" ]; then
    log "downloading the pinned build tools ($lockfile)"
    rm -rf "$tools"
    "$BUILD_PYTHON" -m pip download -q --disable-pip-version-check --no-deps --require-hashes \
      --only-binary=:all: -d "$tools" -r "$lockfile" >&2
    touch "$tools/.complete"
  fi
  echo "$tools"
}

build() { # <source dir> <dist dir>: print the wheel's path
  local src=$1 dist=$2 env tools lockfile=$1/package/lock/build.txt
  tools=$(tools_for "$lockfile")
  env=$(mktemp -d)
  # shellcheck disable=SC2064 # expanded now: the local is gone when the trap runs
  trap "rm -rf '$env'" EXIT  # in $(...), a subshell of its own, whose trap is its own
  "$BUILD_PYTHON" -m venv "$env"
  "$env/bin/python" -m pip install -q --disable-pip-version-check --no-index --find-links "$tools" \
    --require-hashes -r "$lockfile" >&2
  rm -rf "$dist"
  mkdir -p "$dist"
  # hatch-mypyc compiles in place (the .so files beside the sources) and then clears them; the
  # source is a copy, so the tree being built from is never left with modules that shadow it.
  # (The custom hook is package/hatch_build.py, which builds the native template steps.)
  HATCH_BUILD_HOOK_ENABLE_MYPYC=true HATCH_BUILD_HOOK_ENABLE_CUSTOM=true \
    "$env/bin/python" -m pip wheel -q --disable-pip-version-check \
    --no-deps --no-build-isolation --no-index -w "$dist" "$src" >&2
  # Never a pure wheel in the compiled one's place: the tag says compiled, and so do its modules.
  local wheel
  wheel=$(ls "$dist"/catalyst_dns-*-cp311-cp311-linux_x86_64.whl) || die "no compiled wheel in $dist: $(ls "$dist")"
  # (The listing is read whole: `zipfile -l | grep -q` would fail under pipefail when grep stops early.)
  local listing
  listing=$("$BUILD_PYTHON" -m zipfile -l "$wheel")
  [[ $listing == *__mypyc.cpython-311* ]] || die "$wheel holds no compiled modules"
  if [ -f "$src/function/_render.c" ]; then  # a commit from before the native steps has none to build
    [[ $listing == *function/_render.cpython-311* ]] || die "$wheel holds no native template steps (function/_render)"
  fi
  echo "$wheel"
}

if [ "${1:-}" = "--tools" ] && [ $# = 2 ]; then  # the folder of that lock's build tools (downloaded once)
  tools_for "$2"
  exit 0
fi

if [ "${1:-}" = "--toolchain" ]; then
  toolchain
  exit 0
fi

# What a compiled build is made from: the sources, the build configuration and this script.
SOURCES=(scripts/build-wheel.sh pyproject.toml README.md package/lock/build.txt package/hatch_build.py catalyst_dns
  function components)

compiled_tree() { # <snapshot of SOURCES> <what it is>: print build/compiled-<hash of its inputs>/, built once
  local snapshot=$1 what=$2 key tree wheel
  key=$( { toolchain; cd "$snapshot" && find . -type f | LC_ALL=C sort | xargs sha256sum; } | sha256sum | cut -c1-16)
  tree="$here/build/compiled-$key"
  if [ ! -f "$tree/.complete" ]; then
    log "compiling $what's wheel (mypyc) -> build/compiled-$key"
    rm -rf "$tree" "$tree.dist"
    wheel=$(build "$snapshot" "$tree.dist")
    "$BUILD_PYTHON" -m zipfile -e "$wheel" "$tree"
    rm -rf "$tree.dist"
    touch "$tree/.complete"
  fi
  echo "$tree"
}

if [ "${1:-}" = "--tree" ] || { [ "${1:-}" = "--commit" ] && [ $# = 2 ]; }; then
  cd "$here"
  snapshot=$(mktemp -d)
  trap 'rm -rf "$snapshot"' EXIT
  if [ "$1" = "--tree" ]; then
    tar -c --exclude=__pycache__ --exclude='*.pyc' --exclude='*.so' "${SOURCES[@]}" | tar -x -C "$snapshot"
    compiled_tree "$snapshot" "the working tree"
  else
    sha=$(git rev-parse --short "$2")
    pyproject=$(git show "$sha:pyproject.toml")  # read whole: `| grep -q` fails under pipefail
    [[ $pyproject == *"hooks.mypyc"* ]] || exit 0  # its image ran pure Python: nothing to build
    present=()  # an older commit lacks some (package/hatch_build.py came with the native steps)
    for path in "${SOURCES[@]}"; do
      if git cat-file -e "$sha:$path" 2>/dev/null; then present+=("$path"); fi
    done
    git archive "$sha" "${present[@]}" | tar -x -C "$snapshot"
    compiled_tree "$snapshot" "commit $sha"
  fi
  exit 0
fi

[ $# = 2 ] || die "usage: $0 SRC DIST | $0 --tree | $0 --commit REF | $0 --toolchain | $0 --tools LOCK"
build "$1" "$2"
