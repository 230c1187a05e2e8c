"""Active and standby monitors as real processes on a real mosquitto and a real PostgreSQL:
the standby stays passive while the active one holds the lease and takes the session over
when it is killed or cut off from its database, with every turn stored exactly once. And the
refusals: a second monitor on the same SQLite file, a second one with the same client id."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from store.db import open_store
from store.schema import calls, events_seen, services, utterances
from tests.monitor.events import whole_call
from tests.monitor.mqtt import FLOORLIGHT, Peer, start_monitor, stop, wait_for
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow


def stream(first: int, n_calls: int) -> list[dict]:
    """Calls interleaved turn by turn, the way a floor sends them."""
    calls_ = [whole_call(f"c-{i}", agent=f"a-{i}") for i in range(first, first + n_calls)]
    return [e for step in zip(*calls_, strict=True) for e in step]


class Store:
    def __init__(self, url: str) -> None:
        self.engine = open_store(url, migrate=False)

    def scalar(self, query):
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def count(self, table, *where) -> int:
        return self.scalar(select(func.count()).select_from(table).where(*where))

    def distinct_turns(self) -> int:
        keys = select(utterances.c.call_id, utterances.c.seq).distinct().subquery()
        return self.scalar(select(func.count()).select_from(keys))

    def status(self, name: str) -> str | None:
        return self.scalar(select(services.c.status).where(services.c.name == name))

    def close(self) -> None:
        self.engine.dispose()


def assert_every_turn_once(store: Store, events: list[dict], n_calls: int) -> None:
    wait_for(lambda: store.count(calls, calls.c.status == "ended") == n_calls, timeout=90,
             what="every call ended")
    turns = sum(1 for e in events if e["type"] == "utterance")
    assert store.count(utterances) == turns  # none lost, none doubled
    assert store.distinct_turns() == turns
    assert store.count(events_seen) == len(events)


def killed(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()


def test_standby_takes_over_a_killed_shard_worker_with_every_turn_once(
        pg_url, mosquitto, trained_registry, tmp_path):
    open_store(pg_url).dispose()
    peer = Peer(mosquitto)
    store = Store(pg_url)
    active = start_monitor(mosquitto, pg_url, trained_registry, tmp_path / "a",
                           "--shard", "0/2")
    wait_for(lambda: peer.last("floorlight/monitor/monitor-0of2/status") == "online",
             what="the first worker of shard 0 active")
    standby = start_monitor(mosquitto, pg_url, trained_registry, tmp_path / "b",
                            "--shard", "0/2")
    other = start_monitor(mosquitto, pg_url, trained_registry, tmp_path / "c",
                          "--shard", "1/2")  # another shard: its own lease, active at once
    try:
        wait_for(lambda: peer.last("floorlight/monitor/monitor-0of2/standby") == "standby",
                 what="the second worker of shard 0 waiting as a standby")
        wait_for(lambda: store.status("monitor-0of2-standby") == "standby",
                 what="the standby's heartbeat row")
        wait_for(lambda: peer.last("floorlight/monitor/monitor-1of2/status") == "online",
                 what="shard 1 active")
        events = stream(0, 24)
        peer.send(*events[: len(events) // 3])
        wait_for(lambda: store.count(utterances) > 10, what="some turns stored")
        assert active.poll() is None  # the waiting standby never knocked it off the broker
        killed(active)
        peer.send(*events[len(events) // 3:])  # still publishing while nobody holds shard 0
        wait_for(lambda: peer.last("floorlight/monitor/monitor-0of2/status") == "online"
                 and store.status("monitor-0of2-standby") == "offline",
                 timeout=30, what="the standby active")
        assert_every_turn_once(store, events, 24)
        assert standby.poll() is None and other.poll() is None
    finally:
        for process in (active, standby, other):
            stop(process)
        store.close()
        peer.close()


def test_active_cut_off_from_its_database_gives_way_to_the_standby(
        pg_url, postgres_server, mosquitto, trained_registry, tmp_path):
    open_store(pg_url).dispose()
    proxy = TcpProxy("127.0.0.1", postgres_server.port).start()
    peer = Peer(mosquitto)
    store = Store(pg_url)
    first_log = tmp_path / "first.log"
    first = start_monitor(mosquitto, proxy.url_for(pg_url), trained_registry, tmp_path / "a",
                          log=first_log)
    wait_for(lambda: peer.last("floorlight/monitor/status") == "online", what="active")
    second = start_monitor(mosquitto, pg_url, trained_registry, tmp_path / "b")
    try:
        wait_for(lambda: store.status("monitor-standby") == "standby", what="a standby")
        events = stream(0, 16)
        peer.send(*events[: len(events) // 2])
        wait_for(lambda: store.count(utterances) > 10, what="some turns stored")
        proxy.cut()
        peer.send(*events[len(events) // 2:])
        assert_every_turn_once(store, events, 16)
        # the first one stepped down: no longer consuming, waiting for the lease itself
        wait_for(lambda: "waiting as a standby" in first_log.read_text(),
                 what="the cut-off monitor to step down")
        assert first.poll() is None and second.poll() is None
        proxy.restore()
        wait_for(lambda: store.status("monitor-standby") == "standby",
                 what="the first monitor back as the standby")
        more = stream(100, 4)
        peer.send(*more)
        assert_every_turn_once(store, events + more, 20)
        # a stopped (SIGTERM) active monitor hands over too
        second.terminate()
        assert second.wait(30) == 0
        wait_for(lambda: store.status("monitor-standby") == "offline"
                 and peer.last("floorlight/monitor/status") == "online",
                 what="the first monitor active again")
        last = stream(200, 4)
        peer.send(*last)
        assert_every_turn_once(store, events + more + last, 24)
    finally:
        stop(first)
        stop(second)
        proxy.cut()
        store.close()
        peer.close()


def test_a_lone_monitor_steps_down_while_its_database_is_gone_and_comes_back(
        pg_url, postgres_server, mosquitto, trained_registry, tmp_path):
    open_store(pg_url).dispose()
    proxy = TcpProxy("127.0.0.1", postgres_server.port).start()
    peer = Peer(mosquitto)
    store = Store(pg_url)
    log = tmp_path / "monitor.log"
    monitor = start_monitor(mosquitto, proxy.url_for(pg_url), trained_registry, tmp_path / "a",
                            log=log)
    try:
        wait_for(lambda: peer.last("floorlight/monitor/status") == "online", what="active")
        events = stream(0, 12)
        peer.send(*events[: len(events) // 2])
        wait_for(lambda: store.count(utterances) > 10, what="some turns stored")
        proxy.cut()
        wait_for(lambda: peer.last("floorlight/monitor/status") == "offline",
                 what="the monitor to leave the broker")
        peer.send(*events[len(events) // 2:])  # the broker keeps them
        proxy.restore()
        assert_every_turn_once(store, events, 12)
        assert "waiting as a standby" in log.read_text() and monitor.poll() is None
        assert peer.last("floorlight/monitor/status") == "online"
    finally:
        stop(monitor)
        proxy.cut()
        store.close()
        peer.close()


def test_a_second_monitor_on_the_same_sqlite_file_is_refused(mosquitto, trained_registry,
                                                             tmp_path):
    db = f"sqlite:///{tmp_path / 'floor.db'}"
    peer = Peer(mosquitto)
    first = start_monitor(mosquitto, db, trained_registry, tmp_path / "a")
    try:
        wait_for(lambda: peer.last("floorlight/monitor/status") == "online", what="online")
        second = subprocess.run([FLOORLIGHT, "monitor", "--mqtt", mosquitto.url, "--db", db,
                                 "--model", str(trained_registry)], capture_output=True,
                                text=True, timeout=120)
        assert second.returncode == 2
        message = second.stderr.strip()
        assert message.count("\n") == 0 and "already running" in message
        assert "PostgreSQL" in message and "floor.db" in message
        assert first.poll() is None
    finally:
        stop(first)
        peer.close()


def test_two_monitors_with_one_client_id_do_not_fight(mosquitto, trained_registry, tmp_path):
    """Two stores (so no lease between them), one broker, one client id: the one the broker
    dropped stops with a clear message instead of knocking the other off every 250 ms."""
    peer = Peer(mosquitto)
    first_log = tmp_path / "first.log"
    first = start_monitor(mosquitto, f"sqlite:///{tmp_path / 'one.db'}", trained_registry,
                          tmp_path / "a", log=first_log)
    try:
        wait_for(lambda: peer.last("floorlight/monitor/status") == "online", what="online")
        second_db = f"sqlite:///{tmp_path / 'two.db'}"
        second = start_monitor(mosquitto, second_db, trained_registry, tmp_path / "b")
        assert first.wait(60) == 3
        text = first_log.read_text()
        assert "another monitor connected with client id floorlight-monitor" in text
        assert text.count("disconnected from") <= 2  # no reconnect loop
        store = Store(second_db)
        events = stream(0, 3)
        peer.send(*events)
        assert_every_turn_once(store, events, 3)
        assert second.poll() is None
        store.close()
        stop(second)
    finally:
        stop(first)
        peer.close()


def test_lease_keys_differ_per_identity() -> None:
    from store.lease import lease_key

    keys = {lease_key(i, p) for i in ("floorlight-monitor", "floorlight-monitor-0of2")
            for p in ("lease", "writes")}
    assert len(keys) == 4
    assert all(-(2**63) <= k < 2**63 for k in keys)


def test_lock_file_sits_next_to_the_database(tmp_path: Path) -> None:
    from store.lease import FileLease, LeaseHeld

    one, two = FileLease(tmp_path / "x.db", "m"), FileLease(tmp_path / "x.db", "m")
    one.acquire()
    with pytest.raises(LeaseHeld, match="already running as m"):
        two.acquire()
    one.release()
    two.acquire()
    two.release()
