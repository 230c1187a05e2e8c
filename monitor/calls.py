"""One open call as the monitor holds it: who is on it, its risk tracker, the turns so far
(for the scorecard at the end) and the reorder buffer that puts utterances back in seq
order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from models.scorecard import ScoredTurn
from models.tracker import CallState
from monitor.events import Utterance


@dataclass
class OpenCall:
    call_id: str
    agent_id: str
    desk_id: str
    team: str | None
    lang: str | None
    started_at: datetime
    tracker: CallState
    implicit: bool = False
    next_seq: int = 0
    gaps: int = 0
    last_event_at: datetime | None = None
    pending: dict[int, Utterance] = field(default_factory=dict)
    waiting_since: float | None = None  # monotonic time the current seq gap was first seen
    turns: list[ScoredTurn] = field(default_factory=list)
    hits: list[dict] = field(default_factory=list)  # each turn's lexicon matches (scorecard)
    sentiment_sum: float = 0.0
    sentiment_n: int = 0
    max_risk: float = 0.0
    first_alert_index: int | None = None
    csat: int | None = None

    def take_ready(self) -> list[Utterance]:
        """The buffered utterances that are next in seq order, removed from the buffer."""
        ready = []
        while self.next_seq in self.pending:
            ready.append(self.pending.pop(self.next_seq))
            self.next_seq += 1
        self.waiting_since = None
        return ready

    def skip_gap(self) -> tuple[int, int]:
        """Give up on the missing seqs before the lowest buffered one: (first, count)."""
        first, lowest = self.next_seq, min(self.pending)
        self.gaps += lowest - first
        self.next_seq = lowest
        return first, lowest - first

    def extras(self) -> dict:
        """Running values stored beside the tracker so a restart carries on exactly."""
        return {"sentiment_sum": self.sentiment_sum, "sentiment_n": self.sentiment_n}

    @property
    def customer_sentiment(self) -> float | None:
        return self.sentiment_sum / self.sentiment_n if self.sentiment_n else None
