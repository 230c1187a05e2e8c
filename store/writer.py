"""The monitor's writes and its resume reads. One transaction per batch: a batch's events are
recorded as seen in the same commit as their effects, so an event is applied exactly once
however often it is delivered."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, select, update
from sqlalchemy.exc import DBAPIError, OperationalError

from store import facts
from store.backends import backend_of
from store.lease import PostgresLease
from store.retry import until_it_lands
from store.rows import Batch, values
from store.schema import (
    alerts,
    calls,
    dead_letters,
    desk_states,
    events_seen,
    pending_events,
    services,
    utterances,
)

log = logging.getLogger("floorlight.store")
CHUNK = 500  # ids per IN (...) query: well inside SQLite's and PostgreSQL's parameter limits


def upsert(conn: Connection, table: Table, rows: Sequence[dict], keys: Sequence[str]) -> None:
    """Insert ``rows`` (all with the same columns), updating those whose ``keys`` exist."""
    if not rows:
        return
    columns = [c for c in rows[0] if c not in keys]
    conn.execute(backend_of(conn).upsert(table, keys, columns), list(rows))


def insert_new(conn: Connection, table: Table, rows: Sequence[dict], keys: Sequence[str]) -> None:
    if rows:
        conn.execute(backend_of(conn).insert_new(table, keys), list(rows))


class StoreWriter:
    """Writes a batch's changes, answers the engine's lookups, and loads what a restarted
    monitor needs. Transient database errors are retried with capped backoff: the batch is
    plain data, so writing it again is safe, and nothing is acknowledged until it lands."""

    def __init__(self, engine: Engine, *, max_backoff_s: float = 5.0) -> None:
        self.engine = engine
        self.max_backoff_s = max_backoff_s
        self.lease: PostgresLease | None = None
        """Set while this writer's monitor is the active one of a pair: every transaction is
        fenced by it, and a retry gives up (``LeaseLost``) once it is lost."""

    # --- the engine's lookups ----------------------------------------------------------------

    def seen(self, event_ids: Sequence[str]) -> set[str]:
        return self._in_query(events_seen.c.event_id, events_seen.c.event_id, event_ids)

    def call_status(self, call_ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(call_ids):
            rows = self._retry(lambda c, ids=chunk: c.execute(
                select(calls.c.call_id, calls.c.status).where(calls.c.call_id.in_(ids))).all())
            found.update({r.call_id: r.status for r in rows})
        return found

    def _in_query(self, column, key, values: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(sorted(set(values))):
            rows = self._retry(lambda c, ids=chunk: c.execute(
                select(column).where(key.in_(ids))).scalars().all())
            found.update(rows)
        return found

    # --- the batch -----------------------------------------------------------------------------

    def write(self, changes: Batch) -> None:
        """Everything in ``changes`` (a :class:`monitor.engine.Changes`), in one transaction."""
        self._retry(lambda conn: self._write(conn, changes), transaction=True)

    def _write(self, conn: Connection, ch: Batch) -> None:
        insert_new(conn, events_seen, [values(r) for r in ch.seen], ["event_id"])
        upsert(conn, calls, [values(r) for r in ch.calls.values()], ["call_id"])
        if ch.utterances:
            conn.execute(utterances.insert(), [values(r) for r in ch.utterances])
        if ch.alerts:
            conn.execute(alerts.insert(), [values(r) for r in ch.alerts])
        for call_id, ts in ch.alerts_closed:
            conn.execute(update(alerts).where(alerts.c.call_id == call_id,
                                              alerts.c.status == "open")
                         .values(status="closed", closed_at=ts))
            conn.execute(update(alerts).where(alerts.c.call_id == call_id,
                                              alerts.c.closed_at.is_(None))
                         .values(closed_at=ts))
        if ch.acks_applied:
            conn.execute(update(alerts).where(alerts.c.id.in_(ch.acks_applied))
                         .values(ack_applied=True))
        if ch.csat:
            conn.execute(update(calls).where(calls.c.call_id == bindparam("cid"))
                         .values(csat=bindparam("score")),
                         [{"cid": c, "score": s} for c, s in ch.csat])
        upsert(conn, desk_states, [values(d) for d in ch.desks.values()], ["desk_id"])
        if ch.dead:
            conn.execute(dead_letters.insert(), [values(r) for r in ch.dead])
        insert_new(conn, pending_events, [values(r) for r in ch.pending_add], ["event_id"])
        if ch.pending_remove:
            conn.execute(pending_events.delete().where(
                pending_events.c.event_id.in_(ch.pending_remove)))
        finished = [cid for cid, r in ch.calls.items() if r.status != "open"]
        facts.derive(conn, sorted({*finished, *(cid for cid, _ in ch.csat)}))

    def backfill_facts(self) -> int:
        """History facts for ended calls that have none (a store from an older monitor)."""
        return facts.backfill(self.engine)

    def heartbeat(self, name: str, status: str, info: dict, now: datetime) -> None:
        self._retry(lambda conn: upsert(conn, services, [
            {"name": name, "status": status, "info": info, "updated_at": now}], ["name"]),
            transaction=True)

    def passive_heartbeat(self, name: str, status: str, info: dict, now: datetime) -> bool:
        """A standby monitor's row: one unfenced attempt (a standby must not wait on a store
        that is down); False if the store did not take it."""
        try:
            with self.engine.begin() as conn:
                upsert(conn, services, [{"name": name, "status": status, "info": info,
                                         "updated_at": now}], ["name"])
        except (OperationalError, DBAPIError) as err:
            log.warning("standby heartbeat not stored: %s", _short(err))
            return False
        return True

    # --- resume ----------------------------------------------------------------------------------

    def open_calls(self) -> list[dict]:
        return self._rows(select(calls).where(calls.c.status == "open"))

    def turns(self, call_ids: Sequence[str]) -> list[dict]:
        rows: list[dict] = []
        for chunk in _chunks(call_ids):
            rows += self._rows(select(utterances.c.call_id, utterances.c.speaker,
                                      utterances.c.text, utterances.c.sentiment,
                                      utterances.c.cue, utterances.c.t, utterances.c.t_end)
                               .where(utterances.c.call_id.in_(chunk))
                               .order_by(utterances.c.call_id, utterances.c.seq))
        return rows

    def pending(self) -> list[dict]:
        return self._rows(select(pending_events).order_by(pending_events.c.call_id,
                                                          pending_events.c.seq))

    def desks(self) -> list[dict]:
        return self._rows(select(desk_states))

    def acknowledgements(self) -> list[tuple[int, str]]:
        """Alerts a supervisor acknowledged that the monitor has not applied yet."""
        rows = self._rows(select(alerts.c.id, alerts.c.call_id).where(
            alerts.c.status == "acknowledged", alerts.c.ack_applied.is_(False)))
        return [(r["id"], r["call_id"]) for r in rows]

    def desk_state_counts(self) -> list[dict]:
        return self._rows(select(desk_states.c.team, desk_states.c.state))

    def _rows(self, query) -> list[dict]:
        return self._retry(lambda c: [dict(r._mapping) for r in c.execute(query)])

    # --- retries -----------------------------------------------------------------------------

    def _retry(self, work: Callable[[Connection], Any], *, transaction: bool = False) -> Any:
        """``work`` until it lands: transient errors (``store/retry.py``, by type) are waited
        out with the one backoff policy; anything else raises."""

        def attempt() -> Any:
            if transaction:
                with self.engine.begin() as conn:
                    if self.lease is not None:
                        self.lease.fence(conn)
                    return work(conn)
            with self.engine.connect() as conn:
                return work(conn)

        return until_it_lands(attempt, cap_s=self.max_backoff_s, before_wait=self._waiting)

    def _waiting(self, err: BaseException, delay: float) -> None:
        if self.lease is not None:
            self.lease.check()  # a monitor that lost its lease stops waiting here
        log.error("store unavailable (%s); retrying in %.2f s", _short(err), delay)


def _short(err: BaseException) -> str:
    return str(getattr(err, "orig", err)).splitlines()[0][:200]


def _chunks(values: Iterable[str]) -> list[list[str]]:
    values = list(values)
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]
