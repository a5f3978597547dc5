#!/usr/bin/env bash
# Build the ExternalDNS interop test (tools/externaldns: ExternalDNS's own TXT registry,
# in-memory provider and planner, pinned in go.mod) into build/externaldns-<version>/interop.test.
#
# Keyed by the pinned ExternalDNS version; a stamp beside the binary holds the hash of the
# module's sources, so an edited test is rebuilt and an unchanged one is reused (seconds).
# The modules come from the Go module proxy (`go mod download`, go.sum checked); `go mod tidy`
# does not work in this module: it also resolves the tests of ExternalDNS's packages, whose
# imports (openshift) the proxy here refuses. Prints the binary's path on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
module="$here/tools/externaldns"
version=$(grep -oE 'sigs\.k8s\.io/external-dns v[^ ]+' "$module/go.mod" | head -1 | cut -d' ' -f2 || true)
if [ -z "$version" ]; then
  echo "no sigs.k8s.io/external-dns requirement in $module/go.mod" >&2
  exit 2
fi
out="$here/build/externaldns-$version/interop.test"
stamp="$out.sources"
sources=$(cd "$module" && cat go.mod go.sum ./*.go | sha256sum | cut -d' ' -f1)
if [ -x "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sources" ]; then
  echo "$out"
  exit 0
fi
mkdir -p "$(dirname "$out")"
cd "$module"
started=$(date +%s)
go mod download
go test -c -trimpath \
  -ldflags "-X github.com/openova/catalyst-dns/tools/externaldns.pinnedVersion=$version" \
  -o "$out.tmp.$$" . >&2
mv "$out.tmp.$$" "$out"
echo "$sources" >"$stamp"
echo "built $out in $(( $(date +%s) - started ))s" >&2
echo "$out"
