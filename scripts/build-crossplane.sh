#!/usr/bin/env bash
# Build the pinned Crossplane CLI (crank) from its Go module into build/crossplane-<version>/.
# The binary is keyed by version so reruns skip the ~5 minute build.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
version=v2.2.1
out="$here/build/crossplane-$version/crossplane"
if [ -x "$out" ]; then
  echo "$out"
  exit 0
fi
mkdir -p "$(dirname "$out")"
cd "$here/tools"
go build -trimpath \
  -ldflags "-s -w -X github.com/crossplane/crossplane/v2/internal/version.version=$version" \
  -o "$out" github.com/crossplane/crossplane/v2/cmd/crank >&2
echo "$out"
