#!/usr/bin/env bash
# Start a real management cluster on loopback (DESIGN.md §12, docs/cluster.md): etcd,
# kube-apiserver, kube-controller-manager, Crossplane core v2.2.1 and the function from the
# working tree over mTLS, all as plain processes with fresh certificates. Installs the provider
# CRDs, the XRDs and Compositions of apis/v2 (APIS=legacy for apis/legacy), the Sovereign
# settings EnvironmentConfig, and registers the function. Leaves build/cluster/kubeconfig
# (printed on stdout); stop it with scripts/cluster-down.sh (make cluster-down).
#   CROSSPLANE=v1 scripts/cluster-up.sh   runs Crossplane v1.20.1 instead (implies APIS=legacy)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
py="$here/.venv-function/bin/python"
bin=$("$here/scripts/build-control-plane.sh")
args=(up --bin "$bin" --python "$py" --apis "${APIS:-v2}")
if [ "${CROSSPLANE:-v2}" = v1 ]; then
  args+=(--crossplane-bin "$("$here/scripts/build-control-plane.sh" v1)" --apis legacy)
fi
exec "$py" "$here/scripts/cluster.py" --state-dir "${CLUSTER_DIR:-$here/build/cluster}" "${args[@]}"
