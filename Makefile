# The two commands of the README: `make render` (the main job) and `make test`.
SHELL := /bin/bash
FN_PY := .venv-function/bin/python
PULUMI_PY := .venv-pulumi/bin/python

.PHONY: setup crossplane render test lint bench

setup:
	scripts/setup-venvs.sh

crossplane:
	scripts/build-crossplane.sh

# Start the function locally and render + validate every example with the real Crossplane CLI.
render: setup crossplane
	scripts/render-examples.sh

# Lint, type-check, then the function-side suite (core, handler, hostile input, e2e renders)
# in the function install, and the Pulumi suite (core again, components, program) in the Pulumi install.
test: setup crossplane lint
	$(FN_PY) -m pytest tests/core tests/function tests/hostile tests/serving tests/e2e
	$(PULUMI_PY) -m pytest tests/core tests/pulumi

lint:
	$(FN_PY) -m ruff check .
	$(FN_PY) -m mypy catalyst_dns function
	$(PULUMI_PY) -m mypy catalyst_dns components

bench: setup
	scripts/bench.sh
