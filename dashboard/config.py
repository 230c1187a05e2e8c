"""The dashboard's settings, read once by the entry script from its command line (what
``floorlight dashboard`` passes after ``--``) and the environment."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from floorlight import settings
from floorlight.credentials import environment_url, has_password


@dataclass(frozen=True)
class DashboardConfig:
    db_url: str
    home: Path
    models_dir: Path
    train_data: tuple[Path, ...]
    lexicon: tuple[Path, ...]
    refresh_s: float = 2.0
    sign_in: bool = True  # FLOORLIGHT_SIGN_IN=off: no sign-in (refused beyond localhost)
    oidc_role: str = "viewer"  # the role of an identity-provider user with no users row

    @property
    def lights_dir(self) -> Path:
        return self.home / "lights"


def _paths(value: str | None) -> tuple[Path, ...] | None:
    if not value:
        return None
    return tuple(Path(p) for p in value.split(os.pathsep) if p)


def from_args(argv: Sequence[str], environ: dict[str, str] | None = None) -> DashboardConfig:
    """``--db URL`` and ``--refresh S`` from ``argv`` (unknown arguments are ignored: under a
    test runner argv is the runner's); ``FLOORLIGHT_DB``, ``FLOORLIGHT_HOME`` and
    ``FLOORLIGHT_TRAIN_DATA`` (paths joined by ``os.pathsep``) from the environment. A
    ``--db`` URL with a password is refused (ValueError): it would be in the process list,
    so it belongs in ``FLOORLIGHT_DB``, as ``floorlight dashboard`` passes it."""
    env = os.environ if environ is None else environ
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--db", default=None)
    parser.add_argument("--refresh", type=float, default=None)
    args, _unknown = parser.parse_known_args(list(argv))
    home = Path(env.get("FLOORLIGHT_HOME", "var")).resolve()
    if args.db and has_password(args.db):
        raise ValueError("--db: the URL holds a password, which every user of the machine "
                         "can read in the process list; set FLOORLIGHT_DB instead")
    db_url = args.db or environment_url("db", env) or f"sqlite:///{home / 'floorlight.db'}"
    data_dir = settings.DATA_DIR
    train_data = _paths(env.get("FLOORLIGHT_TRAIN_DATA")) or (
        data_dir / "corpus" / "handwritten", data_dir / "calls")
    refresh = args.refresh if args.refresh and args.refresh > 0 else 2.0
    return DashboardConfig(
        db_url=db_url, home=home, models_dir=home / "models", train_data=train_data,
        lexicon=(data_dir / "lexicon" / "qa_lexicon.tsv",), refresh_s=max(0.5, refresh),
        sign_in=sign_in_enabled(env), oidc_role=env.get("FLOORLIGHT_OIDC_ROLE") or "viewer",
    )


def sign_in_enabled(env) -> bool:
    """Sign-in is on unless ``FLOORLIGHT_SIGN_IN`` says off (``off``, ``0``, ``false``, ``no``)."""
    return (env.get("FLOORLIGHT_SIGN_IN") or "on").strip().lower() not in ("off", "0", "false",
                                                                            "no")
