#!/usr/bin/env bash
# Build the pinned peer composition functions (the earlier steps of multi-step pipeline
# tests) into build/peers/<function>-<version>, and print each binary's path, one a line.
#
# Each peer is a tool of its own small Go module under tools/peers/ (their dependency
# trees are incompatible: auto-ready v0.7.0 needs crossplane-runtime v2.3, patch-and-
# transform v0.10.7 v2.1). The module proxy refuses version lists for these modules, so
# `go install …@version` cannot work; the go.mod/go.sum pins are the way. function-auto-ready
# v0.7.0 declares the module path github.com/crossplane/function-auto-ready, which the proxy
# does not serve, so its go.mod replaces that path by the crossplane-contrib copy.
# Binaries are keyed by version: a rerun skips the build and only prints the paths.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export GONOSUMDB='github.com/crossplane-contrib/*' GOFLAGS=-buildvcs=false

build() {  # <tools/peers folder> <Go package> <binary name>
  local out="$here/build/peers/$3"
  if [ ! -x "$out" ]; then
    echo "building $3 (once)..." >&2
    mkdir -p "$(dirname "$out")"
    (cd "$here/tools/peers/$1" && go build -trimpath -ldflags "-s -w" -o "$out.tmp" "$2" >&2)
    mv "$out.tmp" "$out"
  fi
  echo "$out"
}

build auto-ready github.com/crossplane/function-auto-ready function-auto-ready-v0.7.0
build patch-and-transform github.com/crossplane-contrib/function-patch-and-transform \
  function-patch-and-transform-v0.10.7
