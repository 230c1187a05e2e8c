#!/usr/bin/env python3
"""Compose the whole-call corpus from hand-written scenario material.

    python data/calls/compose.py            # rewrite data/calls/calls.jsonl, then validate it
    python data/calls/compose.py --langs en # only some languages (used while writing material)

Standard library only and deterministic: the same scenario files and SEED always give the same
calls.jsonl. Every turn in the output is a hand-written line from data/calls/scenarios/<lang>/
with the labels written next to it; this script only chooses lines, orders them into flows,
fills the {company}/{agent}/{cname} placeholders, adds timestamps, and derives the call labels
(escalated, first_cue_index) from the flow. See README.md in this folder.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter, defaultdict
from itertools import pairwise
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIO_DIR = HERE / "scenarios"
OUT = HERE / "calls.jsonl"
SEED = 20250611

LANGS = ("en", "zh-Hant", "zh-Hans")
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
STYLES = ("R", "I", "D", "E")

NEG, NEU, POS = "negative", "neutral", "positive"
# phase -> (speaker, allowed cues, allowed sentiments)
PHASES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    # agent, good practice or neutral
    "greeting": ("agent", ("none",), (NEU, POS)),
    "verify": ("agent", ("none",), (NEU, POS)),
    "paraphrase": ("agent", ("none",), (NEU, POS)),
    "apology": ("agent", ("none",), (NEU, POS)),
    "thank_patience": ("agent", ("none",), (NEU, POS)),
    "hold": ("agent", ("none",), (NEU, POS)),
    "back_from_hold": ("agent", ("none",), (NEU, POS)),
    "solution": ("agent", ("none",), (NEU, POS)),
    "recovery": ("agent", ("none",), (NEU, POS)),
    "deflect": ("agent", ("none",), (NEU,)),
    "ack_supervisor": ("agent", ("none",), (NEU, POS)),
    "ack_threat": ("agent", ("none",), (NEU, POS)),
    "civil_warning": ("agent", ("none",), (NEU,)),
    "anything_else": ("agent", ("none",), (NEU, POS)),
    "closing": ("agent", ("none",), (NEU, POS)),
    "closing_flat": ("agent", ("none",), (NEU,)),
    "filler_agent": ("agent", ("none",), (NEU,)),
    # agent misconduct: the cue
    "misconduct": ("agent", ("agent_misconduct",), (NEG,)),
    # customer, no cue
    "problem_calm": ("customer", ("none",), (NEU,)),
    "problem_upset": ("customer", ("none",), (NEG,)),
    "details": ("customer", ("none",), (NEU,)),
    "confirm": ("customer", ("none",), (NEU, POS)),
    "filler_customer": ("customer", ("none",), (NEU,)),
    "still_there": ("customer", ("none",), (NEU,)),
    "calm_down": ("customer", ("none",), (NEU, POS)),
    "accept": ("customer", ("none",), (NEU, POS)),
    "no_more": ("customer", ("none",), (NEU, POS)),
    "thanks": ("customer", ("none",), (POS,)),
    "vent": ("customer", ("none",), (NEG,)),
    "worse": ("customer", ("none",), (NEG,)),
    "grumble": ("customer", ("none",), (NEG,)),
    "misconduct_reaction": ("customer", ("none",), (NEG,)),
    "post_cue": ("customer", ("none",), (NEG,)),
    "resigned": ("customer", ("none",), (NEG,)),
    # customer cues
    "supervisor": ("customer", ("supervisor_request",), (NEG,)),
    "complaint": ("customer", ("complaint_threat",), (NEG,)),
    "legal_media": ("customer", ("legal_or_media_threat",), (NEG,)),
    "abuse": ("customer", ("abuse",), (NEG,)),
    "churn": ("customer", ("churn_threat",), (NEG,)),
    "repeat": ("customer", ("repeat_contact",), (NEG,)),
    "reject_comp": ("customer", ("compensation_dispute",), (NEG,)),
    "calm_cue": ("customer", CUSTOMER_CUES, (NEU,)),
}
SCENARIO_PHASES = (
    "problem_calm",
    "problem_upset",
    "details",
    "vent",
    "worse",
    "calm_down",
    "accept",
    "grumble",
    "reject_comp",
    "churn",
    "repeat",
    "verify",
    "paraphrase",
    "solution",
    "deflect",
    "misconduct",
)
COMMON_PHASES = (
    "greeting",
    "apology",
    "thank_patience",
    "hold",
    "back_from_hold",
    "recovery",
    "deflect",
    "misconduct",
    "ack_supervisor",
    "ack_threat",
    "civil_warning",
    "anything_else",
    "closing",
    "closing_flat",
    "filler_agent",
    "filler_customer",
    "still_there",
    "confirm",
    "no_more",
    "thanks",
    "vent",
    "worse",
    "grumble",
    "supervisor",
    "complaint",
    "legal_media",
    "abuse",
    "calm_cue",
    "misconduct_reaction",
    "post_cue",
    "resigned",
)
MIN_SCENARIOS = 14
NOT_ESCALATED = ("smooth", "rough_recovered", "mild_grumble")
CUE_FLOWS = ("slow_burn_then_cue", "sudden_cue", "remedy_rejected", "agent_misconduct")
FLOWS = NOT_ESCALATED + CUE_FLOWS + ("sustained_negative_no_cue",)

# calls per language and flow: 66 not escalated, 64 escalated; rough_recovered is 36/130 = 28%
PLAN = {
    "smooth": 18,
    "rough_recovered": 36,
    "mild_grumble": 12,
    "slow_burn_then_cue": 18,
    "sudden_cue": 10,
    "remedy_rejected": 12,
    "agent_misconduct": 10,
    "sustained_negative_no_cue": 14,
}
STYLE_WEIGHTS = {  # R I D E
    "smooth": (4, 3, 1.5, 1.5),
    "rough_recovered": (1.5, 2, 3, 3.5),
    "mild_grumble": (2, 3, 3, 2),
    "slow_burn_then_cue": (1.5, 2, 3.5, 3),
    "sudden_cue": (3.5, 3.5, 1.5, 1.5),
    "remedy_rejected": (2, 3.5, 2.5, 2),
    "agent_misconduct": (2.5, 2.5, 2.5, 2.5),
    "sustained_negative_no_cue": (2, 2, 2.5, 3.5),
}
# agents: ids are split by language desk; a few agents are more often in misconduct/deflecting calls
AGENTS = {
    "en": [f"a-{i:02d}" for i in range(1, 14)],
    "zh-Hant": [f"a-{i:02d}" for i in range(14, 28)],
    "zh-Hans": [f"a-{i:02d}" for i in range(28, 41)],
}
RISKY_AGENTS = {"a-07", "a-11", "a-19", "a-25", "a-31", "a-38"}
SPEECH_RATE = {"en": 2.5, "zh-Hant": 4.0, "zh-Hans": 4.0}  # words/s, chars/s
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z0-9']+")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
ALLOWED_PLACEHOLDERS = {"company", "agent", "cname"}


class DataError(Exception):
    pass


# ---------------------------------------------------------------- material


def load_material(lang: str) -> tuple[dict, list[dict]]:
    folder = SCENARIO_DIR / lang
    files = sorted(folder.glob("*.json"))
    if not files:
        raise DataError(f"no scenario files in {folder}")
    common: dict | None = None
    scenarios: list[dict] = []
    for path in files:
        obj = json.loads(path.read_text(encoding="utf-8"))
        if obj.get("lang") != lang:
            raise DataError(f"{path}: lang is {obj.get('lang')!r}, expected {lang!r}")
        if "phases" in obj:
            if common is not None:
                raise DataError(f"{path}: a second common phase file")
            common = obj
        for scen in obj.get("scenarios", []):
            scen["_file"] = path.name
            scenarios.append(scen)
    if common is None:
        raise DataError(f"{folder}: no common phase file (an object with 'phases')")
    return common, scenarios


def check_turn(turn: dict, phase: str, where: str, errors: list[str]) -> None:
    speaker, cues, sentiments = PHASES[phase]
    for key in ("speaker", "sentiment", "cue", "text"):
        if key not in turn:
            errors.append(f"{where}: missing {key}")
            return
    if turn["speaker"] not in SPEAKERS or turn["speaker"] != speaker:
        errors.append(f"{where}: speaker {turn['speaker']!r}, phase {phase} needs {speaker}")
    if turn["sentiment"] not in SENTIMENTS or turn["sentiment"] not in sentiments:
        errors.append(f"{where}: sentiment {turn['sentiment']!r} not allowed in {phase}")
    if turn["cue"] not in CUES or turn["cue"] not in cues:
        errors.append(f"{where}: cue {turn['cue']!r} not allowed in {phase}")
    if turn["cue"] in AGENT_CUES and turn["speaker"] != "agent":
        errors.append(f"{where}: agent cue on a customer turn")
    if turn["cue"] in CUSTOMER_CUES and turn["speaker"] != "customer":
        errors.append(f"{where}: customer cue on an agent turn")
    if not isinstance(turn["text"], str) or not turn["text"].strip():
        errors.append(f"{where}: empty text")
    for name in PLACEHOLDER.findall(turn["text"]):
        if name not in ALLOWED_PLACEHOLDERS:
            errors.append(f"{where}: unknown placeholder {{{name}}}")
    style = turn.get("style")
    if style is not None and (not isinstance(style, str) or any(s not in STYLES for s in style)):
        errors.append(f"{where}: style {style!r}")
    if phase == "worse" and turn.get("level") not in (1, 2, 3):
        errors.append(f"{where}: a worse turn needs level 1-3")


def validate_material(lang: str, common: dict, scenarios: list[dict]) -> list[str]:
    errors: list[str] = []
    texts: Counter = Counter()
    for phase in COMMON_PHASES:
        turns = common["phases"].get(phase)
        if not turns or len(turns) < 3:
            errors.append(f"{lang} common: phase {phase} needs at least 3 turns")
            continue
        for i, turn in enumerate(turns):
            check_turn(turn, phase, f"{lang} common {phase}[{i}]", errors)
            texts[turn.get("text")] += 1
    for phase in common["phases"]:
        if phase not in COMMON_PHASES:
            errors.append(f"{lang} common: unknown phase {phase}")
    if len(common.get("agent_names", [])) < len(AGENTS[lang]):
        errors.append(f"{lang} common: needs {len(AGENTS[lang])} agent_names")
    if len(common.get("customer_names", [])) < 6:
        errors.append(f"{lang} common: needs at least 6 customer_names")
    if len(scenarios) < MIN_SCENARIOS:
        errors.append(f"{lang}: {len(scenarios)} scenarios, need at least {MIN_SCENARIOS}")
    ids = Counter(s.get("id") for s in scenarios)
    for sid, n in ids.items():
        if n > 1:
            errors.append(f"{lang}: scenario id {sid} used {n} times")
    for scen in scenarios:
        sid = scen.get("id")
        for key in ("id", "domain", "company", "customer_name", "story", "phases"):
            if key not in scen:
                errors.append(f"{lang} {sid}: missing {key}")
        phases = scen.get("phases", {})
        for phase in SCENARIO_PHASES:
            turns = phases.get(phase)
            if not turns:
                errors.append(f"{lang} {sid}: missing phase {phase}")
                continue
            if not 3 <= len(turns) <= 5:
                errors.append(f"{lang} {sid}: phase {phase} has {len(turns)} turns (3-5)")
            for i, turn in enumerate(turns):
                check_turn(turn, phase, f"{lang} {sid} {phase}[{i}]", errors)
                texts[turn.get("text")] += 1
        for phase in phases:
            if phase not in SCENARIO_PHASES:
                errors.append(f"{lang} {sid}: unknown phase {phase}")
        if not any(t.get("kind") == "partial" for t in phases.get("solution", [])):
            errors.append(f"{lang} {sid}: needs a solution with kind 'partial'")
        if not any(t.get("kind") != "partial" for t in phases.get("solution", [])):
            errors.append(f"{lang} {sid}: needs a full solution")
        levels = {t.get("level") for t in phases.get("worse", [])}
        if not {1, 3} <= levels:
            errors.append(f"{lang} {sid}: worse turns need levels 1 and 3")
    for text, n in texts.items():
        if n > 1:
            errors.append(f"{lang}: text used {n} times in the material: {text!r}")
    return errors


# ---------------------------------------------------------------- one call


class Builder:
    """Collects the turns of one call, choosing hand-written lines phase by phase."""

    def __init__(self, rng: random.Random, common: dict, scen: dict, style: str, fill: dict):
        self.rng = rng
        self.common = common["phases"]
        self.scen = scen["phases"]
        self.style = style
        self.fill = fill
        self.turns: list[dict] = []
        self.used: set[str] = set()

    def pool(self, phase: str) -> list[dict]:
        return list(self.scen.get(phase, [])) + list(self.common.get(phase, []))

    def choose(self, cands: list[dict]) -> dict:
        fresh = [c for c in cands if c["text"] not in self.used] or cands
        mine = [c for c in fresh if self.style in c.get("style", "")]
        plain = [c for c in fresh if not c.get("style")]
        pool = mine * 3 + plain if mine else (plain or fresh)
        return self.rng.choice(pool)

    def add(
        self,
        phase: str,
        *,
        pick: dict | None = None,
        hold_before: bool = False,
        overlap_ok: bool = True,
        **filters,
    ) -> int:
        if pick is None:
            cands = self.pool(phase)
            if "kind" in filters:
                want = filters["kind"]
                cands = [c for c in cands if (c.get("kind") == "partial") == (want == "partial")]
            if "max_level" in filters:
                cands = [c for c in cands if c.get("level", 1) <= filters["max_level"]]
            if "cue" in filters:
                cands = [c for c in cands if c["cue"] == filters["cue"]]
            if not cands:
                raise DataError(f"no candidates for phase {phase} {filters}")
            pick = self.choose(cands)
        self.used.add(pick["text"])
        turn = {
            "speaker": pick["speaker"],
            "text": PLACEHOLDER.sub(lambda m: self.fill[m.group(1)], pick["text"]),
            "sentiment": pick["sentiment"],
            "cue": pick["cue"],
            "_phase": phase,
            "_level": pick.get("level", 1 if phase == "vent" or phase == "problem_upset" else 0),
            "_hold": hold_before,
            "_overlap_ok": overlap_ok,
        }
        self.turns.append(turn)
        return len(self.turns) - 1

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def hold(self, customer_may_speak: bool = True) -> None:
        self.add("hold")
        if customer_may_speak and self.chance(0.25):
            self.add("still_there", hold_before=True)  # the customer speaks into the silence
            self.add("back_from_hold")
        else:
            self.add("back_from_hold", hold_before=True)

    def rising(self, n: int, *, start_with_vent: bool = True) -> list[dict]:
        """n distinct negative customer lines with non-decreasing intensity, ending at level 3."""
        worse = self.pool("worse")
        vents = [dict(v, level=1) for v in self.pool("vent")]
        by_level = {lv: [w for w in worse if w["level"] == lv] for lv in (1, 2, 3)}
        by_level[1] = by_level[1] + vents
        free = {lv: sum(c["text"] not in self.used for c in by_level[lv]) for lv in (1, 2, 3)}
        # level plan: starts at 1, ends at 3, never goes down, within the lines available
        for _ in range(100):
            inner = sorted(self.rng.choice((1, 2, 2, 3)) for _ in range(max(0, n - 2)))
            plan = [1, *inner, 3] if n >= 2 else [3]
            if all(plan.count(lv) <= free[lv] for lv in (1, 2, 3)):
                break
        else:
            raise DataError(f"not enough negative lines for a run of {n}")
        out: list[dict] = []
        for i, lv in enumerate(plan):
            cands = [c for c in by_level[lv] if c["text"] not in self.used and c not in out]
            if i == 0 and start_with_vent:
                cands = [c for c in cands if c in vents] or cands
            if not cands:
                raise DataError(f"ran out of level {lv} negative lines")
            out.append(self.rng.choice(cands))
        return out


def ending_good(b: Builder) -> None:
    if b.chance(0.55):
        b.add("anything_else")
        b.add("no_more")
    if b.chance(0.7):
        b.add("thanks")
    b.add("closing")


def flow_smooth(b: Builder) -> int | None:
    b.add("greeting")
    b.add("problem_calm")
    if b.chance(0.3):
        b.add("apology")
    b.add("verify")
    b.add("details")
    if b.chance(0.6):
        b.add("paraphrase")
        b.add("confirm")
    if b.chance(0.5):
        b.hold()
        if b.chance(0.3):
            b.add("filler_customer")
    b.add("solution", kind="full")
    b.add("accept")
    ending_good(b)
    return None


def flow_mild_grumble(b: Builder) -> int | None:
    b.add("greeting")
    b.add("problem_calm")
    spots = b.rng.sample(["after_problem", "after_hold", "after_solution"], b.rng.choice((1, 1, 2)))
    if "after_problem" in spots:
        b.add("grumble")
        b.add(b.rng.choice(("apology", "filler_agent")))
    b.add("verify")
    b.add("details")
    if b.chance(0.5):
        b.add("paraphrase")
        b.add("confirm")
    b.hold()
    if "after_hold" in spots:
        b.add("grumble")
        b.add("thank_patience")
    else:
        b.add("filler_customer")
    b.add("solution", kind="full")
    if "after_solution" in spots:
        b.add("grumble")
        b.add(b.rng.choice(("apology", "filler_agent", "thank_patience")))
    b.add("accept")
    ending_good(b)
    return None


def rough_part(b: Builder, n: int, allow_three: bool) -> None:
    """n negative customer turns, each answered by a good-practice agent turn."""
    agent_moves = ["apology", "apology", "thank_patience", "filler_agent", "paraphrase"]
    three_used = not allow_three
    for _ in range(n):
        if b.chance(0.45):
            b.add("vent")
        else:
            top = 2 if three_used else 3
            i = b.add("worse", max_level=top)
            if b.turns[i]["_level"] == 3:
                three_used = True
        move = b.rng.choice(agent_moves)
        if move == "paraphrase":
            agent_moves.remove("paraphrase")
        b.add(move)


def flow_rough_recovered(b: Builder) -> int | None:
    rough = b.rng.choices((1, 2, 3, 4, 5, 6), weights=(12, 22, 24, 20, 13, 9))[0]
    b.add("greeting")
    b.add("problem_upset")
    rough -= 1
    if rough and b.style in "ED" and b.chance(0.55):
        b.add("vent")  # a second customer turn in a row
        rough -= 1
    if b.chance(0.2):
        b.add("deflect")  # a first standard answer the agent will recover from
        if rough:
            b.add("worse", max_level=2)
            rough -= 1
        b.add("recovery")
    else:
        b.add("apology")
    before = b.rng.randint(0, rough)
    if before:
        # the agent's answer to the last negative turn is the verification question
        rough_part(b, before - 1, allow_three=True)
        if b.chance(0.5):
            b.add("vent")
        else:
            b.add("worse", max_level=2)
    b.add("verify")
    b.add("details")
    if rough - before:
        b.add("apology" if b.chance(0.5) else "paraphrase")
        rough_part(b, rough - before, allow_three=before == 0)
    if b.chance(0.4):
        b.hold()
        if b.chance(0.4):
            b.add("filler_customer")
    if b.chance(0.5) and not any(t["_phase"] == "recovery" for t in b.turns):
        b.add("recovery")  # ownership first, then the fix
        b.add(b.rng.choice(("filler_customer", "confirm")))
    b.add("solution", kind="full")
    b.add("calm_down")
    if b.chance(0.5):
        b.add("thank_patience")
        b.add("accept")
    ending_good(b)
    return None


CUE_WEIGHTS = {
    "supervisor": 22,
    "complaint": 18,
    "legal_media": 15,
    "churn": 16,
    "abuse": 14,
    "repeat": 15,
}


def respond_to_cue(b: Builder, cue_phase: str) -> None:
    if cue_phase == "supervisor":
        b.add("ack_supervisor")
    elif cue_phase == "abuse":
        b.add("civil_warning")
    else:
        b.add("ack_threat")


def flow_slow_burn(b: Builder) -> int | None:
    b.add("greeting")
    b.add("problem_calm" if b.chance(0.4) else "problem_upset")
    b.add("verify")
    b.add("details")
    if b.chance(0.35):
        b.add("paraphrase")
        b.add("confirm")
    n = b.rng.randint(3, 6)
    rising = b.rising(n)
    held = False
    first_agent = True
    for line in rising:
        if first_agent and b.chance(0.3):
            b.add("solution", kind="partial")  # a weak offer the customer does not take
        elif not held and b.chance(0.25):
            b.add("hold")
            b.add("back_from_hold", hold_before=True)
            b.add("deflect")
            held = True
        else:
            b.add("deflect")
        first_agent = False
        b.add("worse", pick=line)
    if b.chance(0.6):
        b.add("deflect")  # otherwise the cue follows straight on: two customer turns in a row
    cue_phase = b.rng.choices(list(CUE_WEIGHTS), weights=list(CUE_WEIGHTS.values()))[0]
    first = b.add(cue_phase)
    respond_to_cue(b, cue_phase)
    if b.chance(0.35):
        second = b.rng.choice([p for p in CUE_WEIGHTS if p != cue_phase])
        b.add(second)
        respond_to_cue(b, second)
    else:
        b.add("post_cue")
    if cue_phase == "supervisor" and b.chance(0.5):
        b.add("hold")  # transferred to the supervisor: the transcript ends on the hold
    else:
        b.add("closing_flat")
    return first


def flow_sudden_cue(b: Builder) -> int | None:
    b.add("greeting")
    if b.chance(0.35):
        first = b.add("repeat")  # "third time I'm calling" straight after the greeting
        b.add("apology")
        b.add("verify")
        b.add("details")
        b.add("paraphrase")
        b.add("confirm")
        if b.chance(0.5):
            b.hold()
        b.add("solution", kind="full")
        b.add("calm_down" if b.chance(0.5) else "accept")
        ending_good(b)
        return first
    b.add("problem_calm")
    b.add("verify")
    b.add("details")
    if b.chance(0.6):
        b.add("paraphrase")
        b.add("confirm")
    if b.chance(0.5):
        b.hold()
    if b.chance(0.5):
        b.add("solution", kind="partial")
    else:
        b.add("filler_agent")
    first = b.add("calm_cue")
    cue = b.turns[first]["cue"]
    b.add("ack_supervisor" if cue == "supervisor_request" else "ack_threat")
    b.add("filler_customer")
    if cue == "supervisor_request" and b.chance(0.5):
        b.add("hold")  # transferred
    else:
        b.add("closing_flat" if b.chance(0.5) else "closing")
    return first


def flow_remedy_rejected(b: Builder) -> int | None:
    upset = b.chance(0.5)
    b.add("greeting")
    b.add("problem_upset" if upset else "problem_calm")
    b.add("verify")
    b.add("details")
    b.add("apology")
    if b.chance(0.5):
        b.add("vent")
        b.add("paraphrase")
        b.add("confirm")
    else:
        b.add("filler_customer")
        b.add("paraphrase")
        b.add("confirm")
    if b.chance(0.5):
        b.hold()
    b.add("solution", kind="partial")
    first = b.add("reject_comp" if b.chance(0.6) else "supervisor")
    b.add("ack_supervisor")  # domain step 6: report the rejected remedy to the supervisor
    b.add("post_cue" if b.chance(0.6) else "filler_customer")
    if b.chance(0.5):
        b.add("hold")  # transferred to the supervisor
    else:
        b.add("closing_flat")
    return first


def flow_agent_misconduct(b: Builder) -> int | None:
    b.add("greeting")
    b.add("problem_calm" if b.chance(0.5) else "problem_upset")
    b.add("verify")
    b.add("details")
    if b.chance(0.5):
        b.add("paraphrase")
        b.add("vent" if b.chance(0.6) else "confirm")
    first = b.add("misconduct")
    b.add("misconduct_reaction")
    if b.chance(0.5):
        b.add("misconduct")
    else:
        b.add("deflect")
    b.add("worse", max_level=3)
    if b.chance(0.6):
        b.add("misconduct" if b.chance(0.3) else "deflect")
        replies = ("complaint", "supervisor", "legal_media", "abuse")
        reply = b.rng.choices(replies, (5, 3, 1.5, 1))[0]
        b.add(reply)  # e.g. "what's your name and ID? I'm reporting this"
        if b.chance(0.25):
            b.add("misconduct")  # provoking instead of de-escalating
        else:
            respond_to_cue(b, reply)
    else:
        b.add("deflect")
    b.add("post_cue" if b.chance(0.5) else "resigned")
    b.add("closing_flat")
    return first


def flow_sustained(b: Builder) -> int | None:
    b.add("greeting")
    b.add("problem_upset")
    if b.chance(0.6):
        b.add("verify")
        b.add("details")
        run = b.rising(b.rng.choice((5, 5, 6)))
    else:
        # the agent never verifies: the run starts with the problem statement itself
        run = b.rising(b.rng.choice((4, 5)))[1:]
    held = False
    first = None
    for line in run:
        if not held and b.chance(0.2):
            b.hold(customer_may_speak=False)  # a neutral customer turn would break the run
            held = True
        else:
            b.add(b.rng.choice(("deflect", "deflect", "deflect", "filler_agent")))
        i = b.add("worse", pick=line)
        if first is None and negative_run(b.turns, i) >= 4:
            first = i
    b.add("deflect")
    b.add("resigned")
    b.add("closing_flat")
    return first


def negative_run(turns: list[dict], i: int) -> int:
    """Length of the run of consecutive negative customer turns ending at i, with intensity
    never going down, and no good-practice agent turn (apology, recovery, solution) inside."""
    n, last = 0, 99
    for t in reversed(turns[: i + 1]):
        if t["speaker"] == "agent":
            if t["_phase"] in ("apology", "recovery", "solution", "thank_patience", "paraphrase"):
                break
            continue
        if t["sentiment"] != NEG or t["_level"] > last:
            break
        n += 1
        last = t["_level"]
    return n


def max_run(turns: list[dict]) -> int:
    return max((negative_run(turns, i) for i in range(len(turns))), default=0)


FLOW_FUNCS = {
    "smooth": flow_smooth,
    "rough_recovered": flow_rough_recovered,
    "mild_grumble": flow_mild_grumble,
    "slow_burn_then_cue": flow_slow_burn,
    "sudden_cue": flow_sudden_cue,
    "remedy_rejected": flow_remedy_rejected,
    "agent_misconduct": flow_agent_misconduct,
    "sustained_negative_no_cue": flow_sustained,
}


# ---------------------------------------------------------------- timing


def speech_seconds(text: str, lang: str, rng: random.Random) -> float:
    if lang == "en":
        units = len(text.split())
    else:
        units = len(CJK.findall(text)) + 1.6 * len(LATIN_WORD.findall(text))
    return max(0.5, units / SPEECH_RATE[lang] * rng.uniform(0.85, 1.2) + 0.2)


def add_times(turns: list[dict], lang: str, style: str, rng: random.Random) -> None:
    t = rng.uniform(0.2, 1.2)
    prev: dict | None = None
    for turn in turns:
        dur = speech_seconds(turn["text"], lang, rng)
        if prev is not None:
            gap = rng.uniform(0.3, 1.4) if rng.random() > 0.12 else rng.uniform(1.4, 3.0)
            if turn["_hold"]:
                gap = rng.uniform(18.0, 95.0)
            elif (
                turn["speaker"] == "customer"
                and prev["speaker"] == "agent"
                and turn["_overlap_ok"]
                and rng.random() < {"D": 0.35, "E": 0.1}.get(style, 0)
            ):
                prev_dur = prev["t_end"] - prev["t"]
                gap = -rng.uniform(0.3, max(0.35, min(1.5, prev_dur * 0.5)))  # interrupts
            t = max(prev["t"] + 0.3, prev["t_end"] + gap)
        turn["t"] = round(t, 2)
        turn["t_end"] = round(t + dur, 2)
        prev = turn
        t = turn["t_end"]


# ---------------------------------------------------------------- corpus


def compose_lang(lang: str, common: dict, scenarios: list[dict], rng: random.Random) -> list[dict]:
    flows = [f for f, n in PLAN.items() for _ in range(n)]
    rng.shuffle(flows)
    # each flow visits the scenarios round robin from a random start, so flows spread evenly
    order = sorted(scenarios, key=lambda s: s["id"])
    cursor = {f: rng.randrange(len(order)) for f in PLAN}
    agents = AGENTS[lang]
    load = Counter()
    calls = []
    seen: set[tuple[str, ...]] = set()
    for n, flow in enumerate(flows, start=1):
        for _attempt in range(50):
            scen = order[cursor[flow] % len(order)]
            style = rng.choices(STYLES, weights=STYLE_WEIGHTS[flow])[0]
            # balanced load (every agent gets enough calls for a per-agent view), with the
            # risky agents over-represented in the calls where the agent goes wrong
            risky_flow = flow in (
                "agent_misconduct",
                "sustained_negative_no_cue",
                "slow_burn_then_cue",
            )
            weights = [(4 if risky_flow else 0.6) if a in RISKY_AGENTS else 1 for a in agents]
            weights = [w / (1 + load[a]) ** 3 for w, a in zip(weights, agents, strict=True)]
            agent_id = rng.choices(agents, weights=weights)[0]
            names = common["agent_names"]
            fill = {
                "company": scen["company"],
                "agent": names[agents.index(agent_id) % len(names)],
                "cname": scen.get("customer_name") or rng.choice(common["customer_names"]),
            }
            b = Builder(rng, common, scen, style, fill)
            first = FLOW_FUNCS[flow](b)
            key = tuple(t["text"] for t in b.turns)
            calm_enough = flow not in NOT_ESCALATED or max_run(b.turns) < 4
            same = sum(x["speaker"] == y["speaker"] for x, y in pairwise(b.turns))
            alternating = same <= len(b.turns) // 4
            if key not in seen and 8 <= len(b.turns) <= 30 and calm_enough and alternating:
                seen.add(key)
                break
        else:
            raise DataError(f"could not compose a new {flow} call for {lang}")
        cursor[flow] += 1
        load[agent_id] += 1
        add_times(b.turns, lang, style, rng)
        calls.append(
            {
                "call_id": f"c-{lang}-{n:04d}",
                "agent_id": agent_id,
                "lang": lang,
                "domain": scen["domain"],
                "scenario": scen["id"],
                "flow": flow,
                "caller_style": style,
                "escalated": first is not None,
                "first_cue_index": first,
                "utterances": [
                    {
                        "speaker": t["speaker"],
                        "text": t["text"],
                        "t": t["t"],
                        "t_end": t["t_end"],
                        "sentiment": t["sentiment"],
                        "cue": t["cue"],
                        "lang": lang,
                    }
                    for t in b.turns
                ],
                "_turns": b.turns,
            }
        )
    return calls


# ---------------------------------------------------------------- validation


def validate_calls(calls: list[dict], langs: tuple[str, ...]) -> list[str]:
    errors: list[str] = []
    ids = Counter(c["call_id"] for c in calls)
    errors += [f"duplicate call_id {i}" for i, n in ids.items() if n > 1]
    for c in calls:
        w = c["call_id"]
        u = c["utterances"]
        if c["lang"] not in LANGS:
            errors.append(f"{w}: lang {c['lang']}")
        if c["flow"] not in FLOWS:
            errors.append(f"{w}: flow {c['flow']}")
        if c["caller_style"] not in STYLES:
            errors.append(f"{w}: caller_style {c['caller_style']}")
        if not 8 <= len(u) <= 30:
            errors.append(f"{w}: {len(u)} turns (8-30)")
        for i, t in enumerate(u):
            if (
                t["speaker"] not in SPEAKERS
                or t["sentiment"] not in SENTIMENTS
                or t["cue"] not in CUES
            ):
                errors.append(f"{w}[{i}]: label outside the allowed sets")
            if t["cue"] in AGENT_CUES and t["speaker"] != "agent":
                errors.append(f"{w}[{i}]: agent cue on a customer turn")
            if t["cue"] in CUSTOMER_CUES and t["speaker"] != "customer":
                errors.append(f"{w}[{i}]: customer cue on an agent turn")
            if "{" in t["text"] or not t["text"].strip():
                errors.append(f"{w}[{i}]: unfilled placeholder or empty text")
            if not t["t_end"] > t["t"] >= 0:
                errors.append(f"{w}[{i}]: bad times")
            if i and t["t"] < u[i - 1]["t"]:
                errors.append(f"{w}[{i}]: starts before the previous turn")
        if u[0]["speaker"] != "agent":
            errors.append(f"{w}: the agent should open the call")
        same = sum(u[i]["speaker"] == u[i - 1]["speaker"] for i in range(1, len(u)))
        if same > len(u) // 3:
            errors.append(f"{w}: {same} same-speaker pairs, speakers should mostly alternate")
        first = c["first_cue_index"]
        cue_turns = [i for i, t in enumerate(u) if t["cue"] != "none"]
        if c["escalated"] != (first is not None):
            errors.append(f"{w}: escalated {c['escalated']} but first_cue_index {first}")
        if first is not None and not (isinstance(first, int) and 0 <= first < len(u)):
            errors.append(f"{w}: first_cue_index {first} outside the call")
            continue
        flow = c["flow"]
        if flow in NOT_ESCALATED:
            if c["escalated"] or cue_turns:
                errors.append(f"{w}: {flow} must be not escalated and have no cue turn")
            if max_run(c["_turns"]) >= 4:
                errors.append(f"{w}: {flow} meets the sustained-negative rule")
            if u[-1]["speaker"] != "agent" or any(
                t["sentiment"] == NEG for t in u[-3:] if t["speaker"] == "customer"
            ):
                errors.append(f"{w}: {flow} should end calm")
        elif flow in CUE_FLOWS:
            if not cue_turns or first != cue_turns[0]:
                errors.append(
                    f"{w}: first_cue_index {first} is not the first cue turn {cue_turns[:1]}"
                )
            if flow == "agent_misconduct" and (
                not cue_turns or u[first]["cue"] != "agent_misconduct"
            ):
                errors.append(f"{w}: agent_misconduct flow must start with agent_misconduct")
            if flow == "remedy_rejected" and u[first]["cue"] not in (
                "compensation_dispute",
                "supervisor_request",
            ):
                errors.append(f"{w}: remedy_rejected needs compensation_dispute or supervisor")
        else:  # sustained_negative_no_cue
            if cue_turns:
                errors.append(f"{w}: sustained_negative_no_cue must have no cue turn")
            if not c["escalated"]:
                errors.append(f"{w}: sustained_negative_no_cue must be escalated")
            else:
                turns = c["_turns"]
                if negative_run(turns, first) < 4 or u[first]["speaker"] != "customer":
                    errors.append(f"{w}: first_cue_index is not the 4th worsening negative turn")
                if any(negative_run(turns, i) >= 4 for i in range(first)):
                    errors.append(f"{w}: an earlier turn already met the rule")
                later = [t for t in u[first:] if t["speaker"] == "customer"]
                if any(t["sentiment"] != NEG for t in later):
                    errors.append(f"{w}: customer should stay negative after first_cue_index")
    # corpus-level rules
    by_lang = Counter(c["lang"] for c in calls)
    for lang in langs:
        lc = [c for c in calls if c["lang"] == lang]
        if by_lang[lang] < 120:
            errors.append(f"{lang}: {by_lang[lang]} calls, need at least 120")
        esc = sum(c["escalated"] for c in lc)
        if lc and not 0.4 <= esc / len(lc) <= 0.6:
            errors.append(f"{lang}: escalated share {esc / len(lc):.2f}, want about half")
        rough = sum(c["flow"] == "rough_recovered" for c in lc)
        if lc and rough / len(lc) < 0.25:
            errors.append(f"{lang}: rough_recovered share {rough / len(lc):.2f} < 0.25")
    agents = Counter(c["agent_id"] for c in calls)
    if len(langs) == len(LANGS) and len(agents) < 36:
        errors.append(f"only {len(agents)} agent ids")
    thin = [a for a, n in agents.items() if n < 5]
    if thin:
        errors.append(f"agents with fewer than 5 calls: {thin}")
    return errors


def report(calls: list[dict], langs: tuple[str, ...]) -> None:
    print(
        f"{len(calls)} calls, {sum(len(c['utterances']) for c in calls)} utterances, "
        f"{len({c['agent_id'] for c in calls})} agents"
    )
    header = f"{'flow':28}" + "".join(f"{lang:>9}" for lang in langs) + f"{'total':>8}"
    print(header)
    table: dict[str, Counter] = defaultdict(Counter)
    for c in calls:
        table[c["flow"]][c["lang"]] += 1
    for flow in FLOWS:
        row = table[flow]
        print(
            f"{flow:28}" + "".join(f"{row[lang]:>9}" for lang in langs) + f"{sum(row.values()):>8}"
        )
    for label, esc in (("escalated", True), ("not escalated", False)):
        row = Counter(c["lang"] for c in calls if c["escalated"] == esc)
        print(
            f"{label:28}" + "".join(f"{row[lang]:>9}" for lang in langs) + f"{sum(row.values()):>8}"
        )
    styles = Counter(c["caller_style"] for c in calls)
    print("caller styles:", dict(sorted(styles.items())))
    lens = [len(c["utterances"]) for c in calls]
    print(f"turns per call: min {min(lens)}, max {max(lens)}, mean {sum(lens) / len(lens):.1f}")
    cues = Counter(t["cue"] for c in calls for t in c["utterances"] if t["cue"] != "none")
    print("cue turns:", dict(sorted(cues.items())))
    leads = [c["first_cue_index"] for c in calls if c["escalated"]]
    print(
        f"first_cue_index: min {min(leads)}, max {max(leads)}, mean {sum(leads) / len(leads):.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--langs", nargs="+", choices=LANGS, default=list(LANGS))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    langs = tuple(lang for lang in LANGS if lang in args.langs)
    rng = random.Random(SEED)
    calls: list[dict] = []
    errors: list[str] = []
    for lang in langs:
        common, scenarios = load_material(lang)
        problems = validate_material(lang, common, scenarios)
        if problems:
            errors += problems
            continue
        calls += compose_lang(lang, common, scenarios, random.Random(f"{SEED}-{lang}"))
    del rng
    if not errors:
        errors = validate_calls(calls, langs)
    if errors:
        for e in errors[:60]:
            print("ERROR", e, file=sys.stderr)
        print(f"{len(errors)} problem(s); {args.out} not written", file=sys.stderr)
        return 1
    with open(args.out, "w", encoding="utf-8") as fh:
        for c in calls:
            c = {k: v for k, v in c.items() if not k.startswith("_")}
            fh.write(json.dumps(c, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}")
    report(calls, langs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
