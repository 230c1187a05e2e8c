"""The monitor owns the history facts: it writes a call's facts when the call ends and
rewrites them when a late survey score arrives; a store from an older monitor is caught up
when the monitor starts (issue 13, item 2)."""

from __future__ import annotations

import json

from sqlalchemy import delete, func, select

from monitor.engine import Incoming
from monitor.service import MonitorService
from store.schema import call_cues, call_facts
from tests.monitor.events import CALM_CALL, ended, said, started


def _feed(service: MonitorService, *events: dict) -> None:
    service.feed([Incoming(f"floorlight/ingest/{e['call_id']}", json.dumps(e)) for e in events])
    service.step(0)


def _facts(writer) -> dict[str, dict]:
    with writer.engine.connect() as conn:
        return {r["call_id"]: dict(r) for r in conn.execute(select(call_facts)).mappings()}


def test_an_ended_call_has_its_facts_at_once_and_a_late_survey_updates_them(make_engine,
                                                                           writer):
    service = MonitorService(make_engine(), writer)
    _feed(service, started("c-1"), *(said("c-1", i, s, t) for i, (s, t) in
                                     enumerate(CALM_CALL)))
    assert _facts(writer) == {}  # a live call has no history facts yet
    _feed(service, ended("c-1"))
    facts = _facts(writer)
    assert facts["c-1"]["turns"] == len(CALM_CALL) and facts["c-1"]["csat"] is None
    _feed(service, ended("c-1", event_id="c-1-survey", csat=5, ts="2026-11-23T10:00:00Z"))
    assert _facts(writer)["c-1"]["csat"] == 5
    with writer.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(call_facts)).scalar() == 1


def test_cue_counts_are_written_with_the_facts(make_engine, writer):
    service = MonitorService(make_engine(), writer)
    _feed(service, started("c-2"),
          said("c-2", 0, "customer", "I want your manager on this line right now."),
          said("c-2", 1, "customer", "Get me a supervisor, I am done talking to you."),
          ended("c-2"))
    with writer.engine.connect() as conn:
        cues = conn.execute(select(call_cues.c.call_id, call_cues.c.n)).all()
    assert cues and all(cid == "c-2" for cid, _ in cues)


def test_facts_missing_from_an_older_store_are_derived_when_the_monitor_starts(make_engine,
                                                                              writer):
    service = MonitorService(make_engine(), writer)
    _feed(service, started("c-3"), said("c-3", 0, "customer", "hello"), ended("c-3"))
    with writer.engine.begin() as conn:  # as an older monitor left it
        conn.execute(delete(call_cues))
        conn.execute(delete(call_facts))
    MonitorService(make_engine(), writer).resume()
    assert set(_facts(writer)) == {"c-3"}
