"""Realistic bad input mixed into a good event stream (``floorlight simulate --chaos``), for
demos of the dead-letter page and for reliability tests.

The good stream survives intact: removing repeated ``event_id``s, ordering each call's
utterances by ``seq`` and dropping what the monitor rejects gives back exactly the events that
went in. The kinds:

- ``duplicate``: an event already sent goes out again (same ``event_id``; redelivery);
- ``out_of_order``: an utterance is held back and sent right after the call's next utterance
  (the monitor waits a bounded time for the gap, which closes at once);
- ``malformed``: a truncated JSON line (a :class:`RawLine`, for MQTT and files only);
- ``wrong_type``: an utterance with ``seq`` as a string, for a call that does not exist;
- ``unknown_call``: a ``call_ended`` for a call that never started.
"""

from __future__ import annotations

import json
import random
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

KINDS = ("duplicate", "out_of_order", "malformed", "wrong_type", "unknown_call")


@dataclass(frozen=True)
class RawLine:
    """A payload that is not valid JSON, sent as-is (on ``call_id``'s topic)."""

    call_id: str
    text: str


class Chaos:
    """``mix(events)`` adds bad input at ``rate`` (per good event); ``counts`` says what."""

    def __init__(self, rate: float, *, seed: int | None = None,
                 kinds: Sequence[str] = KINDS) -> None:
        unknown = set(kinds) - set(KINDS)
        if not 0 < rate <= 1 or unknown or not kinds:
            raise ValueError(f"chaos needs 0 < rate <= 1 and kinds from {', '.join(KINDS)}")
        self.rate, self.kinds = rate, tuple(kinds)
        self.rng = random.Random(seed)
        self.counts: Counter[str] = Counter()
        self._ghosts = 0

    def mix(self, events: Iterable[dict]) -> Iterator[dict | RawLine]:
        held: dict[str, dict] = {}  # call_id -> an utterance sent after the call's next one
        recent: deque[dict] = deque(maxlen=64)
        for event in events:
            late = held.pop(event["call_id"], None)
            if late is not None and event["type"] != "utterance":
                yield late  # the call ends: the held turn goes first, nothing to swap with
                late = None
            kind = self.rng.choice(self.kinds) if self.rng.random() < self.rate else None
            if kind == "out_of_order" and event["type"] == "utterance" and late is None:
                held[event["call_id"]] = event
                self.counts[kind] += 1
                continue
            yield event
            if late is not None:
                yield late
            recent.append(event)
            if kind is not None and kind != "out_of_order":
                yield self._bad(kind, event, recent)
                self.counts[kind] += 1
        yield from held.values()

    def _bad(self, kind: str, event: dict, recent: deque[dict]) -> dict | RawLine:
        if kind == "duplicate":
            return dict(self.rng.choice(recent))
        if kind == "malformed":
            text = json.dumps(event, ensure_ascii=False)
            return RawLine(event["call_id"], text[: self.rng.randint(1, len(text) - 1)])
        self._ghosts += 1
        ghost = f"ghost-{event['call_id']}-{self._ghosts}"
        if kind == "wrong_type":
            return {"v": 1, "type": "utterance", "event_id": f"{ghost}-u0", "call_id": ghost,
                    "seq": "0", "speaker": "customer", "text": "hello?", "ts": event["ts"]}
        return {"v": 1, "type": "call_ended", "event_id": f"{ghost}-end", "call_id": ghost,
                "ts": event["ts"]}
