"""Per-call history facts (``call_facts``, ``call_cues``), written by the monitor's store
writer when a call ends and again when a late CSAT arrives, so that history pages only read
(issue 13: one writer; two dashboards refreshing at once used to collide). A store written
before this existed, or by an older monitor, is brought up to date by :func:`backfill` when
the monitor starts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import Connection, Engine, delete, func, select

from store.schema import call_cues, call_facts, calls, utterances
from store.values import json_dict, utc

LIVE = "open"
# scorecard item -> call_facts column
SCORECARD_COLUMNS = {
    "greeting": "greeting",
    "apology_before_thanks": "apology",
    "empathy": "empathy",
    "closing_thanks": "closing_thanks",
}
TECHNIQUES = (*SCORECARD_COLUMNS.values(), "taboo")


def derive(conn: Connection, call_ids: Sequence[str]) -> int:
    """(Re)write the facts of those of ``call_ids`` that have ended; returns how many."""
    rows = conn.execute(select(calls).where(calls.c.call_id.in_(list(call_ids)),
                                            calls.c.status != LIVE)).mappings().all()
    if not rows:
        return 0
    ids = [r["call_id"] for r in rows]
    conn.execute(delete(call_cues).where(call_cues.c.call_id.in_(ids)))
    conn.execute(delete(call_facts).where(call_facts.c.call_id.in_(ids)))
    max_esc = dict(conn.execute(
        select(utterances.c.call_id, func.max(utterances.c.escalation))
        .where(utterances.c.call_id.in_(ids)).group_by(utterances.c.call_id)).all())
    facts = [_fact_row(r, max_esc.get(r["call_id"])) for r in rows]
    conn.execute(call_facts.insert(), facts)
    cue_rows = _cue_rows(conn, ids, {f["call_id"]: f for f in facts})
    if cue_rows:
        conn.execute(call_cues.insert(), cue_rows)
    return len(rows)


def backfill(engine: Engine, *, batch: int = 2000) -> int:
    """Facts for every ended call that has none (an older store); returns how many."""
    added = 0
    while True:
        with engine.begin() as conn:
            todo = conn.execute(
                select(calls.c.call_id)
                .select_from(calls.outerjoin(call_facts, call_facts.c.call_id == calls.c.call_id))
                .where(calls.c.status != LIVE, call_facts.c.call_id.is_(None))
                .limit(batch)).scalars().all()
            if not todo:
                return added
            added += derive(conn, todo)


def _fact_row(r, max_escalation: float | None) -> dict:
    started = utc(r["started_at"])
    ended = utc(r["ended_at"])
    day = started.date()
    return {
        "call_id": r["call_id"], "day": day.isoformat(), "week": _week(day),
        "started_at": started, "team": r["team"], "agent_id": r["agent_id"], "lang": r["lang"],
        "duration_s": (ended - started).total_seconds() if ended else None,
        "turns": r["turns"], "escalated": bool(r["alerted"]), "max_risk": r["max_risk"],
        "max_escalation": max_escalation, "customer_sentiment": r["customer_sentiment"],
        "csat": r["csat"], "qa_score": r["qa_score"], "caller_style": r["caller_style"],
        **_technique_facts(json_dict(r["scorecard"])),
    }


def _cue_rows(conn: Connection, ids: list[str], facts: dict[str, dict]) -> list[dict]:
    counts = conn.execute(
        select(utterances.c.call_id, utterances.c.cue, func.count())
        .where(utterances.c.call_id.in_(ids), utterances.c.cue != "none")
        .group_by(utterances.c.call_id, utterances.c.cue)).all()
    return [{"call_id": cid, "cue": cue, "n": n, "day": facts[cid]["day"],
             "team": facts[cid]["team"], "agent_id": facts[cid]["agent_id"]}
            for cid, cue, n in counts]


def _week(day: date) -> str:
    return (day - timedelta(days=day.weekday())).isoformat()


def _technique_facts(scorecard: dict) -> dict[str, int | None]:
    items = scorecard.get("items") or {}
    out: dict[str, int | None] = {}
    for item, column in SCORECARD_COLUMNS.items():
        entry = items.get(item) or {}
        out[column] = int(bool(entry.get("passed"))) if entry.get("applicable") else None
    taboo = items.get("taboo") or {}
    out["taboo"] = int(not taboo.get("passed")) if taboo.get("applicable") else None
    return out
