"""Hostile call-event streams (issue 11): valid calls with hostile events mixed in, redelivered
and reordered, and what the store must hold after the monitor has read them. Shared by the
property-based suite (tests/monitor/test_fuzz.py, which draws the random choices and the
values from hypothesis) and benchmarks/fuzz_volume.py (plain ``random``).

Every hostile event is distinct (it carries its own key) so that each must leave exactly one
dead letter, found by its source ``bad:<key>`` or, when it has a usable id, its event id
``<key>``; an exact redelivery of anything is a counted duplicate and leaves nothing."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import func, select

from monitor.engine import Incoming
from monitor.events import BAD_ID, MAX_ID
from store.schema import calls, dead_letters, utterances

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FIRST_DAY, LAST_DAY = datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 29, tzinfo=UTC)
SAFE_TEXTS = ("Hello, how can I help?", "My bill is wrong again.", "Let me check that for you.",
              "我要投訴", "謝謝您的耐心", "I want a supervisor now!")
JSON_VALUES: tuple[object, ...] = (None, True, False, 0, -1, 1.5, 10**20, "", "x", [], {},
                                   [1, [2]], {"a": {"b": None}}, 9223372036854775807)


@dataclass
class Stream:
    deliveries: list[Incoming] = field(default_factory=list)
    valid_turns: list[str] = field(default_factory=list)  # utterance event ids: stored once
    valid_calls: list[str] = field(default_factory=list)  # must end as "ended"
    bad: dict[str, str] = field(default_factory=dict)  # hostile key -> kind: one dead letter
    duplicates: int = 0  # redeliveries: counted, never dead-lettered


def _iso(ts: datetime, rnd: random.Random) -> str:
    """The same instant in one of the forms senders use (Z, an offset, naive UTC)."""
    form = rnd.randrange(4)
    if form == 0:
        return ts.isoformat().replace("+00:00", "Z")
    if form == 1:
        return ts.replace(tzinfo=None).isoformat()
    offset = timezone(timedelta(hours=rnd.choice((-8, -5, 5.5, 8, 14))))
    return ts.astimezone(offset).isoformat()


def _dumps(event: dict, *, ascii_only: bool = False) -> str:
    return json.dumps(event, ensure_ascii=ascii_only)


class Builder:
    """One stream. ``texts`` and ``values`` are pools to draw turn texts (any Unicode, lone
    surrogates and control characters included) and wrong-typed JSON values from."""

    def __init__(self, rnd: random.Random, ns: str, *, texts: Sequence[str] = SAFE_TEXTS,
                 values: Sequence[object] = JSON_VALUES) -> None:
        self.rnd, self.ns = rnd, ns
        self.texts, self.values = list(texts) or list(SAFE_TEXTS), list(values) or [None]
        self.stream = Stream()
        self._k = 0

    def key(self, kind: str) -> str:
        self._k += 1
        key = f"{self.ns}h{self._k}"
        self.stream.bad[key] = kind
        return key

    # --- valid calls, with hostile events inside them ----------------------------------------

    def call(self, i: int, turns: int, hostile_inside: int) -> list[tuple[str, str | bytes]]:
        """One valid call's deliveries in an order the monitor must cope with (utterances
        shuffled, hostile events for this call placed where they conflict)."""
        rnd, call_id = self.rnd, f"{self.ns}c{i}"
        started = rnd.choice((START, START, START, FIRST_DAY, LAST_DAY)) + timedelta(
            seconds=rnd.randrange(86_400))
        start = {"v": 1, "type": "call_started", "event_id": f"{call_id}-s", "call_id": call_id,
                 "agent_id": self.some_id(f"a-{i % 7}"), "ts": _iso(started, rnd)}
        if rnd.random() < 0.5:
            start["lang"] = rnd.choice(("en", "zh-Hant", "zh-Hans"))
        if rnd.random() < 0.3:
            start.update(desk_id=self.some_id(f"d-{i}"), team=self.some_id("team"))
        kinds = [rnd.choice(("late utterance", "second start", "long text", "empty text",
                             "end before start")) for _ in range(hostile_inside)]
        slots = turns + sum(k in ("long text", "empty text") for k in kinds)
        seqs = list(range(slots))
        rnd.shuffle(seqs)
        valid_seqs, bad_seqs = seqs[:turns], seqs[turns:]
        body: list[tuple[str, str | bytes]] = []
        for seq in valid_seqs:
            event_id = f"{call_id}-u{seq}"
            utter = {"v": 1, "type": "utterance", "event_id": event_id, "call_id": call_id,
                     "seq": seq, "speaker": rnd.choice(("agent", "customer")),
                     "text": rnd.choice(self.texts),
                     "ts": _iso(started + timedelta(seconds=seq), rnd)}
            if rnd.random() < 0.5:
                utter["t"] = float(seq * 3)
                utter["t_end"] = float(seq * 3 + rnd.choice((0, 1, 2.5)))
            self.stream.valid_turns.append(event_id)  # text escaped as \\u.... or as is
            body.append((f"good:{call_id}", _dumps(utter, ascii_only=rnd.random() < 0.5)))
        end = {"v": 1, "type": "call_ended", "event_id": f"{call_id}-e", "call_id": call_id,
               "ts": _iso(started + timedelta(seconds=slots + 5), rnd)}
        if rnd.random() < 0.5:
            end["csat"] = rnd.randint(1, 5)
        end_source = f"good:{call_id}"
        late: list[tuple[str, str | bytes]] = []
        for kind in kinds:
            key = self.key(kind)
            if kind == "late utterance" and valid_seqs:
                seq = rnd.choice(valid_seqs)  # a second event for a seq already taken
                after = next(n for n, (_, r) in enumerate(body) if f'"{call_id}-u{seq}"' in r)
                body.insert(rnd.randint(after + 1, len(body)), (f"bad:{key}", _dumps(
                    {"v": 1, "type": "utterance", "event_id": key, "call_id": call_id,
                     "seq": seq, "speaker": "agent", "text": "late copy"})))
            elif kind in ("long text", "empty text"):
                text = "x" * rnd.randint(5001, 9000) if kind == "long text" else \
                    rnd.choice(("   ", "\x00\x01", "\t\n"))
                body.insert(rnd.randint(0, len(body)), (f"bad:{key}", _dumps(
                    {"v": 1, "type": "utterance", "event_id": key, "call_id": call_id,
                     "seq": bad_seqs.pop(), "speaker": "customer", "text": text})))
            elif kind == "end before start" and end["event_id"] == f"{call_id}-e":
                end.update(event_id=key, ts=_iso(started - timedelta(hours=1), rnd))
                end_source = f"bad:{key}"
            else:  # a second call_started (in progress, or after the end: already ended)
                self.stream.bad[key] = "second start"
                late.append((f"bad:{key}", _dumps({**start, "event_id": key})))
        self.stream.valid_calls.append(call_id)
        ordered = [(f"good:{call_id}", _dumps(start)), *body, (end_source, _dumps(end))]
        for item in late:
            ordered.insert(rnd.randint(1, len(ordered)), item)
        return ordered

    def some_id(self, usual: str) -> str:
        """Usually ``usual``; sometimes an odd but valid id made from a drawn text."""
        if self.rnd.random() < 0.7:
            return usual
        odd = BAD_ID.sub("", self.rnd.choice(self.texts)).strip()[:MAX_ID]
        return odd or usual

    # --- hostile events on their own ----------------------------------------------------------

    def free(self) -> tuple[str, str | bytes]:
        kind = self.rnd.choice(sorted(FREE))
        key = self.key(kind)
        return f"bad:{key}", FREE[kind](self, key)

    def template(self, key: str) -> dict:
        """A valid event for a call of its own (each hostile kind then breaks it one way)."""
        kind = self.rnd.choice(("call_started", "utterance", "call_ended"))
        event = {"v": 1, "type": kind, "event_id": key, "call_id": f"{key}-call",
                 "ts": "2026-11-23T09:00:00Z"}
        if kind == "call_started":
            event["agent_id"] = "a-1"
        elif kind == "utterance":
            event.update(seq=0, speaker="agent", text="hi")
        return event

    def wrong_type(self, key: str) -> str:
        event = self.template(key)
        name = self.rnd.choice(_FIELDS[event["type"]])
        wanted = _TYPES.get(name, str)
        wrong = [v for v in self.values if not _fits(v, wanted)
                 and not (v is None and name in _OPTIONAL)]
        event[name] = self.rnd.choice(wrong or [[1, 2]])
        return _dumps(event)

    def value(self) -> object:
        return self.rnd.choice(self.values)


_FIELDS = {"call_started": ["v", "event_id", "call_id", "ts", "agent_id", "desk_id", "team",
                             "lang"],
           "utterance": ["v", "event_id", "call_id", "ts", "seq", "speaker", "text", "lang", "t",
                         "t_end"],
           "call_ended": ["v", "event_id", "call_id", "ts", "csat"]}
_OPTIONAL = ("ts", "desk_id", "team", "lang", "t", "t_end", "csat")  # null: absent, and valid
_TYPES: dict[str, type | tuple[type, ...]] = {"v": int, "seq": int, "csat": int,
                                              "t": (int, float), "t_end": (int, float)}


def _fits(value: object, wanted: type | tuple[type, ...]) -> bool:
    """Could ``value`` be right for a field of this type? (Then it is no wrong type.)"""
    if value is None or isinstance(value, bool):
        return False  # null is "missing" for a required field, and a bool is never a number
    return isinstance(value, wanted)


def _with(field_: str, raw: str) -> Callable[[Builder, str], str]:
    """A template with one field's JSON text replaced by ``raw`` (a number JSON cannot hold
    in Python's types, a token that is not JSON, ...)."""
    def make(b: Builder, key: str) -> str:
        event = b.template(key)
        event["type"] = "utterance"
        event.update(seq=0, speaker="agent", text="hi", t=1.0)
        event[field_] = "@@"
        return _dumps(event).replace('"@@"', raw)
    return make


def _missing(b: Builder, key: str) -> str:
    event = b.template(key)
    required = {"call_started": ["type", "event_id", "call_id", "agent_id"],
                "utterance": ["type", "event_id", "call_id", "seq", "speaker", "text"],
                "call_ended": ["type", "event_id", "call_id"]}[event["type"]]
    del event[b.rnd.choice(required)]
    return _dumps(event)


def _bad_utf8(b: Builder, key: str) -> bytes:
    junk = b.rnd.choice((b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf",
                         b"\xe2\x82"))
    raw = _dumps(b.template(key)).encode()
    where = raw.index(b'"hi"') + 2 if b'"hi"' in raw else raw.index(key.encode())
    return raw[:where] + junk + raw[where:]


def _deep(b: Builder, key: str) -> str:
    depth = b.rnd.choice((1_000, 5_000, 100_000))
    opener, closer = b.rnd.choice((("[", "]"), ('{"a":', "}")))
    return f'{{"k":"{key}","x":' + opener * depth + "0" + closer * depth + "}"


def _truncated(b: Builder, key: str) -> str:
    raw = _dumps(b.template(key))  # cut after the key, so that no two are the same
    return raw[: b.rnd.randrange(raw.index(key) + len(key), len(raw) - 1)]


def _garbage(b: Builder, key: str) -> bytes:
    return f'{{"k":"{key}",'.encode() + b.rnd.randbytes(b.rnd.randrange(0, 64))


def _huge(b: Builder, key: str) -> str:
    event = b.template(key)
    event["pad"] = "x" * 4_000_001  # over the size limit whatever else it holds
    return _dumps(event)


def _changed(**fields: object) -> Callable[[Builder, str], str]:
    def make(b: Builder, key: str) -> str:
        event = b.template(key)
        if "seq" in fields or "speaker" in fields or "t_end" in fields:
            event.update(type="utterance", seq=0, speaker="agent", text="hi")
        if "csat" in fields:
            event["type"] = "call_ended"
        if "agent_id" in fields:
            event["type"] = "call_started"
        event.update({k: (v(key) if callable(v) else v) for k, v in fields.items()})
        return _dumps(event)
    return make


FREE: dict[str, Callable[[Builder, str], str | bytes]] = {
    "lone surrogate in call_id": _with("call_id", '"c\\ud800"'),
    "NUL in call_id": _with("call_id", '"c\\u0000x"'),
    "lone surrogate in speaker": _with("speaker", '"\\udc00"'),
    "lone surrogate in ts": _with("ts", '"2026-11-23T09:00:00\\ud800"'),
    "slash in event_id": _changed(event_id=lambda k: f"{k}/x"),
    "id too long": _changed(call_id="c" * 200),
    "deep nesting": _deep,
    "seq 10**20": _with("seq", str(10**20)),
    "seq int64 max": _with("seq", "9223372036854775807"),
    "seq negative": _with("seq", "-1"),
    "seq float": _with("seq", "1.0"),
    "400-digit t": _with("t", "9" * 400),
    "t 1e400": _with("t", "1e400"),
    "t NaN": _with("t", "NaN"),
    "t Infinity": _with("t", "Infinity"),
    "t -Infinity": _with("t", "-Infinity"),
    "t_end before t": _changed(t=5.0, t_end=1.0),
    "invalid UTF-8": _bad_utf8,
    "wrong type": Builder.wrong_type,
    "missing field": _missing,
    "unknown type": _changed(type="call_paused"),
    "version 2": _changed(v=2),
    "speaker robot": _changed(speaker="robot"),
    "csat 6": _changed(csat=6),
    "bad ts": _changed(ts="yesterday at noon"),
    "ts out of range": _changed(ts="9999-12-31T23:59:59-05:00"),
    "not an object": lambda b, key: _dumps([key, b.value()]),
    "truncated JSON": _truncated,
    "garbage bytes": _garbage,
    "over the size limit": _huge,
    "call_ended, never started": lambda b, key: _dumps(
        {"v": 1, "type": "call_ended", "event_id": key, "call_id": f"{key}-call"}),
}


def build(rnd: random.Random, ns: str, *, calls: int, free: int, inside: int = 2,
          duplicates: int = 0, texts: Sequence[str] = SAFE_TEXTS,
          values: Sequence[object] = JSON_VALUES, huge: bool = False) -> Stream:
    """``calls`` valid calls (0-6 turns, up to ``inside`` hostile events each), ``free``
    hostile events of their own, interleaved at random, then ``duplicates`` redeliveries of
    earlier deliveries. The 4 MB event is left out unless ``huge``."""
    b = Builder(rnd, ns, texts=texts, values=values)
    queues = [b.call(i, rnd.randint(0, 6), rnd.randint(0, inside)) for i in range(calls)]
    for _ in range(free):
        source, raw = b.free()
        while not huge and b.stream.bad[source[4:]] == "over the size limit":
            del b.stream.bad[source[4:]]
            source, raw = b.free()
        queues.append([(source, raw)])
    merged: list[tuple[str, str | bytes]] = []
    while queues:  # interleave: each queue keeps its own order
        queue = rnd.choice(queues)
        merged.append(queue.pop(0))
        if not queue:
            queues.remove(queue)
    for _ in range(duplicates if merged else 0):
        at = rnd.randrange(len(merged))
        merged.insert(rnd.randint(at + 1, len(merged)), merged[at])
    b.stream.duplicates = duplicates if merged else 0
    b.stream.deliveries = [Incoming(source, _transported(raw, rnd)) for source, raw in merged]
    return b.stream


def _transported(raw: str | bytes, rnd: random.Random) -> str | bytes:
    """Bytes as MQTT hands them over, or text as a file line does (text that cannot be
    UTF-8, with a lone surrogate in it, stays text: only the Python API can hand it over)."""
    if isinstance(raw, bytes) or rnd.random() < 0.3:
        return raw
    try:
        return raw.encode("utf-8")
    except UnicodeEncodeError:
        return raw


# --- what the store holds --------------------------------------------------------------------

def problems(conn, stream: Stream, dead_before: int) -> list[str]:
    """Everything the store holds that breaks the properties (empty when all hold):
    every valid turn stored exactly once, every valid call ended, every hostile event one
    dead letter and nothing else dead-lettered."""
    found: list[str] = []
    stored: dict[str, int] = {}
    for chunk in _chunks(stream.valid_turns):
        stored.update(conn.execute(select(utterances.c.event_id, func.count()).where(
            utterances.c.event_id.in_(chunk)).group_by(utterances.c.event_id)).all())
    lost = [e for e in stream.valid_turns if e not in stored]
    doubled = [e for e, n in stored.items() if n > 1]
    found += [f"lost turn {e}" for e in lost] + [f"doubled turn {e}" for e in doubled]
    statuses: dict[str, str] = {}
    for chunk in _chunks(stream.valid_calls):
        statuses.update(conn.execute(select(calls.c.call_id, calls.c.status).where(
            calls.c.call_id.in_(chunk))).all())
    found += [f"call {c} is {statuses.get(c)}" for c in stream.valid_calls
              if statuses.get(c) != "ended"]
    rows = conn.execute(select(dead_letters.c.source, dead_letters.c.event_id,
                               dead_letters.c.reason).where(dead_letters.c.id > dead_before)).all()
    per_key: dict[str, int] = dict.fromkeys(stream.bad, 0)
    for source, event_id, reason in rows:
        key = event_id if event_id in per_key else source[4:] if source.startswith("bad:") \
            else None
        if key in per_key:
            per_key[key] += 1
        else:
            found.append(f"unexpected dead letter from {source} ({event_id}): {reason}")
    found += [f"{stream.bad[k]} ({k}): {n} dead letters" for k, n in per_key.items() if n != 1]
    return found


def lost_and_doubled(conn, stream: Stream) -> tuple[int, int]:
    stored: dict[str, int] = {}
    for chunk in _chunks(stream.valid_turns):
        stored.update(conn.execute(select(utterances.c.event_id, func.count()).where(
            utterances.c.event_id.in_(chunk)).group_by(utterances.c.event_id)).all())
    lost = sum(e not in stored for e in stream.valid_turns)
    return lost, sum(n - 1 for n in stored.values())


def last_dead_letter(conn) -> int:
    return conn.execute(select(func.coalesce(func.max(dead_letters.c.id), 0))).scalar()


def _chunks(values: Sequence[str], size: int = 500):
    for i in range(0, len(values), size):
        yield list(values[i:i + size])
