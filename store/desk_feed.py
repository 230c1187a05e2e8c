"""The desk states a bridge polls from the store when no broker is configured: every desk's
row, the floor and team summaries supervisors' lights show (the worst unacknowledged state,
as the monitor publishes them on MQTT), and the judgement that the monitors behind them are
alive. It only reads: the connection is read-only (per backend, ``store/backends``), and a
SQLite store that does not exist yet is reported, never created."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from models.desk_states import worst_unacknowledged
from store import services as services_registry
from store.backends import backend
from store.db import make_engine, redact_url
from store.errors import StoreError
from store.queries import ServiceRow
from store.schema import desk_states, services
from store.values import iso, json_dict, utc

POLL_S = 0.25
"""How often the bridge reads ``desk_states``: a state change reaches a light within this."""

COLUMNS = (desk_states.c.desk_id, desk_states.c.agent_id, desk_states.c.team,
           desk_states.c.state, desk_states.c.reason, desk_states.c.ts)


@dataclass(frozen=True)
class Summary:
    """The worst unacknowledged state of the floor (``team`` None) or of one team; ``ts`` is
    its newest desk's, so a summary counts as changed only when one of its desks did."""

    team: str | None
    state: str
    ts: str


@dataclass(frozen=True)
class FloorReading:
    desks: list[dict[str, Any]]  # desk_id, agent_id, team, state, reason, ts (ISO text)
    summaries: list[Summary]


class DeskFeed:
    """One poll: :meth:`read`. Raises :class:`StoreError` when the store cannot be read or
    its desk states cannot be vouched for (a monitor the floor needs is down)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        """The read-only engine (opened on first use, so a store may appear later)."""
        if self._engine is None:
            self._engine = _open_read_only(self.url)
        return self._engine

    def read(self, now: datetime | None = None) -> FloorReading:
        try:
            with self.engine.connect() as conn:
                rows = [dict(r) for r in conn.execute(select(*COLUMNS)).mappings()]
                heartbeats = conn.execute(select(services)).all()
        except SQLAlchemyError as err:
            reason = getattr(err, "orig", None) or err
            raise StoreError(f"cannot read desk states from {redact_url(self.url)}: "
                             f"{reason}") from err
        check_monitors(heartbeats, now or datetime.now(UTC))
        for row in rows:
            row["ts"] = "" if row["ts"] is None else iso(utc(row["ts"]))  # type: ignore[arg-type]
        return FloorReading(rows, summaries(rows))

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def _open_read_only(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or not Path(database).is_file():
            raise StoreError(f"no store at {redact_url(url)} yet (is the monitor running?)")
    engine = make_engine(url)
    return backend(engine.dialect.name).read_only(engine)


def check_monitors(rows: Iterable[Any], now: datetime) -> None:
    """Raise StoreError unless every monitor worker the floor needs is online and heard from
    recently (the registry's judgement, ``store/services.py``). A store with no monitor rows
    at all (states written by something else) is taken as it is."""
    heard = services_registry.from_rows(
        ServiceRow(r.name, r.status, json_dict(r.info), utc(r.updated_at)) for r in rows)
    floor = services_registry.liveness(heard, now)
    if not floor.fresh:
        raise StoreError(f"desk states are not fresh: {floor.problem()}")


def summaries(rows: Iterable[dict[str, Any]]) -> list[Summary]:
    """The floor's summary, then each team's (by name), from desk rows with a text state."""
    rows = [r for r in rows if isinstance(r.get("state"), str)]
    teams: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row.get("team"):
            teams[row["team"]].append(row)
    out = [_summary(None, rows)] if rows else []
    return out + [_summary(team, members) for team, members in sorted(teams.items())]


def _summary(team: str | None, rows: Sequence[dict[str, Any]]) -> Summary:
    return Summary(team, worst_unacknowledged(r["state"] for r in rows),
                   max(r["ts"] for r in rows))
