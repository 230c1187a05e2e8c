"""The rules a hand-written natural call file must follow (data/calls/natural/), beyond
the format that models.corpus already checks: labels consistent with the turns, the call
fields evaluation reads, and no turn text shared between calls."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from models.corpus import AGENT_CUES, Call, read_calls
from models.text import normalize

CALL_TYPES = (
    "routine",  # an ordinary call, full of keyword traps; no cue
    "recovered",  # rough start, the agent recovers it; no cue
    "mild",  # mildly annoyed throughout, handled; no cue
    "slowburn",  # worsening turns, first cue comes late
    "polite",  # the escalation is said courteously or indirectly
    "direct",  # a plain cue (some are de-escalated afterwards)
    "misconduct_first",  # the agent's misconduct is the first cue
    "sentiment_only",  # escalated without any cue turn
    "churn",  # a remedy is rejected and the customer leaves
)
ESCALATED_TYPES = frozenset(
    {"slowburn", "polite", "direct", "misconduct_first", "sentiment_only", "churn"})
MIN_TURNS, MAX_TURNS = 10, 30
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)

# A writer's note-taking marker ("- " before the turns they meant as cues) once leaked into
# the text of 13 batches; live transcripts never carry it.
MARKER = re.compile(r"^\s*[-*•]\s")


def text_key(text: str) -> str:
    """What two turns must not share: the classifier's own folding (width, case, script)
    without punctuation and spaces."""
    return _PUNCT.sub("", normalize(text))


def call_problems(call: Call) -> list[str]:
    """Every rule one call breaks, as readable sentences (empty when it is fine)."""
    out: list[str] = []
    meta = call.meta
    for key in ("type", "domain", "batch"):
        if not isinstance(meta.get(key), str) or not meta.get(key):
            out.append(f"missing {key}")
    kind = meta.get("type")
    if isinstance(kind, str) and kind not in CALL_TYPES:
        out.append(f"type {kind!r} is not one of {', '.join(CALL_TYPES)}")
    if not MIN_TURNS <= len(call.turns) <= MAX_TURNS:
        out.append(f"{len(call.turns)} turns (must be {MIN_TURNS} to {MAX_TURNS})")
    out += _turn_problems(call)
    out += _label_problems(call, kind)
    return out


def _turn_problems(call: Call) -> list[str]:
    out: list[str] = []
    last_t = -1.0
    for i, turn in enumerate(call.turns):
        if turn.sentiment is None or turn.cue is None:
            out.append(f"turn {i} has no sentiment/cue label")
            continue
        if MARKER.match(turn.text):
            out.append(f"turn {i} starts with a writer's list marker ({turn.text[:3]!r}): "
                       "remove it (it tells a model which turns are cues)")
        agent_cue = turn.cue in AGENT_CUES
        if turn.cue != "none" and agent_cue != (turn.speaker == "agent"):
            out.append(f"turn {i}: cue {turn.cue} cannot be said by the {turn.speaker}")
        if turn.t is None:
            out.append(f"turn {i} has no t")
        elif turn.t < last_t:
            out.append(f"turn {i}: t {turn.t} goes back in time (previous {last_t})")
        else:
            last_t = turn.t
    return out


def _label_problems(call: Call, kind: object) -> list[str]:
    cue_turns = [i for i, t in enumerate(call.turns) if t.cue not in (None, "none")]
    out: list[str] = []
    if cue_turns:
        if call.escalated is not True:
            out.append(f"turn {cue_turns[0]} has a cue, so the call must be escalated")
        elif call.first_cue_index != cue_turns[0]:
            out.append(f"first_cue_index {call.first_cue_index} but the first cue is turn "
                       f"{cue_turns[0]}")
        if kind == "sentiment_only":
            out.append("a sentiment_only call has no cue turns")
    elif call.escalated:
        if kind != "sentiment_only":
            out.append("escalated without a cue turn: type must be sentiment_only")
        first = call.first_cue_index
        if first is not None and call.turns[first].speaker != "customer":
            out.append("a sentiment_only first_cue_index must point at a customer turn")
    if kind in CALL_TYPES and (kind in ESCALATED_TYPES) != bool(call.escalated):
        out.append(f"type {kind} but escalated is {call.escalated}")
    return out


def shared_texts(calls: list[Call]) -> dict[str, list[str]]:
    """Turn texts (by text_key) that occur in more than one place: key -> call ids."""
    where: dict[str, list[str]] = defaultdict(list)
    for call in calls:
        for turn in call.turns:
            where[text_key(turn.text)].append(call.call_id)
    return {k: ids for k, ids in where.items() if len(ids) > 1}


def check_files(paths: list[Path]) -> list[str]:
    """Every problem across the files, each naming its call; duplicates checked across all."""
    calls: list[Call] = []
    out: list[str] = []
    for path in paths:
        for call in read_calls(path):
            calls.append(call)
            out += [f"{path.name} {call.call_id}: {p}" for p in call_problems(call)]
    seen: dict[str, int] = defaultdict(int)
    for call in calls:
        seen[call.call_id] += 1
    out += [f"call_id {cid} is used {n} times" for cid, n in seen.items() if n > 1]
    by_id = {c.call_id: c for c in calls}
    for key, ids in shared_texts(calls).items():
        sample = next(t.text for t in by_id[ids[0]].turns if text_key(t.text) == key)
        out.append(f"turn text {sample!r} occurs in {', '.join(ids)}")
    return out
