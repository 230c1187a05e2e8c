"""Fill a real SQLite store with realistic rows for dashboard tests and benchmarks.

Texts, speakers, timings, caller styles and labels come from the bundled whole-call corpus
(data/calls/calls.jsonl). Predictions are derived from the labels instead of running the
model (fast, deterministic): a labelled-negative turn gets a high P(negative), a cue turn a
high escalation probability. Lexicon hits (the ``qa`` column, the scorecard) are real, from
the bundled QA lexicon. Rows go in with bulk inserts through SQLAlchemy Core.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, insert

from models.lexicon import Lexicon, load_lexicon
from store import facts
from store.db import open_store
from store.schema import alerts, calls, dead_letters, desk_states, services, utterances

ROOT = Path(__file__).resolve().parents[2]
CALLS_FILE = ROOT / "data" / "calls" / "calls.jsonl"
LEXICON_FILE = ROOT / "data" / "lexicon" / "qa_lexicon.tsv"
TEAMS = ("billing", "tech", "sales", "retention")
SUPERVISORS = ("Mei", "Tomás", "Ana")
APPROACH = {
    "R": "Stay calm, offer low-risk options and ask open questions.",
    "I": "Give precise facts in order, confirm each step, keep promises.",
    "D": "Be brief, say what you can do and offer a solution now.",
    "E": "Let them vent, show warmth, then propose a plan.",
}


@dataclass
class StoreSpec:
    """What to put in the store. ``turns_per_call`` pads short template calls by cycling
    their turns (benchmarks need 30 turns per call); None keeps each template's length."""

    finished: int = 60
    live: int = 6
    desks: int = 10
    days: int = 14
    seed: int = 7
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    turns_per_call: int | None = None
    dead_letters: int = 3
    monitor_online: bool = True
    lexicon_hits: bool = True
    facts: bool = True  # history facts, as the monitor writes them when calls end


@dataclass
class StoreInfo:
    url: str
    desks: list[str]
    live_calls: list[str]
    finished_calls: list[str]
    open_alert_ids: list[int]
    teams: dict[str, str]  # desk -> team


@cache
def templates() -> list[dict]:
    with open(CALLS_FILE, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@cache
def lexicon() -> Lexicon:
    return load_lexicon([LEXICON_FILE])


@cache
def _qa_hits(text: str) -> dict[str, list[str]]:
    hits: dict[str, list[str]] = {}
    for m in lexicon().find(text):
        hits.setdefault(m.category, []).append(m.phrase)
    return hits


def _desk(i: int) -> tuple[str, str, str]:
    return f"d-{i:03d}", f"a-{i:03d}", TEAMS[i % len(TEAMS)]


class _Maker:
    """Builds the rows of one store; ``rng`` makes it deterministic."""

    def __init__(self, spec: StoreSpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.alert_id = 0

    def template_turns(self, template: dict) -> list[dict]:
        turns = template["utterances"]
        n = self.spec.turns_per_call
        if not n:
            return turns
        out, t0 = [], 0.0
        for i in range(n):
            turn = dict(turns[i % len(turns)])
            if i and i % len(turns) == 0:
                t0 = out[-1]["t_end"] + 1.0
            turn["t"] = t0 + turn.get("t", 0.0)
            turn["t_end"] = t0 + turn.get("t_end", turn["t"] + 2.0)
            out.append(turn)
        return out

    def predictions(self, turn: dict) -> dict:
        rng = self.rng
        sentiment, cue = turn["sentiment"], turn["cue"]
        p_neg = {"negative": 0.75, "neutral": 0.15, "positive": 0.05}[sentiment]
        p_pos = {"negative": 0.05, "neutral": 0.15, "positive": 0.75}[sentiment]
        jitter = rng.uniform(-0.05, 0.05)
        escalation = rng.uniform(0.7, 0.97) if cue != "none" else rng.uniform(0.0, 0.2)
        words = turn["text"].split()
        evidence = ([" ".join(words[:3])] if len(words) > 2 else [turn["text"][:6]]) \
            if cue != "none" else []
        return {"sentiment": sentiment, "p_negative": round(p_neg + jitter, 3),
                "p_positive": round(p_pos - jitter, 3), "cue": cue,
                "escalation": round(escalation, 3), "evidence": evidence,
                "cue_scores": {cue: round(escalation, 3), "none": round(1 - escalation, 3)}
                if cue != "none" else {"none": round(1 - escalation, 3)}}

    def call_rows(self, call_id: str, desk: int, template: dict, started: datetime, *,
                  live_turns: int | None = None) -> tuple[dict, list[dict], list[dict], dict]:
        desk_id, agent_id, team = _desk(desk)
        turns = self.template_turns(template)
        if live_turns is not None:
            turns = turns[:live_turns]
        first_cue = template.get("first_cue_index")
        if first_cue is not None and self.spec.turns_per_call:
            first_cue = first_cue % len(template["utterances"])
        rows, risk, state, reason, max_risk = [], 0.05, "calm", None, 0.0
        alert_at = None
        for seq, turn in enumerate(turns):
            pred = self.predictions(turn)
            neg = pred["p_negative"] if turn["speaker"] == "customer" else 0.0
            risk = min(0.99, 0.55 * risk + 0.6 * pred["escalation"] + 0.25 * neg)
            if first_cue is not None and seq == first_cue and alert_at is None:
                alert_at, risk = seq, max(risk, 0.8)
                state, reason = "alert", pred["cue"] if pred["cue"] != "none" else "negative_trend"
            elif state != "alert":
                state = "watch" if risk >= 0.4 else "calm"
                reason = "negative_trend" if state == "watch" else None
            max_risk = max(max_risk, risk)
            ts = started + timedelta(seconds=turn.get("t") or seq * 5.0)
            rows.append({
                "call_id": call_id, "seq": seq, "event_id": f"{call_id}-u{seq}",
                "speaker": turn["speaker"], "text": turn["text"],
                "lang": turn.get("lang", template["lang"]), "ts": ts, "t": turn.get("t"),
                "t_end": turn.get("t_end"), **pred,
                "qa": _qa_hits(turn["text"]) if self.spec.lexicon_hits else None,
                "risk": round(risk, 4), "state": state, "reason": reason,
            })
        live = live_turns is not None
        last_ts = rows[-1]["ts"] if rows else started
        customer = [r["p_positive"] - r["p_negative"] for r in rows if r["speaker"] == "customer"]
        scorecard = self.scorecard(rows, template.get("caller_style"))
        call = {
            "call_id": call_id, "agent_id": agent_id, "desk_id": desk_id, "team": team,
            "lang": template["lang"], "started_at": started,
            "ended_at": None if live else last_ts + timedelta(seconds=3),
            "status": "open" if live else self.rng.choice(("ended",) * 19 + ("timed_out",)),
            "implicit_start": False, "turns": len(rows), "next_seq": len(rows),
            "risk": round(risk, 4), "max_risk": round(max_risk, 4),
            "state": state if live else "off", "reason": reason,
            "alerted": alert_at is not None, "first_alert_index": alert_at,
            "customer_sentiment": round(sum(customer) / len(customer), 4) if customer else None,
            "csat": None if live else self.csat(alert_at is not None),
            "caller_style": template.get("caller_style"), "scorecard": scorecard,
            "qa_score": scorecard["score"], "model_version": "v20260101-000000",
            "updated_at": last_ts, "last_event_at": last_ts, "gaps": 0,
        }
        alert_rows = []
        if alert_at is not None:
            alert_rows.append(self.alert(call, rows[alert_at], live=live))
            if live and alert_rows[0]["status"] == "acknowledged":
                call["state"] = "acknowledged"
        desk_row = {"desk_id": desk_id, "agent_id": agent_id, "team": team,
                    "state": call["state"] if live else "off",
                    "call_id": call_id, "risk": call["risk"], "reason": call["reason"],
                    "since": last_ts, "ts": last_ts}
        return call, rows, alert_rows, desk_row

    def csat(self, escalated: bool) -> int | None:
        if self.rng.random() < 0.3:
            return None
        return self.rng.choice((1, 2, 2, 3, 4) if escalated else (3, 4, 4, 5, 5))

    def alert(self, call: dict, turn: dict, *, live: bool) -> dict:
        self.alert_id += 1
        raised = turn["ts"]
        acked = (not live and self.rng.random() < 0.85) or (live and self.rng.random() < 0.3)
        latency = round(self.rng.uniform(4, 150), 1) if acked else None
        return {
            "id": self.alert_id, "call_id": call["call_id"], "desk_id": call["desk_id"],
            "agent_id": call["agent_id"], "team": call["team"], "reason": turn["reason"],
            "risk": turn["risk"], "turn_index": turn["seq"], "raised_at": raised,
            "status": "acknowledged" if acked else ("open" if live else "closed"),
            "acked_at": raised + timedelta(seconds=latency) if acked else None,
            "acked_by": self.rng.choice(SUPERVISORS) if acked else None,
            "ack_latency_s": latency, "ack_applied": bool(acked),
            "closed_at": None if live else call["ended_at"],
        }

    def scorecard(self, rows: list[dict], style: str | None) -> dict:
        agent = [r for r in rows if r["speaker"] == "agent"]

        def turns_with(category: str) -> list[int]:
            return [r["seq"] for r in agent if (r["qa"] or {}).get(category)]

        taboo_turns = turns_with("taboo")
        complaint = any(r["sentiment"] == "negative" for r in rows if r["speaker"] == "customer")
        items = {
            "greeting": {"applicable": bool(agent), "passed": bool(agent and turns_with(
                "greeting")[:1] == [agent[0]["seq"]]), "turns": turns_with("greeting")[:1]},
            "apology_before_thanks": {"applicable": complaint,
                                      "passed": bool(turns_with("apology")),
                                      "turns": turns_with("apology")[:2]},
            "empathy": {"applicable": complaint, "passed": bool(turns_with("empathy")),
                        "turns": turns_with("empathy")[:2]},
            "taboo": {"applicable": bool(agent), "passed": not taboo_turns, "turns": taboo_turns,
                      "phrases": sorted({p for r in agent for p in (r["qa"] or {}).get(
                          "taboo", [])})},
            "solution_after_heard": {"applicable": complaint,
                                     "passed": bool(turns_with("solution")),
                                     "turns": turns_with("solution")[:1]},
            "closing_thanks": {"applicable": bool(agent), "passed": bool(
                turns_with("closing") or turns_with("thanks")), "turns": turns_with("closing")},
        }
        applicable = [i for i in items.values() if i["applicable"]]
        score = round(100 * sum(i["passed"] for i in applicable) / len(applicable)) \
            if applicable else 100
        scores = {s: round(self.rng.random(), 2) for s in "RIDE"}
        if style:
            scores[style] = 0.9
        return {
            "v": 1, "score": score, "items": items,
            "timing": {"longest_silence_s": round(self.rng.uniform(0.5, 9), 1),
                       "talk_speed": {"agent": round(self.rng.uniform(130, 180), 1),
                                      "customer": round(self.rng.uniform(120, 200), 1),
                                      "unit": "words_per_min"},
                       "interruptions": {"agent": self.rng.randint(0, 3),
                                         "customer": self.rng.randint(0, 5)}},
            "caller_style": {"style": style, "scores": scores,
                             "approach": APPROACH.get(style or "", "")},
        }


def _batches(items: list[dict], size: int = 5000) -> Iterator[list[dict]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _insert(engine: Engine, table, rows: list[dict]) -> None:
    if not rows:
        return
    with engine.begin() as conn:
        for chunk in _batches(rows):
            conn.execute(insert(table), chunk)


def build_store(target: Path | str, spec: StoreSpec | None = None) -> StoreInfo:
    """Create (migrated to head) and fill a store: a SQLite file path or a database URL."""
    spec = spec or StoreSpec()
    url = target if isinstance(target, str) and "://" in target else f"sqlite:///{target}"
    engine = open_store(url)
    maker = _Maker(spec)
    info = StoreInfo(url, [], [], [], [], {})
    pool = templates()
    chunk: dict[str, list[dict]] = {"calls": [], "utterances": [], "alerts": []}

    def flush() -> None:
        _insert(engine, calls, chunk["calls"])
        _insert(engine, utterances, chunk["utterances"])
        _insert(engine, alerts, chunk["alerts"])
        for rows in chunk.values():
            rows.clear()

    span = spec.days * 86400.0
    for i in range(spec.finished):
        template = pool[maker.rng.randrange(len(pool))]
        started = spec.now - timedelta(seconds=maker.rng.uniform(1800, span))
        call, rows, call_alerts, _ = maker.call_rows(
            f"c-{i:06d}", maker.rng.randrange(max(spec.desks, 1)), template, started)
        chunk["calls"].append(call)
        chunk["utterances"] += rows
        chunk["alerts"] += call_alerts
        info.finished_calls.append(call["call_id"])
        if len(chunk["utterances"]) > 50_000:
            flush()
    desks = []
    for d in range(spec.desks):
        desk_id, agent_id, team = _desk(d)
        info.desks.append(desk_id)
        info.teams[desk_id] = team
        if d < spec.live:
            template = pool[maker.rng.randrange(len(pool))]
            n = len(maker.template_turns(template))
            live_turns = maker.rng.randint(min(3, n), n)
            started = spec.now - timedelta(seconds=maker.rng.uniform(60, 600))
            call, rows, call_alerts, desk_row = maker.call_rows(
                f"live-{d:04d}", d, template, started, live_turns=live_turns)
            chunk["calls"].append(call)
            chunk["utterances"] += rows
            chunk["alerts"] += call_alerts
            info.live_calls.append(call["call_id"])
            info.open_alert_ids += [a["id"] for a in call_alerts if a["status"] == "open"]
            desks.append(desk_row)
        else:
            desks.append({"desk_id": desk_id, "agent_id": agent_id, "team": team,
                          "state": "off", "call_id": None, "risk": None, "reason": None,
                          "since": spec.now - timedelta(minutes=5), "ts": spec.now})
    flush()
    _insert(engine, desk_states, desks)
    _insert(engine, dead_letters, [
        {"received_at": spec.now - timedelta(minutes=i), "source": "mqtt",
         "reason": f"missing field 'speaker' (line {i})", "event_id": f"bad-{i}",
         "call_id": f"c-bad-{i}", "payload": '{"v":1,"type":"utterance"}'}
        for i in range(spec.dead_letters)
    ])
    _insert(engine, services, [{
        "name": "monitor", "status": "online" if spec.monitor_online else "offline",
        "info": {"pid": 1}, "updated_at": spec.now}])
    if spec.facts:
        facts.backfill(engine)
    engine.dispose()
    return info


def empty_store(path: Path) -> str:
    """A migrated store with no rows."""
    url = f"sqlite:///{path}"
    open_store(url).dispose()
    return url
