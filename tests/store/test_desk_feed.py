"""The store's desk feed for the bridge: summaries as supervisors' lights show them, a read
that never creates a store, and desk states refused while a monitor the floor needs is down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from store.db import open_store
from store.desk_feed import DeskFeed, Summary, summaries
from store.errors import StoreError
from store.schema import desk_states, services
from store.writer import upsert

T0 = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def test_the_floor_and_each_team_show_their_worst_unacknowledged_state() -> None:
    rows = [{"desk_id": "d-1", "team": "billing", "state": "calm", "ts": "2026-11-22T09:30:01Z"},
            {"desk_id": "d-2", "team": "billing", "state": "acknowledged",
             "ts": "2026-11-22T09:30:03Z"},
            {"desk_id": "d-3", "team": "sales", "state": "alert", "ts": "2026-11-22T09:30:02Z"},
            {"desk_id": "d-4", "team": None, "state": 7, "ts": "2026-11-22T09:30:09Z"}]
    assert summaries(rows) == [Summary(None, "alert", "2026-11-22T09:30:03Z"),
                               Summary("billing", "calm", "2026-11-22T09:30:03Z"),
                               Summary("sales", "alert", "2026-11-22T09:30:02Z")]


def test_a_missing_store_is_reported_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "floorlight.db"
    with pytest.raises(StoreError, match="no store at"):
        DeskFeed(f"sqlite:///{path}").read()
    assert not path.parent.exists()


def test_desks_are_read_and_refused_while_the_monitor_is_silent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'floorlight.db'}"
    engine = open_store(url)
    with engine.begin() as conn:
        upsert(conn, desk_states, [{"desk_id": "d-1", "agent_id": "a-1", "team": "billing",
                                    "state": "watch", "call_id": "c-1", "risk": 0.5,
                                    "reason": None, "since": T0, "ts": T0}], ["desk_id"])
        upsert(conn, services, [{"name": "monitor", "status": "online", "info": {},
                                 "updated_at": T0}], ["name"])
    feed = DeskFeed(url)
    reading = feed.read(now=T0 + timedelta(seconds=1))
    assert reading.desks == [{"desk_id": "d-1", "agent_id": "a-1", "team": "billing",
                              "state": "watch", "reason": None, "ts": "2026-11-22T09:30:00.000Z"}]
    assert [s.team for s in reading.summaries] == [None, "billing"]
    with pytest.raises(StoreError, match="desk states are not fresh: monitor is silent"):
        feed.read(now=T0 + timedelta(minutes=5))
    feed.close()
    engine.dispose()
