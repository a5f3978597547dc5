#!/usr/bin/env bash
# Create the two installs of this one package (DESIGN.md §10): the function venv
# (crossplane-function-sdk-python, protobuf 7) and the Pulumi venv (pulumi, protobuf<7).
# Both carry the shared core and the dev tools; each must be `pip check` clean.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet "uv>=0.5,<1"
for flavour in function pulumi; do
  venv="$here/.venv-$flavour"
  [ -x "$venv/bin/python" ] || uv venv --quiet --python python3 "$venv"
  uv pip install --quiet --python "$venv/bin/python" -e ".[$flavour,dev,bench]"
  uv pip check --python "$venv/bin/python" >&2
done
