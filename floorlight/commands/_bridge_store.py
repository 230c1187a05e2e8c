"""Desk states from the store, for ``floorlight bridge`` when no broker is configured.

``firmware_bridge`` may not import the store (architecture.md), so this adapter lives with
the CLI: :class:`StoreDeskStates` is the plain callable that the bridge's
:class:`~firmware_bridge.sources.polling.PollingSource` polls. It only reads: SQLite
connections are ``query_only`` and PostgreSQL transactions read-only, and a store that
does not exist yet is reported (the lights go stale), never created."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from firmware_bridge.errors import BadMessage, ConfigError
from firmware_bridge.states import StateUpdate, Subject
from monitor.floor import summary
from store.db import make_engine, redact_url
from store.errors import StoreError
from store.schema import desk_states, services

POLL_S = 0.25
"""How often the bridge reads ``desk_states``: a state change reaches a light within this."""

MONITOR_SILENT_S = 30.0
"""A monitor whose heartbeat row (table ``services``, every 5 s) is older than this is
taken for dead: its desk states are no longer fresh, and the lights go stale."""

COLUMNS = (desk_states.c.desk_id, desk_states.c.agent_id, desk_states.c.team,
           desk_states.c.state, desk_states.c.reason, desk_states.c.ts)


def _query_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _iso(ts: datetime | None) -> str:
    if ts is None:
        return ""
    # SQLite hands back naive datetimes; the store writes UTC
    return _aware(ts).astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class StoreDeskStates:
    """Called by the poller: every desk's current row, plus the floor and team summaries
    for supervisors' lights (the worst unacknowledged state, as the monitor publishes
    them on MQTT). Raises :class:`StoreError` when the store cannot be read."""

    def __init__(self, url: str) -> None:
        try:
            make_url(url)
        except ArgumentError as err:  # fatal: a typo does not get better with retries
            raise ConfigError(f"--db: not a database URL: {redact_url(url)}",
                              key="--db") from err
        self.url = url
        self._engine: Engine | None = None

    def __call__(self) -> list[dict[str, Any] | StateUpdate]:
        engine = self._engine or self._open()
        try:
            with engine.connect() as conn:
                rows = [dict(r) for r in conn.execute(select(*COLUMNS)).mappings()]
                monitors = conn.execute(select(services.c.status, services.c.updated_at)
                                        .where(services.c.name.like("monitor%"))).all()
        except SQLAlchemyError as err:
            reason = getattr(err, "orig", None) or err
            raise StoreError(f"cannot read desk states from {redact_url(self.url)}: "
                             f"{reason}") from err
        check_monitor(monitors, datetime.now(UTC))
        for row in rows:
            row["ts"] = _iso(row["ts"])
        return [*rows, *summaries(rows)]

    def _open(self) -> Engine:
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database in ("", ":memory:") or not Path(database).is_file():
                raise StoreError(f"no store at {redact_url(self.url)} yet (is the monitor "
                                 "running?)")
            engine = make_engine(self.url)
            event.listen(engine, "connect", _query_only)
        else:
            engine = make_engine(self.url).execution_options(postgresql_readonly=True)
        self._engine = engine
        return engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def check_monitor(monitors: list[Any], now: datetime) -> None:
    """Raise StoreError unless some monitor is online and heard from recently. A store with
    no monitor rows at all (states written by something else) is taken as it is."""
    if not monitors:
        return
    fresh = [m for m in monitors if m.status == "online" and m.updated_at is not None
             and (now - _aware(m.updated_at)).total_seconds() < MONITOR_SILENT_S]
    if not fresh:
        newest = max((_aware(m.updated_at) for m in monitors if m.updated_at), default=None)
        raise StoreError(f"the monitor is offline (last heard {_iso(newest) or 'never'}): "
                         "desk states are not fresh")


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def summaries(rows: Iterable[dict[str, Any]]) -> list[StateUpdate]:
    """Floor and per-team states from desk rows; ``ts`` is the newest desk's, so a summary
    counts as changed only when one of its desks did."""
    rows = [r for r in rows if isinstance(r.get("state"), str)]
    teams: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row.get("team"):
            teams[row["team"]].append(row)
    out = [_summary(Subject("floor"), rows)] if rows else []
    for team, members in sorted(teams.items()):
        try:
            out.append(_summary(Subject("team", team), members))
        except BadMessage:
            continue  # a team name that cannot be a subject: its desks still light
    return out


def _summary(subject: Subject, rows: list[dict[str, Any]]) -> StateUpdate:
    newest = max(r["ts"] for r in rows)
    state = summary((r["state"] for r in rows), datetime.now(UTC))["state"]
    return StateUpdate(subject, state, ts=newest, reason="summary")
