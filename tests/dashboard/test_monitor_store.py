"""The dashboard on a store the real monitor wrote (not the test factory): every page renders,
a live and a finished call open in detail, and an acknowledgement made on the page reaches
the desk through the monitor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from models.artifacts import load_model
from models.lexicon import load_lexicon
from monitor.config import MonitorConfig
from monitor.engine import Engine, Incoming
from monitor.service import MonitorService
from store.db import open_store
from store.schema import alerts, desk_states
from store.writer import StoreWriter

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("floor", "call", "history", "model", "lights", "dead_letters")


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


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_a_monitor_written_store(app, monitored, page):
    url, _service, _calls = monitored
    at = app(url, page)
    assert not at.exception, at.exception


def test_live_and_finished_calls_open_in_detail(app, monitored):
    url, _service, calls = monitored
    for call in (calls[0], calls[10]):
        at = app(url, "call", query={"call": call["call_id"]})
        assert not at.exception, at.exception


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
