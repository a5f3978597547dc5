#!/usr/bin/env bash
# Build the pinned Crossplane CLI (crank) from its Go module into build/crossplane-<version>/.
# The binary is keyed by version so reruns skip the ~5 minute build; a stamp beside it holds
# the hash of tools/go.mod and go.sum, so an edited pin rebuilds it.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
version=v2.2.1
if ! grep -q "github.com/crossplane/crossplane/v2 $version\b" "$here/tools/go.mod"; then
  echo "build-crossplane.sh pins $version but tools/go.mod requires another crossplane/v2" >&2
  exit 2
fi
out="$here/build/crossplane-$version/crossplane"
stamp="$out.sources"
sources=$(cat "$here/tools/go.mod" "$here/tools/go.sum" | sha256sum | cut -d' ' -f1)
if [ -x "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sources" ]; then
  echo "$out"
  exit 0
fi
mkdir -p "$(dirname "$out")"
cd "$here/tools"
# Build next to the target and rename, so an interrupted build never leaves a binary that
# the check above would take for a finished one.
go build -trimpath \
  -ldflags "-s -w -X github.com/crossplane/crossplane/v2/internal/version.version=$version" \
  -o "$out.partial" github.com/crossplane/crossplane/v2/cmd/crank >&2
mv "$out.partial" "$out"
echo "$sources" >"$stamp"
echo "$out"
