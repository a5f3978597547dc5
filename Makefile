# The two commands of the README: `make render` (the main job) and `make test`.
# Every pinned Go tool is built once into build/<tool>-<version>/ by its own script
# (scripts/build-*.sh), sharing one Go build cache; reruns take seconds.
SHELL := /bin/bash
FN_PY := .venv-function/bin/python
PULUMI_PY := .venv-pulumi/bin/python

.PHONY: setup crossplane pulumi-cli control-plane externaldns peers package tools \
	render test lint bench bench-engine cluster cluster-down

setup:
	scripts/setup-venvs.sh

crossplane:
	scripts/build-crossplane.sh >/dev/null

# The Pulumi CLI (v3.274.1) from its Go module (tools/pulumi).
pulumi-cli:
	scripts/build-pulumi.sh >/dev/null

# etcd, kube-apiserver, kube-controller-manager, kubectl and Crossplane core v2.2.1
# (tools/cluster), and Crossplane v1.20.1 for the 1.x protocol (tools/cluster-v1).
control-plane:
	scripts/build-control-plane.sh >/dev/null
	scripts/build-control-plane.sh v1 >/dev/null

# ExternalDNS's own planner and TXT registry, pinned (tools/externaldns).
externaldns:
	scripts/build-externaldns.sh >/dev/null

# Other composition functions, pinned Go tools: the earlier step of multi-step pipelines.
peers:
	scripts/build-peer-functions.sh >/dev/null

tools: crossplane pulumi-cli control-plane externaldns peers

# The installable artefacts: the runtime image (no Docker daemon) and the xpkg.
package: setup crossplane
	scripts/build-package.sh

# Start the function locally and render + validate every example with the real Crossplane CLI.
render: setup crossplane
	scripts/render-examples.sh

# A real management cluster on loopback (etcd, kube-apiserver, kube-controller-manager,
# Crossplane core, the function over mTLS); leaves build/cluster/kubeconfig.
cluster: setup control-plane
	scripts/cluster-up.sh

cluster-down:
	scripts/cluster-down.sh

# Lint and type-check first (seconds, before any tool builds), then the function-side suite
# (core, handler, hostile input, serving, end-to-end renders, the package, ExternalDNS interop,
# the real cluster) in the function install, its unit suites again on the modules the image
# runs compiled (mypyc; tests/conftest.py), and the Pulumi suite (core again, components,
# program, the real Pulumi CLI) in the Pulumi install. Every tool is built by then, so a test
# that needs one fails rather than skips when it is missing (CATALYST_DNS_TOOLS_BUILT, tests/tools.py).
test: setup lint tools package
	CATALYST_DNS_TOOLS_BUILT=1 $(FN_PY) -m pytest tests/core tests/function tests/hostile tests/serving tests/e2e \
		tests/package tests/interop tests/cluster
	compiled=$$(scripts/build-wheel.sh --tree) && CATALYST_DNS_TOOLS_BUILT=1 CATALYST_DNS_COMPILED=$$compiled \
		$(FN_PY) -m pytest tests/core tests/function tests/hostile tests/serving
	CATALYST_DNS_TOOLS_BUILT=1 $(PULUMI_PY) -m pytest tests/core tests/pulumi

lint:
	$(FN_PY) -m ruff check .
	$(FN_PY) -m mypy catalyst_dns function benchmarks
	$(PULUMI_PY) -m mypy catalyst_dns components

bench: setup
	scripts/bench.sh

# Every claim of a Sovereign composed at once on the real control plane (BENCHMARKS-engine.md).
bench-engine: setup
	scripts/bench-engine.sh
