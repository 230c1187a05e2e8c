"""Call detail in AppTest: transcript, timeline, scorecard, Acknowledge for the call's open
alerts, reviews written as feedback with the signed-in name, messages kept until dismissed,
and the page's rough edges (which call it opens, search without a match, widgets that belong
to one call, the live turn list)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import select, update

from models.caller_style import approach
from store.access import AccessDenied, Actor
from store.db import open_store
from store.feedback import acknowledge_alert
from store.schema import alerts, calls, reviews, utterances
from tests.dashboard.hostile import rendered_text


def _html(at) -> str:
    return "".join(str(el.proto) for el in at.get("html"))


def _texts(elements) -> list[str]:
    return [rendered_text(e.value) for e in elements]


def _row(url: str, table, *where) -> dict:
    engine = open_store(url, migrate=False)
    with engine.connect() as conn:
        row = conn.execute(select(table).where(*where)).mappings().one()
    engine.dispose()
    return dict(row)


def _open_alert(info) -> tuple[int, str]:
    """An open alert of the store and its (live) call."""
    alert_id = info.open_alert_ids[0]
    return alert_id, _row(info.url, alerts, alerts.c.id == alert_id)["call_id"]


def test_call_page_shows_transcript_timeline_and_scorecard(app, small_store) -> None:
    call_id = small_store.live_calls[1]
    at = app(small_store.url, "call", query={"call": call_id})
    assert not at.exception
    assert at.selectbox(key="call_pick").value == call_id
    assert "fl-turn" in _html(at)
    assert at.get("plotly_chart"), "the risk timeline is drawn"
    assert any(m.label == "QA score" for m in at.metric)


def test_turn_review_is_saved_with_the_signed_in_name(app, fresh_store) -> None:
    call_id = fresh_store.finished_calls[0]
    at = app(fresh_store.url, "call", query={"call": call_id}, supervisor="Tomás",
             role="supervisor")
    assert not [t for t in at.text_input if "name" in t.label.lower()], "no name field"
    at.selectbox(key=f"review_seq_{call_id}").set_value(1)
    at.radio(key=f"review_field_{call_id}").set_value("cue").run()
    at.selectbox(key=f"review_value_cue_{call_id}").set_value("churn_threat")
    at.button(key=f"save_turn_review_{call_id}").click().run()
    assert not at.exception
    assert any("Review saved" in s for s in _texts(at.success))
    row = _row(fresh_store.url, reviews)
    assert (row["call_id"], row["seq"], row["field"], row["new_value"], row["reviewer"]) == (
        call_id, 1, "cue", "churn_threat", "Tomás")


def test_call_level_review(app, fresh_store) -> None:
    call_id = fresh_store.finished_calls[1]
    at = app(fresh_store.url, "call", query={"call": call_id})
    at.radio(key=f"review_escalated_{call_id}").set_value("true")
    at.button(key=f"FormSubmitter:review_call_{call_id}-Save review").click().run()
    assert not at.exception
    row = _row(fresh_store.url, reviews)
    assert (row["seq"], row["field"], row["new_value"], row["reviewer"]) == (
        None, "escalated", "true", "Mei")


def test_unknown_call_is_a_message(app, small_store) -> None:
    at = app(small_store.url, "call", query={"call": "no-such-call"})
    assert not at.exception
    assert any("no-such-call" in e for e in _texts(at.error))


def test_acknowledge_on_the_call_page(app, fresh_store) -> None:
    alert_id, call_id = _open_alert(fresh_store)
    at = app(fresh_store.url, "call", query={"call": call_id}, supervisor="Ana",
             role="supervisor")
    button = at.button(key=f"call_ack_{alert_id}")
    assert not button.disabled
    button.click().run()
    assert not at.exception
    row = _row(fresh_store.url, alerts, alerts.c.id == alert_id)
    assert (row["status"], row["acked_by"]) == ("acknowledged", "Ana")
    assert any("Alert acknowledged" in s for s in _texts(at.success))
    assert f"call_ack_{alert_id}" not in [b.key for b in at.button]


def test_a_viewer_sees_greyed_buttons_with_the_reason_and_the_store_refuses(
        app, fresh_store) -> None:
    alert_id, call_id = _open_alert(fresh_store)
    at = app(fresh_store.url, "call", query={"call": call_id}, supervisor="Wall",
             role="viewer")
    ack = at.button(key=f"call_ack_{alert_id}")
    save = at.button(key=f"save_turn_review_{call_id}")
    assert ack.disabled and save.disabled
    reason = "Your role (viewer) may only look: this needs supervisor or higher."
    assert ack.help == reason and save.help == reason
    assert reason in _texts(at.caption)
    engine = open_store(fresh_store.url, migrate=False)
    with pytest.raises(AccessDenied):
        acknowledge_alert(engine, alert_id, Actor("Wall", "viewer"))
    engine.dispose()
    assert _row(fresh_store.url, alerts, alerts.c.id == alert_id)["status"] == "open"


def test_messages_stay_through_refreshes_and_page_switches_until_dismissed(
        app, fresh_store) -> None:
    alert_id, call_id = _open_alert(fresh_store)
    at = app(fresh_store.url, "call", query={"call": call_id})
    at.button(key=f"call_ack_{alert_id}").click().run()
    message = [s for s in _texts(at.success) if "Alert acknowledged" in s]
    assert message
    at.run()  # what the 2 s refresh does
    assert [s for s in _texts(at.success) if "Alert acknowledged" in s] == message
    at.switch_page("floor_page.py").run()
    assert [s for s in _texts(at.success) if "Alert acknowledged" in s] == message
    dismiss = [b for b in at.button if (b.key or "").startswith("dismiss_")]
    assert len(dismiss) == 1
    dismiss[0].click().run()
    assert not [s for s in _texts(at.success) if "Alert acknowledged" in s]
    at.switch_page("call_page.py").run()
    assert not [s for s in _texts(at.success) if "Alert acknowledged" in s]


def test_a_store_that_went_away_is_an_error_that_stays(app, fresh_store) -> None:
    """The click finds no store: nothing is written and the message says so; the page
    itself shows the store's message meanwhile, and once the store is back the error is
    still there until dismissed."""
    alert_id, call_id = _open_alert(fresh_store)
    at = app(fresh_store.url, "call", query={"call": call_id})
    path = Path(fresh_store.url.removeprefix("sqlite:///"))
    kept = path.read_bytes()
    path.write_bytes(b"not a database" * 100)
    st.cache_resource.clear()  # the dashboard's engine: a new connection reads the file
    st.cache_data.clear()
    at.button(key=f"call_ack_{alert_id}").click().run()
    assert not at.exception
    assert at.error, "the page says the store cannot be read"
    path.write_bytes(kept)
    st.cache_resource.clear()
    st.cache_data.clear()
    at.run()
    assert [e for e in _texts(at.error) if "cannot be reached" in e and "nothing was saved" in e]
    assert _row(fresh_store.url, alerts, alerts.c.id == alert_id)["status"] == "open"


def test_escalated_radio_follows_the_call(app, fresh_store) -> None:
    engine = open_store(fresh_store.url, migrate=False)
    with engine.connect() as conn:
        flags = dict(conn.execute(select(calls.c.call_id, calls.c.alerted).where(
            calls.c.call_id.in_(fresh_store.finished_calls))).all())
    engine.dispose()
    alerted = next(c for c, a in flags.items() if a)
    calm = next(c for c, a in flags.items() if not a)
    at = app(fresh_store.url, "call", query={"call": alerted})
    assert at.radio(key=f"review_escalated_{alerted}").value == "true"
    at.selectbox(key="call_pick").set_value(calm).run()
    assert not at.exception
    assert at.radio(key=f"review_escalated_{calm}").value == "false"


def test_opens_on_the_live_call_with_the_latest_alert(app, fresh_store) -> None:
    _alert_id, call_id = _open_alert(fresh_store)
    engine = open_store(fresh_store.url, migrate=False)
    with engine.begin() as conn:  # a call that started a second ago: nothing to show yet
        conn.execute(calls.insert().values(
            call_id="just-started", agent_id="a-000", desk_id="d-000", team="billing",
            lang="en", started_at=datetime.now(UTC), status="open", turns=0, next_seq=0,
            risk=0.0, max_risk=0.0, state="calm", alerted=False))
    engine.dispose()
    at = app(fresh_store.url, "call")
    assert at.selectbox(key="call_pick").value == call_id
    assert "fl-turn" in _html(at)


def test_without_alerts_opens_on_the_latest_call_with_turns(app, fresh_store) -> None:
    engine = open_store(fresh_store.url, migrate=False)
    with engine.begin() as conn:
        conn.execute(update(alerts).values(status="acknowledged", acked_by="Ana"))
        conn.execute(calls.insert().values(
            call_id="just-started", agent_id="a-000", desk_id="d-000", team="billing",
            lang="en", started_at=datetime.now(UTC) + timedelta(minutes=5), status="open",
            turns=0, next_seq=0, risk=0.0, max_risk=0.0, state="calm", alerted=False))
        newest = conn.execute(
            select(calls.c.call_id).where(calls.c.call_id != "just-started")
            .order_by(calls.c.started_at.desc()).limit(1)).scalar()
    engine.dispose()
    at = app(fresh_store.url, "call")
    assert at.selectbox(key="call_pick").value == newest
    assert "fl-turn" in _html(at)


def test_a_search_without_a_match_selects_nothing(app, small_store) -> None:
    call_id = small_store.finished_calls[0]
    at = app(small_store.url, "call", query={"call": call_id})
    at.text_input(key="call_search").input("zz-no-such-thing").run()
    assert not at.exception
    assert any("No call matches" in i for i in _texts(at.info))
    assert not [s for s in at.selectbox if s.key == "call_pick"]
    assert "fl-turn" not in _html(at) and not at.get("plotly_chart")


def test_a_search_with_matches_selects_one_of_them(app, small_store) -> None:
    at = app(small_store.url, "call", query={"call": small_store.finished_calls[0]})
    live = small_store.live_calls[0]
    at.text_input(key="call_search").input(live).run()
    assert at.selectbox(key="call_pick").options == [live]
    assert at.selectbox(key="call_pick").value == live


def test_the_review_turn_list_follows_a_live_call(app, fresh_store) -> None:
    call_id = fresh_store.live_calls[0]
    at = app(fresh_store.url, "call", query={"call": call_id})
    turns = at.selectbox(key=f"review_seq_{call_id}")
    before = list(turns.options)
    picked = turns.options[2]
    at.selectbox(key=f"review_seq_{call_id}").select(picked).run()
    assert at.selectbox(key=f"review_seq_{call_id}").value == 2
    engine = open_store(fresh_store.url, migrate=False)
    with engine.begin() as conn:
        last = conn.execute(select(utterances).where(utterances.c.call_id == call_id)
                            .order_by(utterances.c.seq.desc()).limit(1)).mappings().one()
        new = {**dict(last), "seq": last["seq"] + 1, "event_id": f"{call_id}-new",
               "text": "Is anyone still there?"}
        new.pop("id", None)
        conn.execute(utterances.insert().values(**new))
    engine.dispose()
    st.cache_data.clear()
    at.run()  # the live fragment's refresh
    turns = at.selectbox(key=f"review_seq_{call_id}")
    assert len(turns.options) == len(before) + 1
    assert "Is anyone still there?" in turns.options[-1]
    assert turns.value == 2, "the turn being reviewed stays chosen as turns arrive"


def test_a_desk_tile_link_opens_the_desks_last_call(app, fresh_store) -> None:
    engine = open_store(fresh_store.url, migrate=False)
    with engine.connect() as conn:
        desk, newest = conn.execute(
            select(calls.c.desk_id, calls.c.call_id).where(calls.c.status != "open")
            .order_by(calls.c.started_at.desc()).limit(1)).one()
        live_here = conn.execute(select(calls.c.call_id).where(
            calls.c.desk_id == desk, calls.c.status == "open")).scalar()
    engine.dispose()
    at = app(fresh_store.url, "call", query={"desk": desk})
    assert not at.exception
    assert at.selectbox(key="call_pick").value == (live_here or newest)
    assert at.query_params["call"] == (live_here or newest)


def test_caller_style_is_named_and_explained(app, small_store) -> None:
    engine = open_store(small_store.url, migrate=False)
    with engine.connect() as conn:
        call_id, style = conn.execute(select(calls.c.call_id, calls.c.caller_style).where(
            calls.c.status != "open", calls.c.caller_style == "E")).first()
    engine.dispose()
    at = app(small_store.url, "call", query={"call": call_id})
    shown = " ".join(_texts(at.markdown))
    assert "Caller style: E — expressive: talkative, emotional, vents" in shown
    assert f"Recommended approach: {approach('E', 'en')}" in _texts(at.info)
    at = app(small_store.url, "call", query={"call": call_id}, lang="zh-Hant")
    assert "E — 善於表達型" in " ".join(_texts(at.markdown))
    assert any(approach("E", "zh-Hant") in i for i in _texts(at.info))
    assert style == "E"


def test_transcript_badges_and_highlights_meet_wcag_aa() -> None:
    from dashboard.tiles import AA_TEXT, contrast
    from dashboard.transcript import BADGE, CSS, EVIDENCE, TABOO

    for ink, background in (BADGE, EVIDENCE, TABOO):
        assert contrast(ink, background) >= AA_TEXT, (ink, background)
        assert f"background:{background};" in CSS.replace("\n ", "")
    assert "color:#fff" not in CSS
