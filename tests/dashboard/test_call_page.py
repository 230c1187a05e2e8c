"""Call detail in AppTest: transcript, timeline, scorecard, and reviews written as feedback."""

from __future__ import annotations

from sqlalchemy import select

from store.db import open_store
from store.schema import reviews
from tests.dashboard.hostile import rendered_text


def _html(at) -> str:
    return "".join(str(el.proto) for el in at.get("html"))


def test_call_page_shows_transcript_timeline_and_scorecard(app, small_store) -> None:
    call_id = small_store.live_calls[1]
    at = app(small_store.url, "call", query={"call": call_id})
    assert not at.exception
    assert at.selectbox(key="call_pick").value == call_id
    assert "fl-turn" in _html(at)
    assert at.get("plotly_chart"), "the risk timeline is drawn"
    assert any(m.label == "QA score" for m in at.metric)


def test_turn_review_is_saved_as_feedback(app, fresh_store) -> None:
    call_id = fresh_store.finished_calls[0]
    at = app(fresh_store.url, "call", query={"call": call_id}, supervisor="Tomás")
    at.selectbox(key="review_seq").set_value(1)
    at.radio(key="review_field").set_value("cue").run()
    at.selectbox(key="review_value_cue").set_value("churn_threat")
    at.button(key="save_turn_review").click().run()
    assert not at.exception
    assert any("Review saved" in s.value for s in at.success)
    engine = open_store(fresh_store.url, migrate=False)
    with engine.connect() as conn:
        row = conn.execute(select(reviews)).mappings().one()
    assert (row["call_id"], row["seq"], row["field"], row["new_value"], row["reviewer"]) == (
        call_id, 1, "cue", "churn_threat", "Tomás")


def test_call_level_review(app, fresh_store) -> None:
    call_id = fresh_store.finished_calls[1]
    at = app(fresh_store.url, "call", query={"call": call_id})
    at.radio(key="review_escalated").set_value("true")
    at.get("form")[0]  # the call-level form exists
    at.button(key=f"FormSubmitter:review_call_{call_id}-Save review").click().run()
    assert not at.exception
    engine = open_store(fresh_store.url, migrate=False)
    with engine.connect() as conn:
        row = conn.execute(select(reviews)).mappings().one()
    assert (row["seq"], row["field"], row["new_value"]) == (None, "escalated", "true")


def test_unknown_call_is_a_message(app, small_store) -> None:
    at = app(small_store.url, "call", query={"call": "no-such-call"})
    assert not at.exception
    assert any("no-such-call" in rendered_text(e.value) for e in at.error)
