"""Call events in (events.md): parsing and validation at the edge.

Every way in (MQTT, a JSON Lines file, stdin, the simulator) hands raw bytes or text to
:func:`parse_event`; what comes out is a frozen, validated value, or an :class:`EventRejected`
carrying a reason a person can act on. Nothing past this module sees raw JSON.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from models.corpus import SPEAKERS, loads, seconds  # the label contract's speakers and
from models.errors import ModelError
from models.text import LANGS, clean_text  # languages (labels.md): one home each
from monitor.errors import MonitorError

VERSION = 1
MAX_EVENT_BYTES = 4_000_000  # a 1 MB transcript is parsed so its seq is known, then rejected
MAX_ID = 128
MAX_SEQ = 1_000_000  # turns in one call: far beyond any real call, far inside every integer column
_BAD_ID = re.compile(r"[+#/\x00-\x1f\x7f\ud800-\udfff]")


class EventRejected(MonitorError):
    """An event that cannot be applied; ``reason`` says why, the ids say which."""

    def __init__(self, reason: str, *, event_id: str | None = None, call_id: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.event_id = event_id
        self.call_id = call_id


@dataclass(frozen=True)
class CallStarted:
    event_id: str
    call_id: str
    agent_id: str
    ts: datetime
    desk_id: str | None = None
    team: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class Utterance:
    event_id: str
    call_id: str
    seq: int
    speaker: str
    text: str
    ts: datetime
    lang: str | None = None
    t: float | None = None
    t_end: float | None = None


@dataclass(frozen=True)
class CallEnded:
    event_id: str
    call_id: str
    ts: datetime
    csat: int | None = None


Event = CallStarted | Utterance | CallEnded


def parse_event(raw: bytes | str, *, now: datetime | None = None) -> Event:
    """One event from one JSON document; raises :class:`EventRejected`."""
    if len(raw) > MAX_EVENT_BYTES:
        raise EventRejected(f"event is {len(raw):,} bytes, over the {MAX_EVENT_BYTES:,} limit")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise EventRejected(f"not valid UTF-8 (byte {err.start})") from None
    try:
        obj = loads(raw)
    except json.JSONDecodeError as err:
        where = f"line {err.lineno} col {err.colno}"
        raise EventRejected(f"malformed JSON: {err.msg} at {where}") from None
    except ValueError as err:
        raise EventRejected(f"malformed JSON: {err}") from None
    return event_from_dict(obj, now=now)


def event_from_dict(obj: object, *, now: datetime | None = None) -> Event:
    if not isinstance(obj, dict):
        raise EventRejected(f"an event is a JSON object, not {type(obj).__name__}")
    ids = {"event_id": _peek(obj, "event_id"), "call_id": _peek(obj, "call_id")}
    try:
        return _build(obj, now or datetime.now(UTC))
    except EventRejected as err:
        raise EventRejected(err.reason, **ids) from None


def _build(obj: dict, now: datetime) -> Event:
    if obj.get("v", VERSION) != VERSION:
        raise EventRejected(f"unsupported version v={obj.get('v')!r} (this monitor reads v=1)")
    kind = _field(obj, "type", str)
    common = {
        "event_id": _id(obj, "event_id"),
        "call_id": _id(obj, "call_id"),
        "ts": _timestamp(obj.get("ts"), now),
    }
    if kind == "utterance":
        return _utterance(obj, common)
    if kind == "call_started":
        return CallStarted(
            agent_id=_id(obj, "agent_id"),
            desk_id=_id(obj, "desk_id", required=False),
            team=_id(obj, "team", required=False),
            lang=_lang(obj),
            **common,
        )
    if kind == "call_ended":
        csat = _field(obj, "csat", int, required=False)
        if csat is not None and not 1 <= csat <= 5:
            raise EventRejected(f"csat must be 1-5, got {csat}")
        return CallEnded(csat=csat, **common)
    raise EventRejected(f"unknown event type {kind!r} (call_started, utterance, call_ended)")


def _utterance(obj: dict, common: dict) -> Utterance:
    seq = _field(obj, "seq", int)
    if not 0 <= seq <= MAX_SEQ:
        raise EventRejected(f"seq must be 0 to {MAX_SEQ:,}, got {_short_number(seq)}")
    speaker = _field(obj, "speaker", str)
    if speaker not in SPEAKERS:
        raise EventRejected(f"speaker must be agent or customer, got {speaker!r}")
    t, t_end = _seconds(obj, "t"), _seconds(obj, "t_end")
    if t is not None and t_end is not None and t_end < t:
        raise EventRejected(f"t_end {t_end} is before t {t}")
    return Utterance(
        seq=seq,
        speaker=speaker,
        text=clean_text(_field(obj, "text", str)),
        lang=_lang(obj),
        t=t,
        t_end=t_end,
        **common,
    )


def _seconds(obj: dict, key: str) -> float | None:
    """``t``/``t_end``: the corpus's rule for time offsets (finite, 0 to a week)."""
    try:
        return seconds(obj.get(key), key, "event")
    except ModelError as err:
        reason = str(err).partition(": ")[2]  # without the "where", which is the event
        raise EventRejected(f"{reason} (got {_short_number(obj.get(key))})") from None


def _short_number(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:12]}…({len(text)} digits)"


def _peek(obj: dict, key: str) -> str | None:
    value = obj.get(key)
    if not isinstance(value, str) or _BAD_ID.search(value):
        return None
    return value[:MAX_ID]


def _field(obj: dict, key: str, kind: type, *, required: bool = True):
    value = obj.get(key)
    if value is None:
        if required:
            raise EventRejected(f"missing field {key!r}")
        return None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise EventRejected(f"field {key!r} must be {kind.__name__}, got {type(value).__name__}")
    return value


def _id(obj: dict, key: str, *, required: bool = True) -> str | None:
    value = _field(obj, key, str, required=required)
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > MAX_ID or _BAD_ID.search(value):
        raise EventRejected(f"field {key!r} must be 1-{MAX_ID} characters without + # / or "
                            "control characters")
    return value


def _lang(obj: dict) -> str | None:
    lang = _field(obj, "lang", str, required=False)
    if lang is not None and lang not in LANGS:
        raise EventRejected(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def _timestamp(value: object, now: datetime) -> datetime:
    """ISO 8601, returned in UTC (so every store keeps the instant, whatever offset the
    sender used); a missing ``ts`` means "now", a naive one is taken as UTC."""
    if value is None:
        return now
    if not isinstance(value, str):
        raise EventRejected(f"field 'ts' must be an ISO 8601 string, got {type(value).__name__}")
    try:
        ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return ts.astimezone(UTC) if ts.tzinfo else ts.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise EventRejected(f"field 'ts' is not an ISO 8601 time: {value[:40]!r}") from None
