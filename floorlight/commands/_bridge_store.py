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
from store import services as services_registry
from store.db import make_engine, redact_url
from store.errors import StoreError
from store.queries import ServiceRow
from store.schema import desk_states, services
from store.values import iso, json_dict, utc

POLL_S = 0.25
"""How often the bridge reads ``desk_states``: a state change reaches a light within this."""

COLUMNS = (desk_states.c.desk_id, desk_states.c.agent_id, desk_states.c.team,
           desk_states.c.state, desk_states.c.reason, desk_states.c.ts)


def _query_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _iso(ts: datetime | None) -> str:
    return "" if ts is None else iso(utc(ts))  # type: ignore[arg-type]


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
                heartbeats = conn.execute(select(services)).all()
        except SQLAlchemyError as err:
            reason = getattr(err, "orig", None) or err
            raise StoreError(f"cannot read desk states from {redact_url(self.url)}: "
                             f"{reason}") from err
        check_monitors(heartbeats, datetime.now(UTC))
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


def check_monitors(rows: list[Any], now: datetime) -> None:
    """Raise StoreError unless every monitor worker the floor needs is online and heard from
    recently (the registry's judgement, ``store/services.py``). A store with no monitor rows
    at all (states written by something else) is taken as it is."""
    heard = services_registry.from_rows(
        ServiceRow(r.name, r.status, json_dict(r.info), utc(r.updated_at)) for r in rows)
    floor = services_registry.liveness(heard, now)
    if not floor.fresh:
        raise StoreError(f"desk states are not fresh: {floor.problem()}")


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
