"""The same monitor against a real PostgreSQL: migrations, the engine's batches, resume, and
two shard workers sharing one store behind one broker."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from store.db import current_revision, open_store
from store.schema import calls, events_seen, utterances
from store.writer import StoreWriter
from tests.monitor.events import incoming, said, started, whole_call
from tests.monitor.mqtt import Peer, start_monitor, stop, wait_for

pytestmark = pytest.mark.slow


def count(engine, table, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar()


def test_migrations_and_a_batch_on_postgres(pg_url, make_engine):
    store = open_store(pg_url)
    assert current_revision(store) is not None
    writer = StoreWriter(store)
    engine = make_engine()
    events = [*whole_call("c-1"), said("c-2", 1, "customer", "second first"),
              started("c-2"), said("c-2", 0, "agent", "hello")]
    writer.write(engine.handle(incoming(*events, events[3]), writer))
    assert count(store, utterances) == 7
    assert count(store, calls, calls.c.status == "ended") == 1
    assert count(store, events_seen) == len(events)
    resumed = make_engine()
    resumed.restore(writer.open_calls(), writer.turns(["c-2"]), writer.pending(),
                    writer.desks())
    assert resumed.calls["c-2"].next_seq == 2 and len(resumed.calls["c-2"].turns) == 2
    store.dispose()


def test_two_shard_workers_share_one_postgres_store(pg_url, mosquitto, trained_registry,
                                                     tmp_path):
    open_store(pg_url).dispose()  # migrate once, before two workers race to
    peer = Peer(mosquitto)
    workers = [start_monitor(mosquitto, pg_url, trained_registry, tmp_path / f"w{i}",
                             "--shard", f"{i}/2") for i in range(2)]
    try:
        for i in range(2):
            wait_for(lambda i=i: peer.last(f"floorlight/monitor/monitor-{i}of2/status")
                     == "online", what=f"worker {i} online")
        events = [e for n in range(16) for e in whole_call(f"c-{n}", agent=f"a-{n}")]
        peer.send(*events)
        store = open_store(pg_url, migrate=False)
        wait_for(lambda: count(store, calls, calls.c.status == "ended") == 16, timeout=60,
                 what="all calls ended")
        assert count(store, utterances) == 16 * 5
        assert count(store, events_seen) == len(events)
        with store.connect() as conn:
            owners = conn.execute(select(func.count(func.distinct(calls.c.model_version))))
            assert owners.scalar() == 1
        for n in range(16):
            wait_for(lambda n=n: (peer.last(f"floorlight/desk/a-{n}/state") or {}).get(
                "state") == "off", what=f"desk a-{n}")
        # each worker publishes the floor from the shared store, catching up within 0.5 s
        wait_for(lambda: (peer.last("floorlight/floor/state") or {}).get("counts", {}).get(
            "off") == 16, what="the floor state with every desk off")
        store.dispose()
    finally:
        for worker in workers:
            stop(worker)
        peer.close()
