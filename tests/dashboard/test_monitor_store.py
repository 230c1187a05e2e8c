"""The dashboard on a store the real monitor wrote (not the test factory): every page renders,
a live and a finished call open in detail, and an acknowledgement made on the page reaches
the desk through the monitor."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from dashboard.i18n import t
from models.artifacts import load_model
from models.lexicon import load_lexicon
from monitor.config import MonitorConfig
from monitor.engine import Engine, Incoming
from monitor.service import MonitorService
from store.db import open_store
from store.schema import alerts, call_facts, dead_letters, desk_states
from store.schema import calls as calls_table
from store.writer import StoreWriter
from tests.dashboard.pages import NAMES, TITLES

ROOT = Path(__file__).resolve().parents[2]
PAGES = tuple(p for p in NAMES if p != "audit")  # the pages every role reads


@pytest.fixture
def monitored(trained_registry, tmp_path):
    """A store filled by the monitor: 12 whole calls from the corpus, two left open (one of
    them in alert), and a malformed event."""
    url = f"sqlite:///{tmp_path / 'floor.db'}"
    engine = Engine(load_model(trained_registry), MonitorConfig(),
                    load_lexicon([ROOT / "data" / "lexicon" / "qa_lexicon.tsv"]))
    service = MonitorService(engine, StoreWriter(open_store(url)))
    calls = [json.loads(line) for line in
             (ROOT / "data" / "calls" / "calls.jsonl").read_text().splitlines()[:12]]
    for n, call in enumerate(calls):
        service.feed([Incoming("test", _event(e)) for e in _events(call, n, end=n < 10)])
    service.feed([Incoming("test", "{broken")])
    while service.step(0):
        pass
    live = engine.calls[calls[10]["call_id"]]
    live.tracker.state, live.tracker.reason = "alert", "supervisor_request"
    with service.writer.engine.begin() as conn:
        conn.execute(alerts.delete())  # only ours is open, so the test knows which to click
        conn.execute(alerts.insert().values(
            call_id=live.call_id, desk_id=live.desk_id, agent_id=live.agent_id,
            reason="supervisor_request", risk=0.9, turn_index=1, raised_at=live.started_at,
            status="open", ack_applied=False))
    return url, service, calls


def _events(call: dict, n: int, *, end: bool) -> list[dict]:
    cid = call["call_id"]
    out = [{"v": 1, "type": "call_started", "event_id": f"{cid}-s", "call_id": cid,
            "agent_id": f"a-{n}", "team": "north" if n % 2 else "south", "lang": call["lang"]}]
    out += [{"v": 1, "type": "utterance", "event_id": f"{cid}-{i}", "call_id": cid, "seq": i,
             "speaker": u["speaker"], "text": u["text"], "t": u.get("t"), "t_end": u.get("t_end")}
            for i, u in enumerate(call["utterances"])]
    if end:
        out.append({"v": 1, "type": "call_ended", "event_id": f"{cid}-e", "call_id": cid,
                    "csat": 2 if call["escalated"] else 5})
    return out


def _event(event: dict) -> str:
    return json.dumps({k: v for k, v in event.items() if v is not None}, ensure_ascii=False)


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
