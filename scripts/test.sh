#!/usr/bin/env bash
# The whole test suite from a fresh clone: system packages, venv, lint, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
bash scripts/setup.sh
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
