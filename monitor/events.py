"""Call events in (events.md): parsing and validation at the edge.

Every way in (MQTT, a JSON Lines file, stdin, the simulator) hands raw bytes, text or a dict to
:func:`parse_event` / :func:`event_from_dict`; what comes out is a frozen, validated value, or
an :class:`EventRejected` carrying a reason a person can act on. Nothing past this module sees
raw JSON.

The rules are one msgspec schema (the event types below), chosen over pydantic v2 and the
hand-written checks it replaced on measured speed (benchmarks/event_validation.py): bounded
integers, finite bounded floats, ids without separators or control characters, timestamps as
RFC 3339 instants (in UTC once parsed), a size limit on the document and a depth limit on its
nesting. Text follows the one rule for text from outside (:func:`models.text.clean_text`).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec.structs import force_setattr

from models.corpus import MAX_T, SPEAKERS, loads  # the label contract's speakers and
from models.text import LANGS, clean_text  # languages (labels.md): one home each
from monitor.errors import MonitorError

VERSION = 1
MAX_EVENT_BYTES = 4_000_000  # a 1 MB transcript is parsed so its seq is known, then rejected
MAX_ID = 128
MAX_SEQ = 1_000_000  # turns in one call: far beyond any real call, far inside every integer column
_BAD_ID_CHARS = r"+#/\x00-\x1f\x7f\ud800-\udfff"  # MQTT separators, control chars, surrogates
BAD_ID = re.compile(f"[{_BAD_ID_CHARS}]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_ID_RULE = f"1-{MAX_ID} characters without + # / or control characters"

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ID,
                                 pattern=f"\\A[^{_BAD_ID_CHARS}]*\\Z")]
Seconds = Annotated[float, msgspec.Meta(ge=0.0, le=MAX_T)]  # the corpus's rule: finite, a week
Lang = Literal[LANGS]


class EventRejected(MonitorError):
    """An event that cannot be applied; ``reason`` says why, the ids say which."""

    def __init__(self, reason: str, *, event_id: str | None = None, call_id: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.event_id = event_id
        self.call_id = call_id


class _Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", gc=False):
    v: Literal[VERSION] = VERSION
    event_id: Id
    call_id: Id
    ts: datetime | None = None  # None only until _settle fills in "now"

    def __post_init__(self) -> None:
        for key in ("event_id", "call_id"):
            _strip(self, key)


class CallStarted(_Event, frozen=True, tag="call_started"):
    agent_id: Id
    desk_id: Id | None = None
    team: Id | None = None
    lang: Lang | None = None

    def __post_init__(self) -> None:
        for key in ("event_id", "call_id", "agent_id", "desk_id", "team"):
            _strip(self, key)


class Utterance(_Event, frozen=True, tag="utterance"):
    seq: Annotated[int, msgspec.Meta(ge=0, le=MAX_SEQ)]
    speaker: Literal[SPEAKERS]
    text: str
    lang: Lang | None = None
    t: Seconds | None = None
    t_end: Seconds | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.t is not None and self.t_end is not None and self.t_end < self.t:
            raise ValueError(f"t_end {self.t_end} is before t {self.t}")
        text = clean_text(self.text)
        if text is not self.text:
            force_setattr(self, "text", text)


class CallEnded(_Event, frozen=True, tag="call_ended"):
    csat: Annotated[int, msgspec.Meta(ge=1, le=5)] | None = None


Event = CallStarted | Utterance | CallEnded


class _Ids(msgspec.Struct, gc=False):
    """What a rejected event's dead letter can still name."""

    event_id: Any = None
    call_id: Any = None


_DECODER = msgspec.json.Decoder(Event)
_IDS = msgspec.json.Decoder(_Ids)


def parse_event(raw: bytes | str, *, now: datetime | None = None) -> Event:
    """One event from one JSON document; raises :class:`EventRejected`."""
    if len(raw) > MAX_EVENT_BYTES:
        raise EventRejected(f"event is {len(raw):,} bytes, over the {MAX_EVENT_BYTES:,} limit")
    if isinstance(raw, bytes):
        try:
            raw.decode("utf-8")  # msgspec does not check the bytes of fields it skips
        except UnicodeDecodeError as err:
            raise EventRejected(f"not valid UTF-8 (byte {err.start})") from None
    try:
        event = _DECODER.decode(raw)
    except msgspec.ValidationError as err:
        raise _rejected(err, _peek_raw(raw)) from None
    except (msgspec.DecodeError, UnicodeEncodeError):
        # malformed, or a lone surrogate (an escape, or in text handed over as str) that the
        # one text rule cleans: the standard parser says which, and the same schema applies
        return event_from_dict(_loads(raw), now=now)
    except RecursionError:
        raise EventRejected("malformed JSON: nested too deeply") from None
    return _settle(event, now)


def event_from_dict(obj: object, *, now: datetime | None = None) -> Event:
    """The same schema applied to an already parsed event (the simulator's dicts)."""
    try:
        event = msgspec.convert(obj, Event)
    except msgspec.ValidationError as err:
        raise _rejected(err, obj if isinstance(obj, dict) else {}) from None
    except UnicodeEncodeError:  # msgspec reads a version, type, name or time as UTF-8
        raise _unencodable(obj) from None
    return _settle(event, now)


def _unencodable(obj: object) -> EventRejected:
    """A lone surrogate where no text is cleaned (only ``text`` is: the one rule)."""
    fields = obj if isinstance(obj, dict) else {}
    keys = [k for k, v in fields.items()
            if k != "text" and isinstance(v, str) and _SURROGATE.search(v)]
    where = f"field {keys[0]!r}" if keys else "a field name"
    return EventRejected(f"{where} holds a lone surrogate (not Unicode text)",
                         event_id=_peek(fields, "event_id"), call_id=_peek(fields, "call_id"))


def _loads(raw: bytes | str) -> object:
    """The standard parser, for what msgspec's decoder refused: a lone surrogate escape
    (which :func:`clean_text` turns into U+FFFD in text, and ids refuse), or malformed JSON
    (whose reason then names the line and column as it always has)."""
    try:
        return loads(raw)
    except json.JSONDecodeError as err:
        where = f"line {err.lineno} col {err.colno}"
        raise EventRejected(f"malformed JSON: {err.msg} at {where}") from None
    except ValueError as err:
        raise EventRejected(f"malformed JSON: {err}") from None


def _settle(event: Event, now: datetime | None) -> Event:
    """Every timestamp past the edge is an aware UTC instant: a missing ``ts`` means "now",
    a naive one is taken as UTC, an offset is converted (so every store keeps the instant)."""
    ts = event.ts
    if ts is None:
        force_setattr(event, "ts", now or datetime.now(UTC))
    elif ts.tzinfo is not UTC:
        try:
            force_setattr(event, "ts", ts.astimezone(UTC) if ts.tzinfo else
                          ts.replace(tzinfo=UTC))
        except OverflowError:  # year 1 or 9999 with an offset: outside every store's range
            raise EventRejected(f"{_RULES['ts']}: {ts.isoformat()} is out of range",
                                event_id=event.event_id, call_id=event.call_id) from None
    return event


def _strip(event: _Event, key: str) -> None:
    """Ids are taken without surrounding blanks (and must not be blank)."""
    value = getattr(event, key)
    if value is not None and value != (stripped := value.strip()):
        if not stripped:
            raise ValueError(f"field {key!r} must be {_ID_RULE}")
        force_setattr(event, key, stripped)


# --- reasons ---------------------------------------------------------------------------------

_MESSAGE = re.compile(r"(?P<what>.*?)(?: - at `\$(?:\.(?P<field>\w+))?[^`]*`)?", re.S)
_EXPECTED = re.compile(r"Expected `(?P<want>[^`]+)`, got `(?P<got>[^`]+)`")
_PY_NAMES = {"array": "list", "object": "dict", "null": "None"}
_RULES = {
    "type": "unknown event type (call_started, utterance, call_ended)",
    "seq": f"seq must be 0 to {MAX_SEQ:,}",
    "speaker": "speaker must be agent or customer",
    "lang": f"lang must be one of {', '.join(LANGS)}",
    "t": f"field 't' must be 0 to {MAX_T:.0f} seconds",
    "t_end": f"field 't_end' must be 0 to {MAX_T:.0f} seconds",
    "csat": "csat must be 1-5",
    "ts": "field 'ts' is not an RFC 3339 / ISO 8601 time",
    **{key: f"field {key!r} must be {_ID_RULE}"
       for key in ("event_id", "call_id", "agent_id", "desk_id", "team")},
}


def _rejected(err: msgspec.ValidationError, ids: dict) -> EventRejected:
    return EventRejected(_reason(str(err)), event_id=_peek(ids, "event_id"),
                         call_id=_peek(ids, "call_id"))


def _reason(message: str) -> str:
    """msgspec's message in the words the dead letters have always used."""
    found = _MESSAGE.fullmatch(message)
    what, field = found["what"], found["field"]
    if what.startswith("Object missing required field"):
        return f"missing field {what.split('`')[1]!r}"
    typed = _EXPECTED.fullmatch(what)
    if field is None:
        if typed and typed["want"] == "object":
            return f"an event is a JSON object, not {_py(typed['got'])}"
        return what  # a rule of our own (t_end before t)
    if field == "v":
        value = f"<{_py(typed['got'])}>" if typed else what.partition("value ")[2]
        return f"unsupported version v={value} (this monitor reads v={VERSION})"
    if typed:
        if typed["got"] == "null":
            return f"missing field {field!r}"
        return f"field {field!r} must be {_py(typed['want'])}, got {_py(typed['got'])}"
    rule = _RULES.get(field, f"field {field!r}: {what}")
    value = what.partition("value ")[2]  # "Invalid enum value 'robot'"
    return f"{rule}, got {_short(value)}" if value else rule


def _short(text: str, keep: int = 40) -> str:
    """A sender's value quoted in a reason, bounded (a reason is a log line and a row)."""
    return text if len(text) <= keep else f"{text[:keep]}…({len(text):,} characters)"


def _py(name: str) -> str:
    name = name.removesuffix(" | null")
    return _PY_NAMES.get(name, name)


def _peek_raw(raw: bytes | str) -> dict:
    """The ids of an event that failed validation, for its dead letter."""
    try:
        ids = _IDS.decode(raw)
    except (msgspec.DecodeError, UnicodeEncodeError):  # a lone surrogate: the standard parser
        try:
            obj = loads(raw)
        except ValueError:  # malformed after the field that failed
            return {}
        return obj if isinstance(obj, dict) else {}
    except (msgspec.ValidationError, RecursionError):
        return {}
    return {"event_id": ids.event_id, "call_id": ids.call_id}


def _peek(obj: dict, key: str) -> str | None:
    value = obj.get(key)
    if not isinstance(value, str) or BAD_ID.search(value):
        return None
    return value[:MAX_ID]
