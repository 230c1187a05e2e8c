"""The write contract between the monitor's engine and the store: one frozen dataclass per
kind of row the engine hands the writer. The store owns it (the monitor imports the store,
never the other way round, architecture.md); ``tests/store/test_rows.py`` checks that every
field is a column of its table and every required column has a field, so a renamed column
fails a test instead of being dropped on the way in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from functools import cache
from typing import Any, Protocol

from sqlalchemy import Table

from store.schema import (
    alerts,
    calls,
    dead_letters,
    desk_states,
    events_seen,
    pending_events,
    utterances,
)


@dataclass(frozen=True)
class SeenRow:
    """An event id applied (or refused) once: a redelivery is then a duplicate."""

    event_id: str
    received_at: datetime


@dataclass(frozen=True)
class CallRow:
    """A call's whole row: the writer upserts every column, so none may be left out."""

    call_id: str
    agent_id: str
    desk_id: str
    team: str | None
    lang: str | None
    started_at: datetime
    ended_at: datetime | None
    status: str  # open | ended | timed_out
    implicit_start: bool
    turns: int
    next_seq: int
    risk: float
    max_risk: float
    state: str
    reason: str | None
    alerted: bool
    first_alert_index: int | None
    customer_sentiment: float | None
    csat: int | None
    caller_style: str | None
    scorecard: dict | None
    qa_score: float | None
    model_version: str | None
    updated_at: datetime | None
    tracker_state: dict | None
    last_event_at: datetime | None
    gaps: int


@dataclass(frozen=True)
class UtteranceRow:
    call_id: str
    seq: int
    event_id: str | None
    speaker: str
    text: str
    lang: str | None
    ts: datetime | None
    t: float | None
    t_end: float | None
    sentiment: str
    p_negative: float
    p_positive: float
    cue: str
    cue_scores: dict | None
    escalation: float
    evidence: Any
    qa: dict | None
    risk: float
    state: str
    reason: str | None
    model_version: str | None


@dataclass(frozen=True)
class AlertRow:
    call_id: str
    desk_id: str
    agent_id: str
    team: str | None
    reason: str
    risk: float
    turn_index: int
    raised_at: datetime
    status: str = "open"
    ack_applied: bool = False


@dataclass(frozen=True)
class DeskRow:
    desk_id: str
    agent_id: str | None
    team: str | None
    state: str
    call_id: str | None
    risk: float | None
    reason: str | None
    since: datetime
    ts: datetime


@dataclass(frozen=True)
class DeadLetterRow:
    received_at: datetime
    source: str
    reason: str
    event_id: str | None
    call_id: str | None
    payload: str | None  # truncated, redacted


@dataclass(frozen=True)
class PendingRow:
    """An utterance held back for a missing seq (its payload already redacted)."""

    event_id: str
    call_id: str
    seq: int
    payload: str
    received_at: datetime


TABLES: dict[type, Table] = {
    SeenRow: events_seen,
    CallRow: calls,
    UtteranceRow: utterances,
    AlertRow: alerts,
    DeskRow: desk_states,
    DeadLetterRow: dead_letters,
    PendingRow: pending_events,
}
"""Each row kind's table: the one list the contract test walks."""


def values(row: Any) -> dict[str, Any]:
    """A row as the column values SQLAlchemy takes (shallow: JSON values are not copied, as
    ``dataclasses.asdict`` would)."""
    return {name: getattr(row, name) for name in _names(type(row))}


@cache
def _names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))  # once per row kind, not once per row


class Batch(Protocol):
    """One batch's changes as the writer reads them (``monitor.engine.Changes``); read-only
    members, so a ``list`` attribute satisfies a ``Sequence`` one."""

    @property
    def seen(self) -> Sequence[SeenRow]: ...
    @property
    def calls(self) -> Mapping[str, CallRow]: ...
    @property
    def utterances(self) -> Sequence[UtteranceRow]: ...
    @property
    def alerts(self) -> Sequence[AlertRow]: ...
    @property
    def alerts_closed(self) -> Sequence[tuple[str, datetime]]: ...
    @property
    def acks_applied(self) -> Sequence[int]: ...
    @property
    def csat(self) -> Sequence[tuple[str, int]]: ...
    @property
    def desks(self) -> Mapping[str, DeskRow]: ...  # the monitor's DeskState is one
    @property
    def dead(self) -> Sequence[DeadLetterRow]: ...
    @property
    def pending_add(self) -> Sequence[PendingRow]: ...
    @property
    def pending_remove(self) -> Sequence[str]: ...
