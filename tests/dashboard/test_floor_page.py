"""The live floor in AppTest against real stores: tiles, KPIs, the alert queue, and that
Acknowledge writes the acknowledgement (and only once)."""

from __future__ import annotations

from sqlalchemy import select

from store.db import open_store
from store.schema import alerts
from tests.dashboard.hostile import rendered_text


def _html(at) -> str:
    return "".join(str(el.proto) for el in at.get("html"))


def test_floor_shows_every_desk_and_the_open_alerts(app, small_store) -> None:
    at = app(small_store.url)
    assert not at.exception
    page = _html(at)
    for desk in small_store.desks:
        assert f'data-desk=\\"{desk}\\"' in page or f'data-desk="{desk}"' in page
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Calls in progress"] == str(len(small_store.live_calls))
    assert metrics["Open alerts"] == str(len(small_store.open_alert_ids))
    ack_buttons = [b for b in at.button if b.key and b.key.startswith("ack_")]
    assert len(ack_buttons) == len(small_store.open_alert_ids)


def test_acknowledge_writes_the_ack_once(app, fresh_store) -> None:
    assert fresh_store.open_alert_ids, "the factory should leave an open alert"
    alert_id = fresh_store.open_alert_ids[0]
    at = app(fresh_store.url, supervisor="Ana")
    at.button(key=f"ack_{alert_id}").click().run()
    assert not at.exception
    assert any("acknowledged" in s.value for s in at.success)
    engine = open_store(fresh_store.url, migrate=False)
    with engine.connect() as conn:
        row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).mappings().one()
    assert row["status"] == "acknowledged" and row["acked_by"] == "Ana"
    assert row["ack_applied"] is False and row["ack_latency_s"] >= 0
    assert f"ack_{alert_id}" not in [b.key for b in at.button]


def test_nobody_signed_in_sees_only_the_sign_in_form(app, fresh_store) -> None:
    at = app(fresh_store.url, supervisor="")
    assert not at.exception
    assert not [b for b in at.button if b.key and b.key.startswith("ack_")]
    assert [t.label for t in at.text_input] == ["Name", "Password"]


def test_a_new_alert_is_toasted_once(app, fresh_store) -> None:
    from datetime import UTC, datetime

    import streamlit as st

    at = app(fresh_store.url)
    assert not at.toast, "alerts already open on the first view are not toasted"
    engine = open_store(fresh_store.url, migrate=False)
    with engine.begin() as conn:
        conn.execute(alerts.insert().values(
            call_id=fresh_store.live_calls[0], desk_id="d-000", agent_id="a-000",
            team="billing", reason="legal_or_media_threat", risk=0.95, turn_index=0,
            raised_at=datetime.now(UTC), status="open", ack_applied=False))
    st.cache_data.clear()
    at.run()
    assert [rendered_text(t.value) for t in at.toast] == [
        "New alert at desk d-000: legal or media threat"]
    st.cache_data.clear()
    at.run()
    assert not at.toast


def test_team_filter_shows_only_that_team(app, small_store) -> None:
    at = app(small_store.url)
    at.selectbox(key="floor_team").set_value("tech").run()
    assert not at.exception
    page = _html(at)
    for desk, team in small_store.teams.items():
        assert (f'data-desk="{desk}"' in page.replace('\\"', '"')) == (team == "tech")
