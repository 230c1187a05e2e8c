"""Decoding + validating call events at the edge: msgspec, pydantic v2 and the hand-written
checks the monitor used before (monitor/events.py at commit a33014a, read from git history).

    .venv/bin/python benchmarks/event_validation.py [--events 50000] [--repeat 3]

The stream is the monitor benchmarks' floor (whole calls from data/calls/calls.jsonl, 500 at a
time, interleaved) serialised as the bytes an MQTT message carries. Each candidate applies the
same rules (events.md and monitor/events.py): bounded integers, finite bounded floats, ids
without separators or control characters, RFC 3339 timestamps as UTC instants, t_end not
before t, the one text rule (models.text.clean_text). Reports events/s for each (the best of
``--repeat`` passes over the stream, one run) and checks that every candidate accepts every
event and agrees with the others on a sample. Writes benchmarks/results/event_validation.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import types
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from monitor_events import floor_stream  # noqa: E402

from models.corpus import MAX_T, loads  # noqa: E402
from models.text import LANGS, clean_text  # noqa: E402
from monitor import events as msgspec_events  # noqa: E402

BEFORE = "a33014a"  # the last commit with the hand-written checks
RESULTS = ROOT / "benchmarks" / "results" / "event_validation.json"


def hand_written() -> Callable[[bytes], object]:
    """The monitor's parser before the schema library, loaded from git history."""
    source = subprocess.run(["git", "show", f"{BEFORE}:monitor/events.py"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    module = types.ModuleType("events_before")
    sys.modules["events_before"] = module  # dataclasses look their module up
    exec(compile(source, "events_before.py", "exec"), module.__dict__)
    return module.parse_event


def pydantic_v2() -> Callable[[bytes], object]:
    """The same schema in pydantic v2 (strict types, no NaN/Infinity, a discriminated union,
    validators for the rules a field type cannot say)."""
    from pydantic import (
        AfterValidator,
        BaseModel,
        ConfigDict,
        Field,
        TypeAdapter,
        ValidationError,
        model_validator,
    )

    ids = msgspec_events.Id.__metadata__[0]
    Id = Annotated[str, Field(min_length=1, max_length=msgspec_events.MAX_ID,
                              pattern=ids.pattern), AfterValidator(str.strip)]
    Seconds = Annotated[float, Field(ge=0.0, le=MAX_T, allow_inf_nan=False)]

    class Base(BaseModel):
        model_config = ConfigDict(strict=True, frozen=True, allow_inf_nan=False,
                                  regex_engine="python-re")
        v: Literal[1] = 1
        event_id: Id
        call_id: Id
        ts: datetime | None = None

        @model_validator(mode="after")
        def utc(self):
            ts = self.ts or datetime.now(UTC)
            utc = ts.astimezone(UTC) if ts.tzinfo else ts.replace(tzinfo=UTC)
            object.__setattr__(self, "ts", utc)
            return self

    class Started(Base):
        type: Literal["call_started"]
        agent_id: Id
        desk_id: Id | None = None
        team: Id | None = None
        lang: Literal[LANGS] | None = None

    class Said(Base):
        type: Literal["utterance"]
        seq: Annotated[int, Field(ge=0, le=msgspec_events.MAX_SEQ)]
        speaker: Literal["agent", "customer"]
        text: Annotated[str, AfterValidator(clean_text)]
        lang: Literal[LANGS] | None = None
        t: Seconds | None = None
        t_end: Seconds | None = None

        @model_validator(mode="after")
        def order(self):
            if self.t is not None and self.t_end is not None and self.t_end < self.t:
                raise ValueError(f"t_end {self.t_end} is before t {self.t}")
            return self

    class Ended(Base):
        type: Literal["call_ended"]
        csat: Annotated[int, Field(ge=1, le=5)] | None = None

    adapter = TypeAdapter(Annotated[Started | Said | Ended, Field(discriminator="type")])

    def parse(raw: bytes) -> object:
        try:
            return adapter.validate_json(raw)
        except ValidationError:
            # a lone surrogate escape: read as the standard parser does, then the same schema
            return adapter.validate_python(loads(raw))

    return parse


def rate(parse: Callable[[bytes], object], stream: list[bytes], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for raw in stream:
            parse(raw)
        best = min(best, time.perf_counter() - started)
    return len(stream) / best


def same(a: object, b: object) -> bool:
    keys = ("event_id", "call_id", "ts", "seq", "speaker", "text", "t", "t_end", "csat", "lang")
    return all(getattr(a, k, None) == getattr(b, k, None) for k in keys)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    events = list(floor_stream(args.events, 500, run="val"))[: args.events]
    stream = [json.dumps(e, ensure_ascii=False).encode() for e in events]
    candidates = {"msgspec (monitor/events.py)": msgspec_events.parse_event,
                  "pydantic v2": pydantic_v2(),
                  f"hand-written ({BEFORE})": hand_written()}
    parsed = {name: [parse(raw) for raw in stream[:2000]] for name, parse in candidates.items()}
    reference = parsed.pop("msgspec (monitor/events.py)")
    for name, values in parsed.items():
        assert all(same(a, b) for a, b in zip(reference, values, strict=True)), name
    results = {"events": len(stream), "bytes_per_event": sum(map(len, stream)) // len(stream)}
    for name, parse in candidates.items():
        results[name] = round(rate(parse, stream, args.repeat))
        print(f"{name:32} {results[name]:>10,} events/s", flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
