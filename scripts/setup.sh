#!/usr/bin/env bash
# Create .venv (Python >= 3.11) and install Floorlight with its dev tools. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "Floorlight needs Python >= 3.11 ($PY is older)" >&2; exit 1; }
  "$PY" -m venv .venv
fi
stamp=.venv/.floorlight-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev]"
  touch "$stamp"
fi
