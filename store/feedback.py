"""The dashboard's writes: acknowledge an alert, save a supervisor's review, and export
reviewed turns as labelled training data (the utterance format of spec/labels.md).

The dashboard never writes desk states: it marks the alert acknowledged (``ack_applied``
False) and the monitor, which polls for such rows, moves the desk and sets ``ack_applied``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, and_, select, update

from models.corpus import CUES, SENTIMENTS  # the label contract (labels.md) has one home
from store.access import Actor, record, require
from store.errors import StoreError
from store.schema import alerts, calls, reviews, utterances
from store.values import utc

ESCALATED = ("true", "false")
FIELD_VALUES = {"sentiment": SENTIMENTS, "cue": CUES, "escalated": ESCALATED}
MAX_NOTE = 2000


@dataclass(frozen=True)
class AckResult:
    """``acknowledged``: this call did it; otherwise ``status``/``acked_by`` say who did."""

    acknowledged: bool
    status: str | None
    acked_by: str | None = None
    ack_latency_s: float | None = None


def acknowledge_alert(
    engine: Engine, alert_id: int, actor: Actor, *, now: datetime | None = None
) -> AckResult:
    """Acknowledge an open alert as ``actor`` (supervisor or higher). A second
    acknowledgement (by anyone) changes nothing: the update only matches a row that is still
    open, so two supervisors clicking at once produce exactly one acknowledgement (and one
    audit row)."""
    who = require(actor, "acknowledge").name
    now = (now or datetime.now(UTC)).astimezone(UTC)
    with engine.begin() as conn:
        row = conn.execute(select(alerts.c.raised_at, alerts.c.status, alerts.c.call_id)
                           .where(alerts.c.id == alert_id)).first()
        if row is None:
            raise StoreError(f"there is no alert {alert_id}")
        latency = max(0.0, (now - utc(row.raised_at)).total_seconds())
        done = conn.execute(
            update(alerts)
            .where(and_(alerts.c.id == alert_id, alerts.c.status == "open"))
            .values(status="acknowledged", acked_at=now, acked_by=who,
                    ack_latency_s=round(latency, 3), ack_applied=False)
        ).rowcount
        if done:
            record(conn, actor, "acknowledge", f"alert {alert_id} (call {row.call_id})", now)
            return AckResult(True, "acknowledged", who, round(latency, 3))
        current = conn.execute(select(alerts.c.status, alerts.c.acked_by)
                               .where(alerts.c.id == alert_id)).one()
    return AckResult(False, current.status, current.acked_by)


def save_review(
    engine: Engine,
    *,
    call_id: str,
    field: str,
    new_value: str,
    actor: Actor,
    seq: int | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> int:
    """Record a correction of one turn's ``sentiment`` or ``cue`` (``seq`` given) or of the
    call's ``escalated`` flag (``seq`` None). ``old_value`` is the stored prediction. Returns
    the review's id; bad input or a role below supervisor raises :class:`StoreError` and
    writes nothing."""
    who = require(actor, "review").name
    allowed = FIELD_VALUES.get(field)
    if allowed is None:
        raise StoreError(f"cannot review field {field!r} (one of {', '.join(FIELD_VALUES)})")
    if new_value not in allowed:
        raise StoreError(f"{field} {new_value!r} is not one of {', '.join(allowed)}")
    if (field == "escalated") != (seq is None):
        raise StoreError("sentiment and cue are reviewed per turn, escalated per call")
    if note and len(note) > MAX_NOTE:
        raise StoreError(f"note is longer than {MAX_NOTE} characters")
    with engine.begin() as conn:
        old = _current_value(conn, call_id, field, seq)
        result = conn.execute(reviews.insert().values(
            call_id=call_id, seq=seq, field=field, old_value=old, new_value=new_value,
            reviewer=who, note=(note or None), created_at=(now or datetime.now(UTC))))
        turn = f" turn {seq}" if seq is not None else ""
        record(conn, actor, "review", f"call {call_id}{turn}: {field} {old} -> {new_value}", now)
        return int(result.inserted_primary_key[0])


def _current_value(conn, call_id: str, field: str, seq: int | None) -> str:
    if seq is None:
        alerted = conn.execute(select(calls.c.alerted).where(calls.c.call_id == call_id)
                               ).scalar_one_or_none()
        if alerted is None:
            raise StoreError(f"there is no call {call_id!r}")
        return "true" if alerted else "false"
    value = conn.execute(
        select(utterances.c[field]).where(utterances.c.call_id == call_id,
                                          utterances.c.seq == seq)
    ).scalar_one_or_none()
    if value is None:
        raise StoreError(f"call {call_id!r} has no turn {seq}")
    return str(value)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    turns: int
    call_reviews_skipped: int


def reviewed_turns(engine: Engine) -> list[dict]:
    """One labelled utterance per reviewed turn. The latest review of a field wins; the
    field nobody reviewed keeps the model's stored prediction (``labels_from`` says which is
    which, so a trainer can weigh them)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(reviews.c.call_id, reviews.c.seq, reviews.c.field, reviews.c.new_value,
                   utterances.c.text, utterances.c.lang, utterances.c.speaker,
                   utterances.c.sentiment, utterances.c.cue)
            .join(utterances, and_(utterances.c.call_id == reviews.c.call_id,
                                   utterances.c.seq == reviews.c.seq))
            .where(reviews.c.seq.is_not(None), reviews.c.field.in_(("sentiment", "cue")))
            .order_by(reviews.c.id)
        ).mappings().all()
    turns: dict[tuple[str, int], dict] = {}
    for r in rows:
        key = (r["call_id"], r["seq"])
        turn = turns.setdefault(key, {
            "text": r["text"], "lang": r["lang"], "speaker": r["speaker"],
            "sentiment": r["sentiment"], "cue": r["cue"],
            "labels_from": {"sentiment": "model", "cue": "model"},
            "source": f"review:{r['call_id']}:{r['seq']}",
        })
        turn[r["field"]] = r["new_value"]
        turn["labels_from"][r["field"]] = "reviewer"
    return list(turns.values())


def export_reviewed_turns(engine: Engine, out: Path, actor: Actor) -> ExportResult:
    """Write :func:`reviewed_turns` to ``out`` (JSON Lines, atomically; analyst or higher).
    Call-level ``escalated`` reviews are counted but not exported: they are not utterance
    labels."""
    require(actor, "export")
    turns = reviewed_turns(engine)
    with engine.connect() as conn:
        skipped = len(conn.execute(select(reviews.c.id).where(reviews.c.seq.is_(None))).all())
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        for turn in turns:
            handle.write(json.dumps(turn, ensure_ascii=False) + "\n")
    tmp.replace(out)
    return ExportResult(out, len(turns), skipped)
