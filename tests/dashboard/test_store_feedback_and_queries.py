"""store.feedback (acknowledge, review, export) and store.queries (facts, history) on real
SQLite files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from models.corpus import read_turns
from store import facts, queries
from store.access import Actor
from store.db import current_revision, head_revision, make_engine, open_store, upgrade
from store.errors import StoreError
from store.feedback import acknowledge_alert, export_reviewed_turns, save_review
from store.schema import alerts, call_facts, calls, reviews, utterances
from tests.dashboard.store_factory import StoreSpec, build_store

MEI = Actor("Mei", "supervisor")
ANA = Actor("Ana", "supervisor")


@pytest.fixture
def store(fresh_store):
    engine = open_store(fresh_store.url, migrate=False)
    yield fresh_store, engine
    engine.dispose()


def test_acknowledge_once_even_when_two_supervisors_click(store) -> None:
    info, engine = store
    alert_id = info.open_alert_ids[0]
    with engine.connect() as conn:
        raised = queries.utc(conn.execute(select(alerts.c.raised_at).where(
            alerts.c.id == alert_id)).scalar_one())
    first = acknowledge_alert(engine, alert_id, MEI, now=raised + timedelta(seconds=42))
    second = acknowledge_alert(engine, alert_id, ANA, now=raised + timedelta(seconds=50))
    assert first.acknowledged and first.ack_latency_s == pytest.approx(42.0)
    assert not second.acknowledged and (second.status, second.acked_by) == ("acknowledged",
                                                                            "Mei")
    with pytest.raises(StoreError, match="no alert"):
        acknowledge_alert(engine, 10_000, MEI)
    with pytest.raises(StoreError, match="sign in"):
        acknowledge_alert(engine, alert_id, Actor("   ", "supervisor"))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"field": "mood", "new_value": "x", "seq": 0}, "cannot review field"),
    ({"field": "cue", "new_value": "angry", "seq": 0}, "not one of"),
    ({"field": "sentiment", "new_value": "negative", "seq": None}, "per turn"),
    ({"field": "escalated", "new_value": "true", "seq": 0}, "per turn"),
    ({"field": "sentiment", "new_value": "negative", "seq": 999}, "no turn 999"),
])
def test_bad_reviews_are_refused_and_write_nothing(store, kwargs, message) -> None:
    info, engine = store
    with pytest.raises(StoreError, match=message):
        save_review(engine, call_id=info.finished_calls[0], actor=MEI, **kwargs)
    with engine.connect() as conn:
        assert conn.execute(select(reviews)).first() is None


def test_export_takes_the_reviewers_value_and_the_stored_prediction(store, tmp_path) -> None:
    info, engine = store
    call_id = info.finished_calls[0]
    with engine.connect() as conn:
        turn = conn.execute(select(utterances).where(utterances.c.call_id == call_id,
                                                     utterances.c.seq == 2)).mappings().one()
    save_review(engine, call_id=call_id, seq=2, field="cue", new_value="abuse", actor=MEI)
    save_review(engine, call_id=call_id, seq=2, field="cue", new_value="churn_threat",
                actor=ANA, note="later, better")
    save_review(engine, call_id=call_id, field="escalated", new_value="true", actor=MEI)
    with engine.connect() as conn:
        olds = conn.execute(select(reviews.c.old_value).order_by(reviews.c.id)).scalars().all()
    assert olds[0] == turn["cue"] and olds[2] in ("true", "false")
    result = export_reviewed_turns(engine, tmp_path / "out" / "reviewed.jsonl",
                                   Actor("Lin", "analyst"))
    assert (result.turns, result.call_reviews_skipped) == (1, 1)
    [exported] = read_turns(result.path)  # the training reader accepts it
    assert (exported.text, exported.speaker) == (turn["text"], turn["speaker"])
    assert exported.cue == "churn_threat" and exported.sentiment == turn["sentiment"]
    assert exported.source == f"review:{call_id}:2"


def test_facts_are_derived_once_per_finished_call(tmp_path) -> None:
    info = build_store(tmp_path / "older.db", StoreSpec(finished=20, live=5, facts=False))
    engine = open_store(info.url, migrate=False)
    assert facts.backfill(engine, batch=7) == len(info.finished_calls)
    assert facts.backfill(engine) == 0
    live = info.live_calls[0]
    with engine.begin() as conn:
        conn.execute(update(calls).where(calls.c.call_id == live).values(
            status="ended", ended_at=datetime.now(UTC)))
    assert facts.backfill(engine) == 1
    with engine.connect() as conn:
        derived = {r["call_id"]: r for r in conn.execute(select(call_facts)).mappings()}
        scorecards = dict(conn.execute(select(calls.c.call_id, calls.c.scorecard)).all())
    some = info.finished_calls[0]
    items = scorecards[some]["items"]
    expected = int(items["empathy"]["passed"]) if items["empathy"]["applicable"] else None
    assert derived[some]["empathy"] == expected
    assert derived[some]["taboo"] == int(not items["taboo"]["passed"])
    assert derived[some]["day"] == derived[some]["started_at"].date().isoformat()


def test_history_queries_agree_with_the_rows(store) -> None:
    info, engine = store
    facts.backfill(engine)
    span = queries.history_span(engine)
    flt = queries.HistoryFilter(span.first_day, span.last_day)
    days = queries.daily_stats(engine, flt)
    assert sum(d.calls for d in days) == len(info.finished_calls)
    with engine.connect() as conn:
        escalated = conn.execute(select(calls.c.call_id).where(
            calls.c.alerted, calls.c.status != "open")).all()
        cue_turns = conn.execute(select(utterances.c.id).join(calls).where(
            utterances.c.cue != "none", calls.c.status != "open")).all()
    assert sum(d.escalated for d in days) == len(escalated)
    assert sum(queries.cue_breakdown(engine, flt).values()) == len(cue_turns)
    assert sum(queries.qa_histogram(engine, flt).values()) == len(info.finished_calls)
    with pytest.raises(StoreError, match="before it starts"):
        queries.HistoryFilter(span.last_day, span.first_day - timedelta(days=1))
    with pytest.raises(StoreError, match="unknown technique"):
        queries.agent_outcomes(engine, flt, "hypnosis")


def test_alert_queue_is_sorted_by_severity_then_age(store) -> None:
    _info, engine = store
    now = datetime.now(UTC)
    with engine.begin() as conn:
        call_id = conn.execute(select(calls.c.call_id)).first()[0]
        for reason, age in (("repeat_contact", 300), ("legal_or_media_threat", 10),
                            ("legal_or_media_threat", 60), ("negative_trend", 900)):
            conn.execute(alerts.insert().values(
                call_id=call_id, desk_id="d-x", agent_id="a-x", reason=reason, risk=0.9,
                turn_index=0, raised_at=now - timedelta(seconds=age), status="open",
                ack_applied=False))
    mine = [a for a in queries.alert_queue(engine) if a.desk_id == "d-x"]
    assert [(a.reason, int((now - a.raised_at).total_seconds())) for a in mine] == [
        ("legal_or_media_threat", 60), ("legal_or_media_threat", 10), ("repeat_contact", 300),
        ("negative_trend", 900)]


def test_migration_0003_upgrades_and_downgrades(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine, "0002")
    assert queries.check_store(engine).status == "old_schema"
    upgrade(engine)
    assert current_revision(engine) == head_revision() and queries.check_store(engine).ok
    from alembic import command

    from store.db import _alembic_config

    command.downgrade(_alembic_config(engine), "0002")
    assert current_revision(engine) == "0002"
    engine.dispose()
