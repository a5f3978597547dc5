#!/usr/bin/env bash
# Build the pinned control plane for the real-cluster tests (DESIGN.md §12) from Go modules:
#
#   scripts/build-control-plane.sh        etcd, kube-apiserver, kube-controller-manager, kubectl
#                                         and Crossplane core v2.2.1 (tools/cluster)
#   scripts/build-control-plane.sh v1     Crossplane core v1.20.1 (tools/cluster-v1), for the
#                                         legacy claims on the real 1.x engine
#
# Binaries go to build/control-plane-<versions>/ (keyed by every pinned version, so a bump
# rebuilds and reruns skip the ~10-16 minute cold build). The bin directory is printed on
# stdout; Go's own output goes to stderr. kubectl is built too because a clean CI machine may
# not have one, and it must match the API server anyway.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

k8s=v1.35.4
etcd=v3.6.5
xp2=v2.2.1
xp1=v1.20.1

build() { # <module dir> <out dir> <ldflags> <crossplane module> <binary names...> -- <packages...>
  local mod=$1 out=$2 ldflags=$3 xpmod=$4
  shift 4
  local bins=()
  while [ "$1" != "--" ]; do bins+=("$1"); shift; done
  shift
  local missing=0
  for b in "${bins[@]}"; do [ -x "$out/$b" ] || missing=1; done
  [ -d "$out/crds" ] || missing=1
  if [ "$missing" = 0 ]; then
    echo "$out"
    return 0
  fi
  # Build into a scratch dir and move into place at the end: an interrupted build never
  # leaves a half-populated directory that the "present" check above would accept.
  local tmp="$out.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  local start
  start=$(date +%s)
  echo "build-control-plane: building ${bins[*]} into $out (cold: several minutes)" >&2
  (cd "$mod" && go build -trimpath -ldflags "$ldflags" -o "$tmp/" "$@") >&2
  # etcd's main package is the module root go.etcd.io/etcd/server/v3, so its binary is "server".
  if [ -x "$tmp/server" ]; then mv "$tmp/server" "$tmp/etcd"; fi
  # Crossplane core installs its own CRDs from a folder (`crossplane core init`, CRDS_PATH):
  # keep the pinned module's cluster/crds beside the binary so running needs no Go.
  local xpdir
  xpdir=$(cd "$mod" && go list -m -f '{{.Dir}}' "$xpmod")
  mkdir -p "$tmp/crds"
  cp "$xpdir"/cluster/crds/*.yaml "$tmp/crds/"
  chmod -R u+w "$tmp/crds"
  mkdir -p "$out"
  rm -rf "$out/crds"
  mv "$tmp/crds" "$out/crds"
  for b in "${bins[@]}"; do mv "$tmp/$b" "$out/$b"; done
  rm -rf "$tmp"
  echo "build-control-plane: built in $(( $(date +%s) - start )) s" >&2
  echo "$out"
}

kver="-X k8s.io/component-base/version.gitVersion=$k8s -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=35 -X k8s.io/client-go/pkg/version.gitVersion=$k8s -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=35"

case "${1:-v2}" in
  v2)
    build "$here/tools/cluster" "$here/build/control-plane-k8s-$k8s-etcd-$etcd-crossplane-$xp2" \
      "-s -w $kver -X github.com/crossplane/crossplane/v2/internal/version.version=$xp2" \
      github.com/crossplane/crossplane/v2 \
      etcd kube-apiserver kube-controller-manager kubectl crossplane -- \
      go.etcd.io/etcd/server/v3 \
      k8s.io/kubernetes/cmd/kube-apiserver \
      k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kubectl \
      github.com/crossplane/crossplane/v2/cmd/crossplane
    ;;
  v1)
    build "$here/tools/cluster-v1" "$here/build/control-plane-crossplane-$xp1" \
      "-s -w -X github.com/crossplane/crossplane/internal/version.version=$xp1" \
      github.com/crossplane/crossplane \
      crossplane -- github.com/crossplane/crossplane/cmd/crossplane
    ;;
  *)
    echo "usage: $0 [v2|v1]" >&2
    exit 2
    ;;
esac
