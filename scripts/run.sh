#!/usr/bin/env bash
# Set up and run Floorlight on its embedded default: trains the bundled model if none is
# promoted yet, then runs the product locally (SQLite, simulated floor, virtual lights).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/floorlight up "$@"
