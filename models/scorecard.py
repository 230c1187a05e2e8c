"""The per-call QA scorecard, computed when a call ends (domain.md), and the per-turn QA
phrase hits.

QA scorecard, caller style, PII redaction
-----------------------------------------
:func:`scorecard` turns a finished call (a list of :class:`ScoredTurn`: speaker, redacted text,
the classifier's sentiment and cue, optional ``t``/``t_end``) into a plain JSON-able dict, the
shape the store keeps and the dashboard reads (``"v": 1``). Phrases come from the domain
lexicon (``data/lexicon/qa_lexicon.tsv``, loaded with :func:`models.lexicon.load_lexicon`), so a
site changes what counts as a greeting or a taboo phrase without code. Turn indexes are
positions in the list given (0-based).

Items (each ``{"applicable", "passed", "turns"}``; ``turns`` are the turns that show it):

- ``greeting``: an agent greeting phrase in one of the agent's first two turns. Applicable
  when the agent spoke.
- ``apology_before_thanks``: applicable when the customer complained, i.e. a customer turn
  was negative or had a cue. Passes when the agent apologised after the first such turn and
  before the agent's first thanks after it (in the same turn, the apology comes first). A call
  with an apology and no thanks passes; one with thanks and no apology fails. ``turns``: the
  apology turn and the first thanks turn.
- ``empathy``: applicable when the customer complained; passes when an agent empathy phrase
  ("I understand how you feel", 我很理解) comes at or after the first complaining turn.
  ``turns``: every agent turn with an empathy phrase.
- ``taboo``: always applicable; passes when no agent turn used a taboo phrase. ``turns`` and
  ``phrases`` list the offending agent turns and the phrases as said (first occurrence each).
  Hedges and "caution" words (but, always, never) are shown per turn by :func:`turn_qa` but do
  not fail the item.
- ``solution_after_heard``: applicable when a customer turn describes the problem (at least
  four words, or six characters in Chinese: not "ok" or 嗯). Passes when an agent turn with a
  solution phrase ("here's what I can do", 我這邊幫您) comes after such a turn and is not the
  agent's first reply to a complaining customer turn (offered that early it sounds
  perfunctory). "I can't" is not a solution.
- ``closing_thanks``: applicable when the agent spoke; passes when one of the agent's last two
  turns thanks the customer.

``score`` is the share of applicable items passed, 0-100, one decimal.

``timing`` needs ``t``/``t_end`` (untimed turns are left out; all null when fewer than two
turns are timed): ``longest_silence_s`` is the longest gap between the end of all speech so
far and the next turn's start; ``talk_speed`` is per speaker, in words per minute for an
English call and Chinese characters (plus one per Latin word or number) per second for a
Chinese one (``unit`` says which); ``interruptions`` counts, per speaker, turns that start more
than 0.25 s before the other speaker's latest turn ended.

``caller_style`` comes from :func:`models.caller_style.estimate_style`, with the recommended
approach in ``approach_lang`` (by default the call's language).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from models.caller_style import UI_LANGS, TurnLike, approach, estimate_style
from models.lexicon import BAD_PRACTICE, GOOD_PRACTICE, SIGNALS, Lexicon, Match
from models.text import detect_lang

VERSION = 1
ITEMS = (
    "greeting",
    "apology_before_thanks",
    "empathy",
    "taboo",
    "solution_after_heard",
    "closing_thanks",
)
INTERRUPT_TOLERANCE_S = 0.25
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
_NEGATED = re.compile(r"\s*(?:['’]t\b|not\b|n['’]t\b)", re.IGNORECASE)
_QA_CATEGORIES = ("greeting", "apology", "thanks", "empathy", "solution", "closing", "taboo")


class TurnWithCue(TurnLike, Protocol):
    """Any turn with these fields will do (the monitor passes its own)."""

    cue: str


@dataclass(frozen=True)
class ScoredTurn:
    """One finished turn as the scorecard reads it (the text already redacted)."""

    speaker: str  # "agent" or "customer"
    text: str
    sentiment: str = "neutral"  # the classifier's: negative / neutral / positive
    cue: str = "none"
    t: float | None = None  # seconds from the call start
    t_end: float | None = None


def turn_qa(text: str, speaker: str, lexicon: Lexicon) -> dict[str, list[str]]:
    """The lexicon categories matched in one turn, with the phrases as said, e.g.
    ``{"apology": ["I'm sorry"], "taboo": ["you have to"]}``. Agent turns are read for good
    and bad practice, customer turns for escalation signal words."""
    return qa_phrases(turn_matches(text, speaker, lexicon))


def turn_matches(text: str, speaker: str, lexicon: Lexicon) -> dict[str, list[Match]]:
    """The matches behind :func:`turn_qa`, by category. The live monitor keeps them per
    turn and hands them to :func:`scorecard` at the end of the call (``hits=``), so no turn
    is matched twice."""
    categories = GOOD_PRACTICE + BAD_PRACTICE if speaker == "agent" else SIGNALS
    found: dict[str, list[Match]] = {}
    for match in _matches(text, lexicon, categories):
        found.setdefault(match.category, []).append(match)
    return found


def qa_phrases(matches: dict[str, list[Match]]) -> dict[str, list[str]]:
    return {category: list(dict.fromkeys(m.phrase for m in found))
            for category, found in matches.items()}


def _matches(text: str, lexicon: Lexicon, categories: Sequence[str]) -> list[Match]:
    """Lexicon matches, without "I can" / "I will" solutions that are really "I can't"."""
    return [
        m for m in lexicon.find(text, categories)
        if not (m.category == "solution" and _NEGATED.match(text, m.end))
    ]


def scorecard(
    turns: Sequence[TurnWithCue],
    lexicon: Lexicon,
    lang: str | None = None,
    *,
    approach_lang: str | None = None,
    hits: Sequence[dict[str, list[Match]]] | None = None,
) -> dict:
    """The QA scorecard of a finished call (see the module docstring for every item).
    ``hits``: each turn's :func:`turn_matches`, when the caller already has them."""
    if lang is None:
        lang = detect_lang(" ".join(t.text for t in turns)) if turns else "en"
    if hits is None or len(hits) != len(turns):
        hits = [_turn_hits(t, lexicon) for t in turns]
    else:
        hits = [h if t.speaker == "agent" else {} for t, h in zip(turns, hits, strict=True)]
    items = _items(turns, hits)
    applicable = [item for item in items.values() if item["applicable"]]
    score = 100.0 * sum(item["passed"] for item in applicable) / len(applicable)
    style = estimate_style(turns)
    return {
        "v": VERSION,
        "score": round(score, 1),
        "items": items,
        "timing": _timing(turns, lang),
        "caller_style": {
            "style": style.style,
            "scores": style.scores,
            "approach": approach(style.style, approach_lang or _ui_lang(lang)),
        },
    }


def _ui_lang(lang: str) -> str:
    return lang if lang in UI_LANGS else "en"


def _turn_hits(turn: TurnWithCue, lexicon: Lexicon) -> dict[str, list[Match]]:
    if turn.speaker != "agent":
        return {}
    found: dict[str, list[Match]] = {}
    for match in _matches(turn.text, lexicon, _QA_CATEGORIES):
        found.setdefault(match.category, []).append(match)
    return found


def _items(turns: Sequence[TurnWithCue], hits: list[dict[str, list[Match]]]) -> dict[str, dict]:
    agent = [i for i, t in enumerate(turns) if t.speaker == "agent"]
    complaint = next((i for i, t in enumerate(turns) if _complains(t)), None)
    return {
        "greeting": _greeting(agent, hits),
        "apology_before_thanks": _apology_before_thanks(agent, hits, complaint),
        "empathy": _empathy(agent, hits, complaint),
        "taboo": _taboo(agent, hits),
        "solution_after_heard": _solution_after_heard(turns, agent, hits),
        "closing_thanks": _closing_thanks(agent, hits),
    }


def _item(applicable: bool, passed: bool, turns: list[int]) -> dict:
    return {"applicable": applicable, "passed": applicable and passed, "turns": turns}


def _complains(turn: TurnWithCue) -> bool:
    return turn.speaker == "customer" and (
        turn.sentiment == "negative" or turn.cue not in ("none", None)
    )


def _greeting(agent: list[int], hits: list[dict]) -> dict:
    found = [i for i in agent[:2] if "greeting" in hits[i]]
    return _item(bool(agent), bool(found), found)


def _apology_before_thanks(agent: list[int], hits: list[dict], complaint: int | None) -> dict:
    if complaint is None:
        return _item(False, False, [])
    after = [i for i in agent if i > complaint]
    apology = _first(after, hits, "apology")
    thanks = _first(after, hits, "thanks")
    turns = sorted({pos[0] for pos in (apology, thanks) if pos is not None})
    passed = apology is not None and (thanks is None or apology < thanks)
    return _item(True, passed, turns)


def _first(indexes: list[int], hits: list[dict], category: str) -> tuple[int, int] | None:
    """(turn, character offset) of the first phrase of ``category``."""
    for i in indexes:
        if category in hits[i]:
            return (i, min(m.start for m in hits[i][category]))
    return None


def _empathy(agent: list[int], hits: list[dict], complaint: int | None) -> dict:
    found = [i for i in agent if "empathy" in hits[i]]
    passed = complaint is not None and any(i > complaint for i in found)
    return _item(complaint is not None, passed, found)


def _taboo(agent: list[int], hits: list[dict]) -> dict:
    found = [i for i in agent if "taboo" in hits[i]]
    phrases = list(dict.fromkeys(m.phrase for i in found for m in hits[i]["taboo"]))
    return {"applicable": True, "passed": not found, "turns": found, "phrases": phrases}


def _solution_after_heard(turns: Sequence[TurnWithCue], agent: list[int], hits: list[dict]) -> dict:
    heard = next((i for i, t in enumerate(turns) if _describes_problem(t)), None)
    if heard is None:
        return _item(False, False, [])
    first_replies = {_next_agent(agent, i) for i, t in enumerate(turns) if _complains(t)}
    found = [i for i in agent if i > heard and "solution" in hits[i] and i not in first_replies]
    return _item(True, bool(found), found)


def _describes_problem(turn: TurnWithCue) -> bool:
    if turn.speaker != "customer":
        return False
    return len(_LATIN_WORD.findall(turn.text)) >= 4 or len(_CJK.findall(turn.text)) >= 6


def _next_agent(agent: list[int], index: int) -> int | None:
    return next((i for i in agent if i > index), None)


def _closing_thanks(agent: list[int], hits: list[dict]) -> dict:
    found = [i for i in agent[-2:] if "thanks" in hits[i]]
    return _item(bool(agent), bool(found), found)


# --- timing ----------------------------------------------------------------------------------


def _timing(turns: Sequence[TurnWithCue], lang: str) -> dict:
    timed = sorted(
        (t for t in turns if t.t is not None and t.t_end is not None and t.t_end >= t.t),
        key=lambda t: t.t,
    )
    unit = "words_per_min" if lang == "en" else "chars_per_s"
    if len(timed) < 2:
        return {"longest_silence_s": None,
                "talk_speed": {"agent": None, "customer": None, "unit": unit},
                "interruptions": None}
    return {
        "longest_silence_s": _longest_silence(timed),
        "talk_speed": {**{s: _talk_speed(timed, s, lang) for s in ("agent", "customer")},
                       "unit": unit},
        "interruptions": _interruptions(timed),
    }


def _longest_silence(timed: list[TurnWithCue]) -> float:
    longest, spoken_until = 0.0, timed[0].t_end
    for turn in timed[1:]:
        longest = max(longest, turn.t - spoken_until)
        spoken_until = max(spoken_until, turn.t_end)
    return round(longest, 2)


def _talk_speed(timed: list[TurnWithCue], speaker: str, lang: str) -> float | None:
    own = [t for t in timed if t.speaker == speaker]
    seconds = sum(t.t_end - t.t for t in own)
    if not own or seconds <= 0:
        return None
    if lang == "en":
        return round(sum(len(_LATIN_WORD.findall(t.text)) for t in own) / seconds * 60, 1)
    units = sum(len(_CJK.findall(t.text)) + len(_LATIN_WORD.findall(t.text)) for t in own)
    return round(units / seconds, 2)


def _interruptions(timed: list[TurnWithCue]) -> dict[str, int]:
    counts = {"agent": 0, "customer": 0}
    last_end: dict[str, float] = {}
    for turn in timed:
        if turn.speaker not in counts:
            continue
        other = "customer" if turn.speaker == "agent" else "agent"
        if other in last_end and turn.t < last_end[other] - INTERRUPT_TOLERANCE_S:
            counts[turn.speaker] += 1
        last_end[turn.speaker] = max(last_end.get(turn.speaker, turn.t_end), turn.t_end)
    return counts
