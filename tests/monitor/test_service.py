"""The service loop around the engine: fair batches under a flood, supervisors'
acknowledgements applied from the store, heartbeats, and the in-process feed."""

from __future__ import annotations

import json
import threading

from sqlalchemy import select, update

from monitor.engine import Incoming
from monitor.inbox import FairInbox
from monitor.service import MonitorService
from store.schema import alerts, calls, desk_states, services, utterances
from tests.monitor.events import said, started, whole_call


def raw(event: dict) -> Incoming:
    return Incoming(f"floorlight/ingest/{event['call_id']}", json.dumps(event))


def test_a_flooding_call_does_not_starve_the_others():
    inbox = FairInbox()
    for seq in range(5000):
        inbox.put("flood", raw(said("flood", seq, "customer", "again")))
    inbox.put("quiet", raw(said("quiet", 0, "customer", "hello")))
    first = inbox.take(batch_max=512, per_call=16, timeout=0)
    assert len(first) == 17
    assert [i.source for i in first].count("floorlight/ingest/quiet") == 1
    flood = [json.loads(i.raw)["seq"] for i in first if "flood" in i.source]
    assert flood == list(range(16))  # a call's own events keep their order
    rest = []
    while batch := inbox.take(512, 16, timeout=0):
        rest += [json.loads(i.raw)["seq"] for i in batch]
    assert rest == list(range(16, 5000))


def test_flooded_service_serves_the_quiet_call_in_its_first_batch(make_engine, writer):
    service = MonitorService(make_engine(), writer)
    service.feed([raw(started("flood")), raw(started("quiet"))])
    service.feed([raw(said("flood", s, "customer", "again and again")) for s in range(400)])
    service.feed([raw(said("quiet", 0, "customer", "hello"))])
    service.step(0)
    with writer.engine.connect() as conn:
        stored = conn.execute(select(utterances.c.call_id)).scalars().all()
    assert "quiet" in stored and stored.count("flood") <= service.config.per_call_batch_max


def test_an_acknowledgement_in_the_store_reaches_the_desk(make_engine, writer):
    engine = make_engine()
    service = MonitorService(engine, writer)
    service.feed([raw(started("c-1", "a-5")), raw(said("c-1", 0, "customer", "hi"))])
    service.step(0)
    call = engine.calls["c-1"]
    call.tracker.state, call.tracker.reason = "alert", "abuse"  # as if the model alerted
    with writer.engine.begin() as conn:
        alert_id = conn.execute(alerts.insert().values(
            call_id="c-1", desk_id="a-5", agent_id="a-5", reason="abuse", risk=0.9,
            turn_index=0, raised_at=call.started_at, status="open", ack_applied=False,
        )).inserted_primary_key[0]
        # what the dashboard does
        conn.execute(update(alerts).where(alerts.c.id == alert_id).values(
            status="acknowledged", acked_by="sam", acked_at=call.started_at))
    service.housekeeping()
    with writer.engine.connect() as conn:
        desk = conn.execute(select(desk_states)).mappings().one()
        applied = conn.execute(select(alerts.c.ack_applied)).scalar()
        state = conn.execute(select(calls.c.state)).scalar()
    assert desk["state"] == "acknowledged" and applied is True and state == "acknowledged"
    service.feed([raw(e) for e in whole_call("c-1")[1:] if e["type"] != "utterance"])
    service.step(0)
    with writer.engine.connect() as conn:
        assert conn.execute(select(desk_states.c.state)).scalar() == "off"
        assert conn.execute(select(alerts.c.status)).scalar() == "acknowledged"


def test_heartbeat_says_who_is_alive(make_engine, writer):
    service = MonitorService(make_engine(), writer)
    service.step(0)
    with writer.engine.connect() as conn:
        row = conn.execute(select(services)).mappings().one()
    assert row["name"] == "monitor" and row["status"] == "online"
    assert row["info"]["open_calls"] == 0 and "model" in row["info"]
    service.close()
    with writer.engine.connect() as conn:
        assert conn.execute(select(services.c.status)).scalar() == "offline"


def test_run_inprocess_applies_every_event_then_returns(model, lexicon, db_url):
    from monitor.app import run_inprocess

    events = [e for n in range(5) for e in whole_call(f"c-{n}", agent=f"a-{n}")]
    service = run_inprocess(iter(events), db_url=db_url, model=model, lexicon=lexicon,
                            stop=threading.Event())
    with service.writer.engine.connect() as conn:
        ended = conn.execute(select(calls.c.status)).scalars().all()
    assert ended == ["ended"] * 5
