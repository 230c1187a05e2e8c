"""The monitor as a real process against a real mosquitto and a real SQLite file: desk,
team and floor states out, availability with a last will, and no event lost or applied twice
when the broker or the monitor dies mid-stream."""

from __future__ import annotations

import signal

import pytest
from sqlalchemy import func, select

from store.db import open_store
from store.schema import calls, events_seen, utterances
from tests.monitor.events import said, started, whole_call
from tests.monitor.mqtt import Peer, start_monitor, stop, wait_for

pytestmark = pytest.mark.slow


def scalar(db_url, query):
    engine = open_store(db_url, migrate=False)
    try:
        with engine.connect() as conn:
            return conn.execute(query).scalar()
    finally:
        engine.dispose()


def ended_calls(db_url) -> int:
    return scalar(db_url, select(func.count()).select_from(calls).where(
        calls.c.status == "ended"))


def stream(n_calls: int, turns: int = 6) -> list[dict]:
    """Calls interleaved turn by turn, the way a floor sends them."""
    calls_ = [whole_call(f"c-{i}", agent=f"a-{i}", team="north" if i % 2 else "south")
              for i in range(n_calls)]
    return [e for step in zip(*calls_, strict=True) for e in step]


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


def test_desk_team_floor_states_and_availability(mosquitto, trained_registry, tmp_path, home):
    db = f"sqlite:///{tmp_path / 'floor.db'}"
    peer = Peer(mosquitto)
    monitor = start_monitor(mosquitto, db, trained_registry, home)
    try:
        wait_for(lambda: peer.last("floorlight/monitor/status") == "online",
                 what="monitor online")
        peer.send(started("c-1", "a-7", team="billing", desk_id="d-7"),
                  said("c-1", 0, "agent", "Hello, thanks for calling."))
        desk = wait_for(lambda: peer.last("floorlight/desk/d-7/state"), what="desk state")
        assert desk["v"] == 1 and desk["desk_id"] == "d-7" and desk["agent_id"] == "a-7"
        assert desk["call_id"] == "c-1" and desk["state"] in ("calm", "watch", "alert")
        assert set(desk) == {"v", "desk_id", "agent_id", "state", "call_id", "risk", "reason",
                             "since", "ts"}
        floor = wait_for(lambda: peer.last("floorlight/floor/state"), what="floor state")
        assert floor["counts"][desk["state"]] == 1 and floor["state"] == desk["state"]
        team = wait_for(lambda: peer.last("floorlight/team/billing/state"), what="team state")
        assert team["team"] == "billing"
        peer.send(*whole_call("c-1")[2:])
        wait_for(lambda: (peer.last("floorlight/desk/d-7/state") or {}).get("state") == "off",
                 what="desk off at the end of the call")
        # retained: a newcomer sees the desk's current state at once
        late = Peer(mosquitto, subscribe="floorlight/desk/#")
        assert wait_for(lambda: late.last("floorlight/desk/d-7/state"))["state"] == "off"
        late.close()
        monitor.send_signal(signal.SIGKILL)
        monitor.wait()
        wait_for(lambda: peer.last("floorlight/monitor/status") == "offline",
                 what="the last will")
    finally:
        stop(monitor)
        peer.close()


def test_monitor_killed_mid_stream_loses_nothing_and_applies_nothing_twice(
        mosquitto, trained_registry, tmp_path, home):
    db = f"sqlite:///{tmp_path / 'floor.db'}"
    events = stream(12)
    peer = Peer(mosquitto)
    monitor = start_monitor(mosquitto, db, trained_registry, home)
    try:
        wait_for(lambda: peer.last("floorlight/monitor/status") == "online")
        peer.send(*events[: len(events) // 2])
        wait_for(lambda: scalar(db, select(func.count()).select_from(utterances)) > 10,
                 what="some turns stored")
        monitor.send_signal(signal.SIGKILL)
        monitor.wait()
        peer.send(*events[len(events) // 2:])  # the broker keeps them for the monitor
        monitor = start_monitor(mosquitto, db, trained_registry, home)
        wait_for(lambda: ended_calls(db) == 12, timeout=60, what="every call ended")
        assert scalar(db, select(func.count()).select_from(utterances)) == 12 * 5
        assert scalar(db, select(func.count()).select_from(events_seen)) == len(events)
        for i in range(12):
            wait_for(lambda i=i: (peer.last(f"floorlight/desk/a-{i}/state") or {}).get(
                "state") == "off", what=f"desk a-{i} off")
    finally:
        stop(monitor)
        peer.close()


def test_broker_restart_mid_stream_loses_nothing_and_republishes(
        tmp_path_factory, trained_registry, tmp_path, home):
    from tests.support.mosquitto import MosquittoBroker

    db = f"sqlite:///{tmp_path / 'floor.db'}"
    events = stream(10)
    with MosquittoBroker(tmp_path_factory.mktemp("broker"), persistence=True) as broker:
        publisher = Peer(broker, subscribe=None)
        watcher = Peer(broker)
        monitor = start_monitor(broker, db, trained_registry, home)
        try:
            wait_for(lambda: watcher.last("floorlight/monitor/status") == "online")
            publisher.send(*events[:30])
            broker.restart()
            publisher.send(*events[30:], wait=False)  # queued by the client while it is down
            wait_for(lambda: ended_calls(db) == 10, timeout=60, what="every call ended")
            assert scalar(db, select(func.count()).select_from(utterances)) == 10 * 5
            assert scalar(db, select(func.count()).select_from(events_seen)) == len(events)
            fresh = Peer(broker, subscribe="floorlight/desk/#")
            for i in range(10):
                wait_for(lambda i=i: fresh.last(f"floorlight/desk/a-{i}/state"),
                         what=f"desk a-{i} retained after the restart")
            fresh.close()
        finally:
            stop(monitor)
            publisher.close()
            watcher.close()


def test_credentials_never_reach_the_logs(mosquitto, trained_registry, tmp_path, home):
    db = f"sqlite:///{tmp_path / 'floor.db'}"
    log = tmp_path / "monitor.log"

    broker = type("B", (), {"url": f"mqtt://floor-user:s3cr3t-pw@127.0.0.1:{mosquitto.port}",
                            "host": mosquitto.host, "port": mosquitto.port})()
    peer = Peer(mosquitto)
    monitor = start_monitor(broker, db, trained_registry, home, "--log-level", "DEBUG",
                            log=log)
    try:
        wait_for(lambda: peer.last("floorlight/monitor/status") == "online")
        mosquitto.restart()  # a reconnect logs the broker's address again
        wait_for(lambda: "connected to" in log.read_text().split("disconnected")[-1],
                 what="reconnect")
    finally:
        stop(monitor)
        peer.close()
    text = log.read_text()
    assert "floor-user:***@127.0.0.1" in text
    assert "s3cr3t-pw" not in text


def test_mqtts_with_the_site_ca(tmp_path_factory, trained_registry, tmp_path, home):
    import subprocess

    from tests.support.mosquitto import MosquittoBroker, free_port

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    plain = free_port()  # the test's own client stays on a plain listener
    tls = f"certfile {cert}\nkeyfile {key}\nlistener {plain} 127.0.0.1\n"
    db = f"sqlite:///{tmp_path / 'floor.db'}"
    with MosquittoBroker(tmp_path_factory.mktemp("tls"), extra_config=tls) as broker:
        secure = type("B", (), {"url": f"mqtts://127.0.0.1:{broker.port}?ca={cert}"})()
        assert broker.listening(plain)
        peer = Peer(type("B", (), {"host": "127.0.0.1", "port": plain})())
        monitor = start_monitor(secure, db, trained_registry, home)
        try:
            wait_for(lambda: peer.last("floorlight/monitor/status") == "online",
                     what="monitor online over TLS")
            peer.send(*whole_call("c-1", agent="a-3"))
            wait_for(lambda: ended_calls(db) == 1, what="the call through TLS")
        finally:
            stop(monitor)
            peer.close()
