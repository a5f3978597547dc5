#!/usr/bin/env bash
# The main job: start the function locally and render every example through it with the
# real Crossplane CLI (pinned v2.2.1, built on first use), then validate the output strictly
# and offline with `crossplane beta validate` against apis/ and ../shared/crds.
#
#   scripts/render-examples.sh                 # everything -> build/rendered/
#   scripts/render-examples.sh cluster/route53 # only examples whose path contains this
#   scripts/render-examples.sh --debug         # function logs at debug level (build/rendered/function.log)
#
# The function runs on a free loopback port and is stopped on exit (scripts/xprender.py).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
CROSSPLANE_CLI=$("$here/scripts/build-crossplane.sh")
export CROSSPLANE_CLI
[ -x "$here/.venv-function/bin/python" ] || "$here/scripts/setup-venvs.sh"
exec "$here/.venv-function/bin/python" "$here/scripts/xprender.py" "$@"
