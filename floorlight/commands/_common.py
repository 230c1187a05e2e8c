"""Helpers shared by the CLI commands (the leading underscore keeps this module from being
registered as a command)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from firmware_bridge.errors import LightError
from floorlight import settings
from models.errors import ModelError
from monitor.errors import MonitorError
from simulator.errors import SimulatorError
from store.errors import StoreError

ROOTS: tuple[type[Exception], ...] = (ModelError, StoreError, MonitorError, LightError,
                                      SimulatorError)
"""Each package's one root exception: what a command may raise for a person to act on. The
CLI (``floorlight/cli.py``) prints any of them as one line and exits 2; anything else is a
bug and keeps its traceback."""

if TYPE_CHECKING:  # loading models pulls in scikit-learn: only commands that score pay for it
    from models.artifacts import FloorlightModel


def add_model_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help="a model version directory or a registry (default: the promoted model in "
        "$FLOORLIGHT_HOME/models)",
    )


def model_path(path: Path | None) -> Path:
    """``--model`` as given, or the default registry."""
    return path or settings.models_dir()


def open_model(path: Path | None) -> FloorlightModel:
    from models.artifacts import load_model

    return load_model(model_path(path))


def default_lexicon() -> list[Path]:
    return [settings.DATA_DIR / "lexicon" / "qa_lexicon.tsv"]


def fail(message: str, code: int = 2) -> int:
    print(f"floorlight: {message}", file=sys.stderr)
    return code


def run_guarded(func, *args: object) -> int:
    """Run a command body; a package's error (:data:`ROOTS`) becomes one line and exit 2."""
    try:
        return int(func(*args) or 0)
    except ROOTS as err:
        return fail(str(err))
