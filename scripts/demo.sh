#!/usr/bin/env bash
# Sets up the virtual environment and runs the demo: synthetic landing zone, every asset for
# every quarter, into ./.asc_linkage_home (or $ASC_LINKAGE_HOME). Extra arguments go to `demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
export GX_ANALYTICS_ENABLED=false
exec .venv/bin/asc-linkage demo "$@"
