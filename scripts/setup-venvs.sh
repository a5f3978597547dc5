#!/usr/bin/env bash
# Create the two installs of this one package (DESIGN.md §10): the function venv
# (crossplane-function-sdk-python, protobuf 7) and the Pulumi venv (pulumi, protobuf<7).
# Both carry the shared core and the dev tools; each must be `pip check` clean.
#
# The Pulumi venv is the one Pulumi.yaml names (`toolchain: pip`, `virtualenv: .venv-pulumi`);
# the Pulumi CLI's pip toolchain runs `<venv>/bin/python -m pip list --format json` (and
# `-m pip --version`) in it, so it must hold pip itself: it is created seeded (`uv venv --seed`),
# and pip is installed into it on every run so that a venv made earlier without a seed
# (setup re-runs against existing venvs) is fixed too.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet "uv>=0.5,<1"
for flavour in function pulumi; do
  venv="$here/.venv-$flavour"
  extra=()
  seed=()
  if [ "$flavour" = pulumi ]; then
    extra=(pip)
    seed=(--seed)
  fi
  [ -x "$venv/bin/python" ] || uv venv --quiet ${seed[@]+"${seed[@]}"} --python python3 "$venv"
  uv pip install --quiet --python "$venv/bin/python" ${extra[@]+"${extra[@]}"} -e ".[$flavour,dev,bench]"
  uv pip check --python "$venv/bin/python" >&2
done
