"""The simulator's scripts: whole calls from a corpus file (``data/calls/calls.jsonl``), turned
into compact, timed scripts the floor replays. Reading goes through :mod:`models.corpus`, so a
bad line is reported with its file and line number exactly as the training loader does."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from models.corpus import Call, read_calls
from models.errors import ModelError
from simulator.errors import SimulatorError

# Used only where a corpus line has no t/t_end: the bundled corpus's own pace (README).
WORDS_PER_S = 2.5
CHARS_PER_S = 4.0
GAP_S = 0.7


@dataclass(frozen=True)
class ScriptTurn:
    speaker: str
    text: str
    t: float
    t_end: float


@dataclass(frozen=True)
class Script:
    """One corpus call ready to replay: its language, outcome and timed turns."""

    source_id: str
    lang: str
    escalated: bool | None
    flow: str | None
    turns: tuple[ScriptTurn, ...]

    @property
    def length_s(self) -> float:
        return max(turn.t_end for turn in self.turns)


def load_scripts(path: Path) -> list[Script]:
    """Every call in a calls JSON Lines file; raises :class:`SimulatorError` naming the line."""
    try:
        calls = read_calls(Path(path), labelled=False)
    except ModelError as err:
        raise SimulatorError(str(err)) from err
    scripts = scripts_from_calls(calls)
    if not scripts:
        raise SimulatorError(f"{path}: no calls with utterances to simulate")
    return scripts


def scripts_from_calls(calls: Iterable[Call]) -> list[Script]:
    """Calls without turns are left out (there is nothing to say on them)."""
    return [_script(call) for call in calls if call.turns]


def _script(call: Call) -> Script:
    turns, clock = [], 0.0
    for turn in call.turns:
        t = turn.t if turn.t is not None else clock + GAP_S
        t_end = turn.t_end if turn.t_end is not None and turn.t_end > t else \
            t + _speaking_time(turn.text, call.lang)
        turns.append(ScriptTurn(turn.speaker, turn.text, round(t, 2), round(t_end, 2)))
        clock = max(clock, t_end)
    flow = call.meta.get("flow")
    return Script(call.call_id, call.lang, call.escalated,
                  flow if isinstance(flow, str) else None, tuple(turns))


def _speaking_time(text: str, lang: str) -> float:
    if lang == "en":
        return max(0.6, len(text.split()) / WORDS_PER_S)
    return max(0.6, len(text) / CHARS_PER_S)
