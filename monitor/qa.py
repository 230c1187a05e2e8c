"""TEMPORARY stub until models/scorecard.py lands."""
from __future__ import annotations


def turn_qa(text, speaker, lexicon):
    out = {}
    for m in lexicon.find(text):
        out.setdefault(m.category, []).append(m.phrase)
    return out


def call_scorecard(turns, lexicon, lang):
    first_agent = [i for i, t in enumerate(turns) if t.speaker == "agent"][:2]
    greet = any(lexicon.find(turns[i].text, ["greeting"]) for i in first_agent)
    return {"v": 1, "score": 50.0, "items": {"greeting": {"applicable": True, "passed": greet,
            "turns": []}}, "caller_style": {"style": None}}
