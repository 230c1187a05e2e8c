"""The live floor in AppTest against real stores: tiles, KPIs, the alert queue, and that
Acknowledge writes the acknowledgement (and only once); messages that stay until dismissed,
what a viewer sees, desk order, tile contrast and links, and the team filter on the lights."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
import streamlit as st
from sqlalchemy import select

from dashboard.floor_page import tile_query
from dashboard.tiles import AA_TEXT, LOOKS, contrast, natural_key, tile_html
from store.db import open_store
from store.queries import DeskTile
from store.schema import alerts, desk_states
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


# --- a supervisor's day on the floor (issue 14) ----------------------------------------------

def _plain(at) -> str:
    return _html(at).replace('\\"', '"')


def _texts(elements) -> list[str]:
    return [rendered_text(e.value) for e in elements]


def _add_desks(url: str, rows: list[dict]) -> None:
    now = datetime.now(UTC)
    engine = open_store(url, migrate=False)
    with engine.begin() as conn:
        conn.execute(desk_states.insert(), [
            {"agent_id": None, "team": "night", "state": "off", "call_id": None, "risk": None,
             "reason": None, "since": now, "ts": now, **row} for row in rows])
    engine.dispose()


def test_the_ack_message_stays_through_refreshes_until_dismissed(app, fresh_store) -> None:
    alert_id = fresh_store.open_alert_ids[0]
    at = app(fresh_store.url, supervisor="Ana", role="supervisor")
    at.button(key=f"ack_{alert_id}").click().run()
    acked = [s for s in _texts(at.success) if "Alert acknowledged" in s]
    assert len(acked) == 1
    assert [t for t in _texts(at.toast) if "Alert acknowledged" in t] == acked  # seen at once
    for _refresh in range(3):
        st.cache_data.clear()
        at.run()
        assert [s for s in _texts(at.success) if "Alert acknowledged" in s] == acked
        assert not [t for t in _texts(at.toast) if "Alert acknowledged" in t]  # toasted once
    at.switch_page("call_page.py").run()
    assert [s for s in _texts(at.success) if "Alert acknowledged" in s] == acked
    at.switch_page("floor_page.py").run()
    [dismiss] = [b for b in at.button if (b.key or "").startswith("dismiss_")]
    dismiss.click().run()
    assert not [s for s in _texts(at.success) if "Alert acknowledged" in s]
    at.run()
    assert not [b for b in at.button if (b.key or "").startswith("dismiss_")]


def test_a_viewer_sees_the_acknowledge_buttons_greyed_with_the_reason(app, fresh_store) -> None:
    at = app(fresh_store.url, supervisor="Wall", role="viewer")
    buttons = [b for b in at.button if (b.key or "").startswith("ack_")]
    assert buttons and all(b.disabled for b in buttons)
    reason = "Your role (viewer) may only look: this needs supervisor or higher."
    assert {b.help for b in buttons} == {reason}
    assert reason in _texts(at.caption)


def test_a_refused_acknowledgement_is_an_error_that_stays(app, fresh_store) -> None:
    """The role was lowered after the page was drawn: the store refuses, the error stays."""
    from tests.dashboard.conftest import ensure_account

    alert_id = fresh_store.open_alert_ids[0]
    at = app(fresh_store.url, supervisor="Ana", role="supervisor")
    ensure_account(fresh_store.url, "Ana", "viewer")
    at.button(key=f"ack_{alert_id}").click().run()
    refused = [e for e in _texts(at.error) if "Ana (viewer) may not acknowledge" in e]
    assert refused
    at.run()
    assert [e for e in _texts(at.error) if "Ana (viewer) may not acknowledge" in e] == refused
    with open_store(fresh_store.url, migrate=False).connect() as conn:
        assert conn.execute(select(alerts.c.status).where(
            alerts.c.id == alert_id)).scalar_one() == "open"


def test_desks_are_in_natural_order_and_off_desks_have_no_dangling_dot(app, fresh_store) -> None:
    _add_desks(fresh_store.url, [{"desk_id": d} for d in ("n-10", "n-2", "n-1")])
    at = app(fresh_store.url)
    desks = re.findall(r'data-desk="([^"]+)"', _plain(at))
    assert [d for d in desks if d.startswith("n-")] == ["n-1", "n-2", "n-10"]
    assert desks == sorted(desks, key=natural_key)
    tile = re.search(r'<a [^>]*data-desk="n-2".*?</a>', _plain(at)).group(0)
    assert "<b>n-2</b><br>" in tile and "·" not in tile


def test_natural_key_orders_numbers_as_numbers() -> None:
    assert sorted(["d-10", "d-2", "d-1", "D-3", "d-02b"], key=natural_key) == [
        "d-1", "d-2", "d-02b", "D-3", "d-10"]


@pytest.mark.parametrize("state", sorted(LOOKS))
def test_tile_text_meets_wcag_aa_on_every_state(state: str) -> None:
    look = LOOKS[state]
    assert contrast(look.ink, look.colour) >= AA_TEXT, (state, look.colour, look.ink)
    tile = DeskTile("d-1", "a-1", "tech", state, "c-1" if state != "off" else None, 0.5,
                    "abuse", None, datetime.now(UTC), 0.1, (0.1, -0.2, 0.3))
    html = tile_html(tile, datetime.now(UTC))
    # the text sits on the plain colour (the pattern frames it), in the chosen ink
    assert f'class="fl-text" style="color:{look.ink};background-color:{look.colour}"' in html


def test_white_on_amber_and_red_is_gone() -> None:
    """The issue: white text on the amber watch tiles (and on red, 4.0:1) was hard to read."""
    assert LOOKS["watch"].ink == "#111111" and LOOKS["alert"].ink == "#111111"
    assert contrast("#FFFFFF", LOOKS["alert"].colour) < AA_TEXT


def test_every_tile_links_to_its_call_and_a_click_opens_it(app, fresh_store) -> None:
    at = app(fresh_store.url)
    page = _plain(at)
    links = dict(re.findall(r'href="([^"]+)" data-desk="([^"]+)"', page))
    by_desk = {desk: href for href, desk in links.items()}
    for call in fresh_store.live_calls:
        assert f"call?call={call}" in links
    on_call = set(re.findall(r'data-desk="([^"]+)" data-call=', page))
    assert all(by_desk[d] == f"call?desk={d}" for d in by_desk if d not in on_call)
    assert "Click a desk to open its call." in _texts(at.caption)
    # the click: the script-only component hands (desk, call) to Python
    assert tile_query("d-1", "c-9") == {"call": "c-9"}
    assert tile_query("d-1", "") == {"desk": "d-1"}
    assert tile_query("", "") == {}
    clicks = [e for e in at.get("bidi_component") if "floorlight_tile_clicks" in str(e.proto)]
    assert len(clicks) == 1 and "a.fl-tile[data-desk]" in str(clicks[0].proto)


def _virtual(home, lights: dict[str, str]) -> None:
    (home / "lights").mkdir(exist_ok=True)
    (home / "lights" / "virtual.json").write_text(json.dumps({"v": 1, "lights": {
        name: {"state": state, "online": True, "look": {"color": "#FF0000", "effect": "solid"}}
        for name, state in lights.items()}}))


def test_the_team_filter_filters_the_virtual_lights(app, small_store) -> None:
    tech = sorted((d for d, t in small_store.teams.items() if t == "tech"), key=natural_key)
    others = [d for d, t in small_store.teams.items() if t != "tech"]
    _virtual(app.home, {**{d: "calm" for d in small_store.desks}, "team/tech": "alert",
                        "team/sales": "calm", "floor": "alert"})
    at = app(small_store.url, show_virtual_lights=True)
    shown = re.findall(r'data-light="([^"]+)"', _plain(at))
    assert set(shown) == {*small_store.desks, "team/tech", "team/sales", "floor"}
    at.selectbox(key="floor_team").set_value("tech").run()
    shown = re.findall(r'data-light="([^"]+)"', _plain(at))
    assert shown == [*tech, "team/tech"]
    assert not set(shown) & set(others)


def test_virtual_lights_are_in_natural_order(app, small_store) -> None:
    _virtual(app.home, {"d-10": "calm", "d-2": "alert", "d-1": "off"})
    at = app(small_store.url, show_virtual_lights=True)
    assert re.findall(r'data-light="([^"]+)"', _plain(at)) == ["d-1", "d-2", "d-10"]
