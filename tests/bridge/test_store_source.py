"""Desk states from the store when no broker is configured: a real SQLite file brought up
to date by the store's own migrations, rows written as the monitor writes them, read by
the bridge's poller through the CLI's read-only store adapter."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import OperationalError

from firmware_bridge.sources.polling import PollingSource
from firmware_bridge.states import Subject
from floorlight.commands._bridge_store import StoreDeskStates
from store.db import make_engine, upgrade
from store.schema import desk_states, services
from store.writer import upsert
from tests.bridge.bridges import plain_bridge
from tests.bridge.helpers import wait_for

T0 = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


class Store:
    """A real store file, written to as the monitor writes desk states."""

    def __init__(self, path: Path) -> None:
        self.url = f"sqlite:///{path}"
        self.engine = make_engine(self.url)
        upgrade(self.engine)
        self.tick = 0

    def monitor(self, status: str, age_s: float = 0.0) -> None:
        """The monitor's heartbeat row, as it writes it every few seconds."""
        at = datetime.now(UTC) - timedelta(seconds=age_s)
        with self.engine.begin() as conn:
            upsert(conn, services, [{"name": "monitor", "status": status, "info": {},
                                     "updated_at": at}], ["name"])

    def put(self, desk: str, state: str, team: str | None = "billing") -> None:
        self.tick += 1
        ts = T0 + timedelta(seconds=self.tick)
        with self.engine.begin() as conn:
            upsert(conn, desk_states, [{"desk_id": desk, "agent_id": f"a-{desk}", "team": team,
                                        "state": state, "call_id": None, "risk": 0.5,
                                        "reason": None, "since": ts, "ts": ts}], ["desk_id"])


@pytest.fixture
def store(tmp_path: Path):
    store = Store(tmp_path / "floorlight.db")
    yield store
    store.engine.dispose()


def shown(bridge) -> dict[str, str]:
    return {label: entry["state"] for label, entry in bridge.env.virtual.snapshot().items()}


def test_store_rows_become_lights_and_changes_follow(store: Store, tmp_path: Path,
                                                     bridges) -> None:
    store.put("d-1", "calm")
    store.put("d-2", "watch")
    store.put("d-3", "alert", team="sales")
    reader = StoreDeskStates(store.url)
    polls: list[int] = []

    def fetch():
        polls.append(1)
        return reader()

    bridge = plain_bridge(PollingSource(fetch, interval_s=0.02), tmp_path, bridges,
                          ["d-1=virtual:", "d-2=virtual:", "floor=virtual:",
                           "team/billing=virtual:"])
    wait_for(lambda: shown(bridge) == {"d-1": "calm", "d-2": "watch", "floor": "alert",
                                       "team/billing": "watch"}, what="lights from the store")
    store.put("d-2", "acknowledged")  # the supervisor took it: the team light calms down
    wait_for(lambda: shown(bridge)["d-2"] == "acknowledged", what="d-2 acknowledged")
    wait_for(lambda: shown(bridge)["team/billing"] == "calm", what="team summary")
    assert bridge.stats["unknown_subjects"] >= 1  # d-3 has no light here: warned, ignored

    store.put("d-4", "panic")  # a row the bridge cannot show
    wait_for(lambda: bridge.stats["bad_messages"] == 1, what="the bad row reported")
    seen = len(polls)
    store.put("d-1", "alert")
    wait_for(lambda: shown(bridge)["d-1"] == "alert" and len(polls) > seen + 3,
             what="the other desks still served")
    assert bridge.stats["bad_messages"] == 1  # reported once, not on every poll
    reader.close()


def test_the_reader_cannot_write(store: Store) -> None:
    store.put("d-1", "calm")
    reader = StoreDeskStates(store.url)
    assert [r["desk_id"] for r in reader() if isinstance(r, dict)] == ["d-1"]
    with pytest.raises(OperationalError, match="readonly"), reader.feed.engine.begin() as conn:
        conn.execute(insert(desk_states).values(desk_id="x", state="calm", since=T0, ts=T0))
    reader.close()


def test_a_missing_store_shows_stale_and_is_not_created(tmp_path: Path, bridges) -> None:
    path = tmp_path / "nowhere" / "floorlight.db"
    bridge = plain_bridge(PollingSource(StoreDeskStates(f"sqlite:///{path}"), interval_s=0.05),
                          tmp_path, bridges, ["d-1=virtual:"], source_timeout_s=0.2,
                          startup_grace_s=0.1)
    wait_for(lambda: shown(bridge).get("d-1") == "stale", what="stale")
    assert "no store at" in bridge.info()["source_problem"]
    assert not path.exists()
    assert bridge.env.health.get(Subject("desk", "d-1")).state == "stale"


def test_floorlight_bridge_reads_the_store_with_no_broker(store: Store, tmp_path: Path) -> None:
    store.put("d-1", "calm")
    store.put("d-2", "alert")
    home = tmp_path / "home"
    virtual = home / "lights" / "virtual.json"
    log = (tmp_path / "bridge.log").open("wb")
    bridge = subprocess.Popen([str(Path(sys.executable).with_name("floorlight")), "bridge",
                               "--db", store.url],
                              env={**os.environ, "FLOORLIGHT_HOME": str(home)},
                              stdout=log, stderr=log)

    def lights() -> dict[str, str]:
        try:
            data = json.loads(virtual.read_text())
        except (OSError, ValueError):
            return {}
        return {k: v["state"] for k, v in data["lights"].items() if k.startswith("d-")}

    try:
        wait_for(lambda: lights() == {"d-1": "calm", "d-2": "alert"}, timeout=30,
                 what="virtual lights from the store")
        store.put("d-2", "acknowledged")
        wait_for(lambda: lights()["d-2"] == "acknowledged", what="the change followed")
        bridge.send_signal(signal.SIGTERM)
        assert bridge.wait(10) == 0
        assert set(lights().values()) == {"stale"}  # stopped: nothing vouches for them now
    finally:
        if bridge.poll() is None:
            bridge.kill()
            bridge.wait(10)
        log.close()


@pytest.mark.parametrize(("status", "age_s"), [("offline", 0.0), ("online", 120.0)])
def test_a_dead_monitor_turns_the_lights_stale(store: Store, tmp_path: Path, bridges,
                                               status: str, age_s: float) -> None:
    store.monitor("online")
    store.put("d-1", "alert")
    bridge = plain_bridge(PollingSource(StoreDeskStates(store.url), interval_s=0.02), tmp_path,
                          bridges, ["d-1=virtual:"], source_timeout_s=0.2)
    wait_for(lambda: shown(bridge).get("d-1") == "alert", what="alert shown")
    store.monitor(status, age_s)  # stopped, or silent for two minutes
    wait_for(lambda: shown(bridge)["d-1"] == "stale", what="stale")
    assert f"monitor is {'offline' if status == 'offline' else 'silent'}" \
        in bridge.info()["source_problem"]
    store.monitor("online")
    wait_for(lambda: shown(bridge)["d-1"] == "alert", what="restored")
