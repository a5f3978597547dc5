#!/usr/bin/env bash
# Build the pinned Pulumi CLI from its Go module (tools/pulumi/go.mod, go.sum committed) into
# build/pulumi-<version>/ (DESIGN.md §13). `go install …@version` cannot be used here: the module
# proxy refuses the version list it reads. The binary is keyed by version so reruns skip the
# ~10 minute cold build. Prints the binary's path on stdout; build logs go to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
version=v3.274.1
if ! grep -q "github.com/pulumi/pulumi/pkg/v3 $version\b" "$here/tools/pulumi/go.mod"; then
  echo "build-pulumi.sh pins $version but tools/pulumi/go.mod requires another pulumi/pkg/v3" >&2
  exit 2
fi
out="$here/build/pulumi-$version/pulumi"
stamp="$out.sources"  # the hash of go.mod and go.sum: an edited pin rebuilds
sources=$(cat "$here/tools/pulumi/go.mod" "$here/tools/pulumi/go.sum" | sha256sum | cut -d' ' -f1)
if [ -x "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sources" ]; then
  echo "$out"
  exit 0
fi
mkdir -p "$(dirname "$out")"
cd "$here/tools/pulumi"
# Build next to the target and rename, so an interrupted build never leaves a binary that
# the check above would take for a finished one.
go build -trimpath \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
  -o "$out.partial" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
mv "$out.partial" "$out"
echo "$sources" >"$stamp"
echo "$out"
