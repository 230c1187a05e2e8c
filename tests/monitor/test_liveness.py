"""One registry of running services, read by everyone: two real shard workers
(``floorlight monitor --shard 0/2`` and ``1/2``) on a real mosquitto and a real PostgreSQL,
seen by the bridge's MQTT source, its store source, Home Assistant's discovery and the
dashboard's banner; killing one worker is reported by each of them."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import data
from firmware_bridge.sources.polling import PollingSource
from floorlight.commands._bridge_store import StoreDeskStates
from store.db import open_store
from tests.bridge.bridges import mqtt_bridge, plain_bridge
from tests.dashboard.conftest import sign_in
from tests.dashboard.hostile import rendered_text
from tests.monitor.mqtt import Peer, start_monitor, stop, wait_for

pytestmark = pytest.mark.slow

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
WORKERS = ("floorlight/monitor/monitor-0of2/status", "floorlight/monitor/monitor-1of2/status")
DISCOVERY = "homeassistant/sensor/floorlight/desk_d-1/config"


def banner(monkeypatch: pytest.MonkeyPatch, url: str, home: Path) -> list[str]:
    """What the dashboard's monitor banner says for this store (its warnings and notes)."""
    monkeypatch.setenv("FLOORLIGHT_HOME", str(home))
    monkeypatch.setenv("FLOORLIGHT_DB", url)
    at = AppTest.from_file(str(APP), default_timeout=60)
    sign_in(at, url, "Mei", "viewer")
    at.run()
    assert not at.exception
    said = [rendered_text(w.value) for w in at.warning] + [rendered_text(i.value) for i in at.info]
    return [m for m in said if any(word in m.lower() for word in (
        "monitor worker", "monitor has registered", "monitor is offline", "from the monitor"))]


def test_every_reader_sees_both_shard_workers_and_the_one_that_died(
        pg_url, mosquitto, trained_registry, tmp_path, monkeypatch):
    open_store(pg_url).dispose()
    config = tmp_path / "monitor.toml"
    config.write_text("heartbeat_s = 0.5\n")  # silent after 1.5 s: the test need not wait long
    (tmp_path / "home").mkdir()
    peer, home_assistant = Peer(mosquitto), Peer(mosquitto, subscribe="homeassistant/#")
    bridges: list = []
    reader = StoreDeskStates(pg_url)
    workers = [start_monitor(mosquitto, pg_url, trained_registry, tmp_path / f"w{i}",
                             "--shard", f"{i}/2", "--config", str(config)) for i in (0, 1)]
    try:
        for topic in WORKERS:
            wait_for(lambda t=topic: peer.last(t) == "online", timeout=60, what=f"{topic} online")
        by_mqtt = mqtt_bridge(mosquitto, tmp_path / "mqtt", bridges, ["d-1=virtual:"],
                              homeassistant_discovery=True)
        by_store = plain_bridge(PollingSource(reader, interval_s=0.1),
                                tmp_path / "store", bridges, ["d-1=virtual:"])

        # all up: both sources fresh, both workers known, Home Assistant needs both
        wait_for(lambda: [w.state for w in by_mqtt.source.liveness.workers]
                 == ["online", "online"], what="the MQTT source sees both workers")
        wait_for(lambda: by_store.info()["source_ok"], what="the store source fresh")
        assert by_mqtt.info()["source_ok"]
        wait_for(lambda: [a["topic"] for a in (home_assistant.last(DISCOVERY) or {})
                          .get("availability", [])] == list(WORKERS),
                 what="Home Assistant told to need both workers")
        assert banner(monkeypatch, pg_url, tmp_path / "home") == []

        workers[1].send_signal(signal.SIGKILL)  # no goodbye: the broker's will, a silent row
        workers[1].wait()

        wait_for(lambda: "monitor-1of2 is offline" in by_mqtt.info()["source_problem"],
                 what="the MQTT source reports the dead worker")
        assert [w.state for w in by_mqtt.source.liveness.workers] == ["online", "offline"]
        wait_for(lambda: "monitor-1of2 is silent" in by_store.info()["source_problem"],
                 what="the store source reports the dead worker")
        assert "monitor-0of2" not in by_store.info()["source_problem"]
        wait_for(lambda: any("monitor worker monitor-1of2" in m.lower() for m in
                             banner(monkeypatch, pg_url, tmp_path / "home")),
                 what="the dashboard banner names the dead worker")
        assert not any("monitor-0of2" in m for m in banner(monkeypatch, pg_url,
                                                            tmp_path / "home"))
        assert peer.last(WORKERS[1]) == "offline"  # what Home Assistant's availability reads
    finally:
        for bridge in bridges:
            bridge.stop()
        reader.close()
        data.engine(pg_url).dispose()  # the dashboard's pooled connections
        for worker in workers:
            stop(worker)
        peer.close()
        home_assistant.close()
