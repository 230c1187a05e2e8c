"""Where Floorlight keeps its runtime files. Read only by entry points (CLI, Streamlit
entry script); everything below them takes explicit paths."""

from __future__ import annotations

import os
from pathlib import Path

from floorlight.credentials import environment_url

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"


def home_dir() -> Path:
    """Runtime directory (models registry, SQLite store, virtual lights): ``$FLOORLIGHT_HOME``
    or ``./var``."""
    return Path(os.environ.get("FLOORLIGHT_HOME", "var")).resolve()


def models_dir() -> Path:
    return home_dir() / "models"


def default_db_url() -> str:
    """``$FLOORLIGHT_DB`` (where a URL with a password belongs), else the SQLite file in
    the home directory."""
    return environment_url("db") or f"sqlite:///{home_dir() / 'floorlight.db'}"


def default_mqtt_url() -> str | None:
    """``$FLOORLIGHT_MQTT``: the broker when no ``--mqtt`` is given (None: no broker)."""
    return environment_url("mqtt")
