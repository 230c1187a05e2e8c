"""Desk, team and floor states out (events.md): the values and their JSON payloads."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from models.desk_states import STATES, worst_unacknowledged
from store.rows import DeskRow
from store.values import iso


@dataclass(frozen=True)
class DeskState(DeskRow):
    """A desk's state: its stored row (the store owns the fields) plus its MQTT payload."""

    def moved_to(self, state: str, reason: str | None, risk: float | None,
                 ts: datetime, **ids: str | None) -> DeskState:
        """The next state of this desk; ``since`` changes only when the state does."""
        since = self.since if state == self.state else ts
        return replace(self, state=state, reason=reason, risk=risk, since=since, ts=ts, **ids)

    def payload(self) -> bytes:
        return json.dumps({
            "v": 1,
            "desk_id": self.desk_id,
            "agent_id": self.agent_id,
            "state": self.state,
            "call_id": self.call_id,
            "risk": None if self.risk is None else round(self.risk, 4),
            "reason": self.reason,
            "since": iso(self.since),
            "ts": iso(self.ts),
        }, ensure_ascii=False).encode()


def off_desk(desk_id: str, ts: datetime) -> DeskState:
    return DeskState(desk_id, None, None, "off", None, None, None, ts, ts)


def summary(states: Iterable[str], ts: datetime, team: str | None = None) -> dict:
    """The worst unacknowledged state and the count per state (for supervisors' lights)."""
    counts = Counter(states)
    worst = worst_unacknowledged(counts)
    body = {"v": 1, "state": worst, "counts": {s: counts.get(s, 0) for s in STATES},
            "desks": sum(counts.values()), "ts": iso(ts)}
    if team is not None:
        body["team"] = team
    return body


def same_summary(a: dict | None, b: dict) -> bool:
    """Equal but for the time stamp: nothing worth republishing."""
    return a is not None and {**a, "ts": None} == {**b, "ts": None}
