"""The dashboard on a store the real monitor wrote (not the test factory): every page renders,
a live and a finished call open in detail, and an acknowledgement made on the page reaches
the desk through the monitor."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from dashboard.i18n import t
from store.schema import alerts, call_facts, dead_letters, desk_states
from store.schema import calls as calls_table
from tests.dashboard.monitored_store import monitored_store
from tests.dashboard.pages import NAMES, TITLES

PAGES = tuple(p for p in NAMES if p != "audit")  # the pages every role reads


@pytest.fixture
def monitored(trained_registry, tmp_path):
    """A store filled by the monitor: 12 whole calls from the corpus, two left open (one of
    them in alert), and a malformed event."""
    return monitored_store(trained_registry, tmp_path / "floor.db")


def _plain(value: str) -> str:
    return value.replace("\\", "")  # metrics and messages are shown markdown-escaped


def _metrics(at) -> dict[str, str]:
    return {m.label: _plain(m.value) for m in at.metric}


def _stored_call(service, call_id: str) -> dict:
    with service.writer.engine.connect() as conn:
        return dict(conn.execute(select(calls_table).where(
            calls_table.c.call_id == call_id)).mappings().one())


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_a_monitor_written_store(app, monitored, page):
    url, _service, _calls = monitored
    at = app(url, page)
    assert not at.exception, at.exception
    assert [x.value for x in at.title] == [t(TITLES[page])]
    assert not at.error, [e.value for e in at.error]


def test_the_floor_shows_each_agent_desk_the_two_live_calls_and_the_one_alert(app, monitored):
    url, service, _calls = monitored
    at = app(url, "floor")
    page = "".join(str(el.proto) for el in at.get("html")).replace('\\"', '"')
    # no desk configured: each of the 12 agents' desk is the agent id (engine._desk_id)
    assert set(re.findall(r'data-desk="([^"]+)"', page)) == {f"a-{n}" for n in range(12)}
    metrics = _metrics(at)
    assert metrics["Calls in progress"] == "2"  # calls 10 and 11 were never ended
    assert metrics["Open alerts"] == "1"  # the fixture left exactly one open
    with service.writer.engine.connect() as conn:
        alert_id = conn.execute(select(alerts.c.id)).scalar_one()
    assert [b.key for b in at.button if (b.key or "").startswith("ack_")] == [f"ack_{alert_id}"]


def test_history_is_the_ten_calls_the_monitor_ended(app, monitored):
    url, service, calls = monitored
    with service.writer.engine.connect() as conn:
        facts = dict(conn.execute(select(call_facts.c.call_id, call_facts.c.csat)).all())
    assert facts == {c["call_id"]: 2 if c["escalated"] else 5 for c in calls[:10]}
    at = app(url, "history")
    assert len(at.get("plotly_chart")) == 6 and len(at.get("download_button")) == 6


def test_the_malformed_event_is_the_one_dead_letter(app, monitored):
    url, service, _calls = monitored
    at = app(url, "dead_letters")
    rows = at.dataframe[0].value.to_dict("records")
    assert len(rows) == 1 and rows[0]["source"] == "test" and rows[0]["payload"] == "{broken"
    with service.writer.engine.connect() as conn:
        assert conn.execute(select(dead_letters.c.payload)).scalars().all() == ["{broken"]


def test_live_and_finished_calls_open_in_detail(app, monitored):
    url, service, calls = monitored
    finished, live = calls[0], calls[10]
    at = app(url, "call", query={"call": finished["call_id"]})
    assert not at.exception, at.exception
    stored = _stored_call(service, finished["call_id"])
    assert at.selectbox(key="call_pick").value == finished["call_id"]
    metrics = _metrics(at)
    assert (metrics["Agent"], metrics["Status"]) == ("a-0", "ended · off")
    assert metrics["CSAT"] == str(2 if finished["escalated"] else 5)
    assert metrics["QA score"] == f"{stored['qa_score']:.1f}"
    assert metrics["Max risk"] == f"{stored['max_risk']:.0%}"

    at = app(url, "call", query={"call": live["call_id"]})
    assert not at.exception, at.exception
    stored = _stored_call(service, live["call_id"])
    assert at.selectbox(key="call_pick").value == live["call_id"]
    metrics = _metrics(at)
    assert (metrics["Agent"], metrics["CSAT"]) == ("a-10", "–")
    assert metrics["Status"] == f"open · {stored['state']}" and "QA score" not in metrics
    assert any("No scorecard for this call yet" in i.value for i in at.info)


def test_acknowledging_on_the_floor_reaches_the_desk(app, monitored):
    url, service, calls = monitored
    at = app(url, "floor", supervisor="Ana")
    buttons = [b for b in at.button if "ack" in (b.key or "")]
    assert buttons, [b.key for b in at.button]
    buttons[0].click().run()
    assert not at.exception
    service.housekeeping()
    with service.writer.engine.connect() as conn:
        alert = conn.execute(select(alerts)).mappings().one()
        desk = conn.execute(select(desk_states.c.state).where(
            desk_states.c.call_id == calls[10]["call_id"])).scalar()
    assert alert["acked_by"] == "Ana" and alert["ack_applied"] is True
    assert desk == "acknowledged"
