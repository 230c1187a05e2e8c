"""The dashboard's queries and writes on a real PostgreSQL (a shared deployment's store):
the same store factory, every history query, acknowledge and review, and the history page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select

from store import facts, queries
from store.access import Actor
from store.db import open_store
from store.feedback import acknowledge_alert, export_reviewed_turns, save_review
from store.schema import alerts, call_cues, call_facts
from tests.dashboard.store_factory import StoreSpec, build_store

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_store(pg_url):
    return build_store(pg_url, StoreSpec(finished=40, live=6, desks=8))


def test_queries_and_writes_on_postgres(pg_store, tmp_path) -> None:
    engine = open_store(pg_store.url, migrate=False)
    assert queries.check_store(engine).ok
    assert len(queries.desk_tiles(engine)) == 8
    assert queries.floor_kpis(engine, now=datetime.now(UTC)).calls_in_progress == 6
    queue = queries.alert_queue(engine)
    assert {a.id for a in queue} == set(pg_store.open_alert_ids)
    with engine.begin() as conn:  # as a store from before the monitor wrote facts
        conn.execute(delete(call_cues))
        conn.execute(delete(call_facts))
    assert facts.backfill(engine) == 40
    span = queries.history_span(engine)
    flt = queries.HistoryFilter(span.first_day, span.last_day)
    assert sum(d.calls for d in queries.daily_stats(engine, flt)) == 40
    assert queries.cue_breakdown(engine, flt)
    assert sum(queries.qa_histogram(engine, flt).values()) == 40
    assert queries.technique_rates(engine, flt)
    assert queries.agent_outcomes(engine, flt, "empathy")
    queries.ack_latency(engine, flt)
    detail = queries.call_detail(engine, pg_store.finished_calls[0])
    assert detail is not None and detail.turns
    if pg_store.open_alert_ids:
        assert acknowledge_alert(engine, pg_store.open_alert_ids[0],
                                 Actor("Mei", "supervisor")).acknowledged
        with engine.connect() as conn:
            assert conn.execute(select(alerts.c.acked_by).where(
                alerts.c.id == pg_store.open_alert_ids[0])).scalar() == "Mei"
    save_review(engine, call_id=pg_store.finished_calls[0], seq=0, field="sentiment",
                new_value="positive", actor=Actor("Mei", "supervisor"))
    assert export_reviewed_turns(engine, tmp_path / "r.jsonl", Actor("Lin", "analyst")).turns == 1
    engine.dispose()


def test_history_page_on_postgres(app, pg_store) -> None:
    at = app(pg_store.url, "history")
    assert not at.exception
    assert len(at.get("plotly_chart")) == 6
