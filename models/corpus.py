"""Reading labelled utterance and call files (the format in spec/labels.md), line by line,
with a clear error naming the file and line for anything that does not follow the contract."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from models.errors import ModelError
from models.text import LANGS, clean_text, detect_lang

SPEAKERS = ("customer", "agent")
SENTIMENTS = ("negative", "neutral", "positive")
CUES = (
    "none",
    "supervisor_request",
    "complaint_threat",
    "legal_or_media_threat",
    "churn_threat",
    "abuse",
    "repeat_contact",
    "compensation_dispute",
    "agent_misconduct",
)
AGENT_CUES = ("agent_misconduct",)
CUSTOMER_CUES = tuple(c for c in CUES if c not in ("none", *AGENT_CUES))
# labels.md: when two cues apply, the more severe one wins, in this order.
SEVERITY = (
    "legal_or_media_threat",
    "abuse",
    "supervisor_request",
    "complaint_threat",
    "churn_threat",
    "compensation_dispute",
    "repeat_contact",
    "agent_misconduct",
)
MAX_TEXT_CHARS = 20_000
MAX_T = 7 * 86_400.0  # seconds from the start of a call: no call lasts a week


@dataclass(frozen=True)
class Turn:
    """One labelled (or unlabelled) utterance."""

    text: str
    speaker: str
    lang: str
    sentiment: str | None = None
    cue: str | None = None
    t: float | None = None
    t_end: float | None = None
    source: str = "handwritten"
    domain: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Call:
    call_id: str
    agent_id: str
    lang: str
    turns: tuple[Turn, ...]
    escalated: bool | None = None
    first_cue_index: int | None = None
    meta: dict = field(default_factory=dict, compare=False)


def _need(obj: dict, key: str, kinds: type | tuple[type, ...], where: str) -> object:
    if key not in obj:
        raise ModelError(f"{where}: missing field {key!r}")
    value = obj[key]
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in _tuple(kinds)):
        raise ModelError(f"{where}: field {key!r} has the wrong type ({type(value).__name__})")
    return value


def _tuple(kinds: type | tuple[type, ...]) -> tuple[type, ...]:
    return kinds if isinstance(kinds, tuple) else (kinds,)


def _choice(value: object, allowed: tuple[str, ...], key: str, where: str) -> str:
    if value not in allowed:
        raise ModelError(f"{where}: {key} {value!r} is not one of {', '.join(allowed)}")
    return str(value)


def check_text(text: object, where: str) -> str:
    """The text rules every entry point shares: a non-empty string of bounded size, cleaned
    of what no transcript can mean (:func:`models.text.clean_text`)."""
    if not isinstance(text, str):
        raise ModelError(f"{where}: field 'text' must be a string")
    text = clean_text(text)
    if not text.strip():
        raise ModelError(f"{where}: text is empty")
    if len(text) > MAX_TEXT_CHARS:
        raise ModelError(f"{where}: text is {len(text)} characters (limit {MAX_TEXT_CHARS})")
    return text


def parse_turn(obj: object, where: str, *, labelled: bool = True) -> Turn:
    """Validate one utterance object; ``labelled`` requires sentiment and cue."""
    if not isinstance(obj, dict):
        raise ModelError(f"{where}: expected a JSON object")
    text = check_text(obj.get("text"), where) if "text" in obj else None
    if text is None:
        raise ModelError(f"{where}: missing field 'text'")
    speaker = _choice(_need(obj, "speaker", str, where), SPEAKERS, "speaker", where)
    lang = obj.get("lang") or detect_lang(text)
    lang = _choice(lang, LANGS, "lang", where)
    sentiment = cue = None
    if labelled or "sentiment" in obj or "cue" in obj:
        sentiment = _choice(_need(obj, "sentiment", str, where), SENTIMENTS, "sentiment", where)
        cue = _choice(_need(obj, "cue", str, where), CUES, "cue", where)
    t, t_end = obj.get("t"), obj.get("t_end")
    return Turn(
        text=text,
        speaker=speaker,
        lang=lang,
        sentiment=sentiment,
        cue=cue,
        t=seconds(t, "t", where),
        t_end=seconds(t_end, "t_end", where),
        source=str(obj.get("source", "handwritten")),
        domain=obj.get("domain"),
        tags=tuple(obj.get("tags") or ()),
    )


def seconds(value: object, key: str, where: str) -> float | None:
    """An optional time offset: a finite number of seconds from 0 to a week, or None."""
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ModelError(f"{where}: field {key!r} must be a number of seconds")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not 0.0 <= number <= MAX_T:  # also false for NaN
        raise ModelError(f"{where}: field {key!r} must be 0 to {MAX_T:.0f} seconds")
    return number


def loads(raw: bytes | str) -> object:
    """JSON as the contract means it: NaN and Infinity are not numbers here, and nesting deep
    enough to exhaust the parser is refused rather than crashing (ValueError either way)."""
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def parse_call(obj: object, where: str, *, labelled: bool = True) -> Call:
    if not isinstance(obj, dict):
        raise ModelError(f"{where}: expected a JSON object")
    call_id = str(_need(obj, "call_id", (str, int), where))
    utterances = _need(obj, "utterances", list, where)
    turns = tuple(
        parse_turn(u, f"{where} utterance {i}", labelled=False) for i, u in enumerate(utterances)
    )
    escalated = obj.get("escalated")
    first = obj.get("first_cue_index")
    if labelled:
        escalated = _need(obj, "escalated", bool, where)
        if escalated and not isinstance(first, int):
            raise ModelError(f"{where}: an escalated call needs an integer first_cue_index")
        if isinstance(first, int) and not 0 <= first < len(turns):
            raise ModelError(f"{where}: first_cue_index {first} is outside the call")
    lang = obj.get("lang") or (turns[0].lang if turns else "en")
    meta = {k: v for k, v in obj.items() if k not in ("utterances",)}
    return Call(
        call_id=call_id,
        agent_id=str(obj.get("agent_id", "")),
        lang=_choice(lang, LANGS, "lang", where),
        turns=turns,
        escalated=escalated if isinstance(escalated, bool) else None,
        first_cue_index=first if escalated else None,
        meta=meta,
    )


def iter_json_lines(path: Path) -> Iterator[tuple[str, object]]:
    """(where, parsed object) for each non-blank line; bad JSON raises naming the line."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as err:
        raise ModelError(f"{path}: cannot open: {err.strerror}") from err
    with handle:
        for number, raw in enumerate(handle, start=1):
            where = f"{path}:{number}"
            if not raw.strip():
                continue
            try:
                yield where, loads(raw.decode("utf-8"))
            except UnicodeDecodeError as err:
                raise ModelError(f"{where}: not valid UTF-8") from err
            except json.JSONDecodeError as err:
                raise ModelError(f"{where}: not valid JSON ({err.msg})") from err
            except ValueError as err:
                raise ModelError(f"{where}: not valid JSON ({err})") from err


def file_kind(path: Path) -> str:
    """``calls`` or ``utterances``, from the first object in the file."""
    for _where, obj in iter_json_lines(path):
        return "calls" if isinstance(obj, dict) and "utterances" in obj else "utterances"
    raise ModelError(f"{path}: the file has no lines")


def read_turns(path: Path) -> list[Turn]:
    return [parse_turn(obj, where) for where, obj in iter_json_lines(path)]


def read_calls(path: Path, *, labelled: bool = True) -> list[Call]:
    return [parse_call(obj, where, labelled=labelled) for where, obj in iter_json_lines(path)]


def read_corpus(paths: list[Path]) -> tuple[list[Turn], list[Call]]:
    """Every utterance file and call file under ``paths`` (files or directories)."""
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files.extend(sorted(path.rglob("*.jsonl")))
        elif path.exists():
            files.append(path)
        else:
            raise ModelError(f"{path}: no such file or directory")
    turns: list[Turn] = []
    calls: list[Call] = []
    for file in files:
        if file_kind(file) == "calls":
            calls.extend(read_calls(file))
        else:
            turns.extend(read_turns(file))
    return turns, calls
