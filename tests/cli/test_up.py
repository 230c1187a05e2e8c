"""``floorlight up`` runs the embedded default as one process group: simulated floor into the
monitor, SQLite store, bridge with virtual lights (the dashboard is tested on its own)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from store.db import open_store
from store.schema import calls, desk_states, utterances

pytestmark = pytest.mark.slow
FLOORLIGHT = str(Path(sys.executable).with_name("floorlight"))


def test_up_runs_floor_monitor_and_virtual_lights(trained_registry, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(trained_registry, home / "models")
    env = {**os.environ, "FLOORLIGHT_HOME": str(home)}
    done = subprocess.run([FLOORLIGHT, "up", "--no-dashboard", "--agents", "4", "--speed",
                           "20", "--duration", "15"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    store = open_store(f"sqlite:///{home / 'floorlight.db'}", migrate=False)
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(calls)).scalar() >= 4
        assert conn.execute(select(func.count()).select_from(utterances)).scalar() > 10
        desks = conn.execute(select(desk_states.c.desk_id)).scalars().all()
    store.dispose()
    assert len(desks) == 4
    virtual = json.loads((home / "lights" / "virtual.json").read_text())
    assert virtual  # the bridge drew the desks' virtual lights
    # a newcomer's first screen: no migration chatter, no bridge warning about a monitor
    # that is only starting up
    shown = done.stdout + done.stderr
    assert "alembic" not in shown and "Context impl" not in shown
    assert "may be going stale" not in shown, shown[-2000:]
