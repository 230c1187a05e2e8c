"""Building call events for tests, as raw JSON lines the way a transport hands them over."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.engine import Incoming


@dataclass
class Clock:
    """Wall and monotonic time that move only when a test says so."""

    start: datetime
    offset: float = 0.0

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.offset)

    def mono(self) -> float:
        return 1000.0 + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def started(call: str, agent: str = "a-1", **extra) -> dict:
    return {"v": 1, "type": "call_started", "event_id": f"{call}-start", "call_id": call,
            "agent_id": agent, "ts": "2026-11-23T09:00:00Z", **extra}


def said(call: str, seq: int, speaker: str, text: str, **extra) -> dict:
    return {"v": 1, "type": "utterance", "event_id": f"{call}-u{seq}", "call_id": call,
            "seq": seq, "speaker": speaker, "text": text,
            "ts": f"2026-11-23T09:00:{min(seq, 59):02d}Z", **extra}


def ended(call: str, **extra) -> dict:
    return {"v": 1, "type": "call_ended", "event_id": f"{call}-end", "call_id": call,
            "ts": "2026-11-23T09:05:00Z", **extra}


def incoming(*events: dict | str | bytes) -> list[Incoming]:
    return [Incoming(f"test:{i}", e if isinstance(e, str | bytes) else json.dumps(
        e, ensure_ascii=False)) for i, e in enumerate(events)]


CALM_CALL = [
    ("agent", "Thank you for calling, this is Dana, how can I help?"),
    ("customer", "Hi, I'd like to check when my next bill is due."),
    ("agent", "Sure, let me look that up for you."),
    ("customer", "Great, thanks a lot."),
    ("agent", "It's due on the 5th. Thank you for calling, have a nice day!"),
]


def whole_call(call: str, turns=CALM_CALL, agent: str = "a-1", **start) -> list[dict]:
    return [started(call, agent, **start),
            *(said(call, i, s, t) for i, (s, t) in enumerate(turns)), ended(call, csat=4)]
