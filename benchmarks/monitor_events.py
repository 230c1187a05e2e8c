"""Call events for the monitor benchmarks: whole calls from data/calls/calls.jsonl replayed
with fresh ids, interleaved the way a floor of concurrent calls sends them."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CALLS = ROOT / "data" / "calls" / "calls.jsonl"


def corpus_calls() -> list[dict]:
    return [json.loads(line) for line in CALLS.read_text(encoding="utf-8").splitlines()]


def call_events(source: dict, call_id: str, agent: str, start: datetime) -> list[dict]:
    lang = source.get("lang")
    events = [{"v": 1, "type": "call_started", "event_id": f"{call_id}-s", "call_id": call_id,
               "agent_id": agent, "team": f"t-{hash(agent) % 5}", "lang": lang,
               "ts": _iso(start)}]
    for seq, turn in enumerate(source["utterances"]):
        t = float(turn.get("t", seq * 4.0))
        events.append({"v": 1, "type": "utterance", "event_id": f"{call_id}-{seq}",
                       "call_id": call_id, "seq": seq, "speaker": turn["speaker"],
                       "text": turn["text"], "ts": _iso(start + timedelta(seconds=t)),
                       "t": t, "t_end": turn.get("t_end")})
    events.append({"v": 1, "type": "call_ended", "event_id": f"{call_id}-e", "call_id": call_id,
                   "ts": _iso(start + timedelta(seconds=float(events[-1].get("t") or 0) + 5)),
                   "csat": random.Random(call_id).randint(1, 5)})
    return events


def floor_stream(n_turns: int, concurrent: int = 500, seed: int = 7,
                 run: str = "b") -> Iterator[dict]:
    """About ``n_turns`` utterances from ``concurrent`` calls at a time, interleaved."""
    rng = random.Random(seed)
    calls = corpus_calls()
    start = datetime(2026, 10, 1, 8, tzinfo=UTC)
    slots: list[list[dict]] = [[] for _ in range(concurrent)]
    made = turns = 0
    while turns < n_turns or any(slots):
        for i, slot in enumerate(slots):
            if not slot and turns < n_turns:
                source = rng.choice(calls)
                slot.extend(call_events(source, f"{run}-{made}", f"a-{i}",
                                        start + timedelta(seconds=made)))
                made += 1
                turns += len(source["utterances"])
            if slot:
                yield slot.pop(0)


def _iso(ts: datetime) -> str:
    return ts.isoformat().replace("+00:00", "Z")
