"""The shipped broker configuration (monitor/mosquitto.conf) on a real mosquitto: a
persistent session that is offline keeps every event published meanwhile, where stock
mosquitto's limit of 1,000 queued messages silently drops the rest (issue 11)."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from tests.monitor.mqtt import wait_for
from tests.support.mosquitto import MosquittoBroker

SHIPPED = Path(__file__).resolve().parents[2] / "monitor" / "mosquitto.conf"
EVENTS = 2_200


def _settings(text: str) -> dict[str, str]:
    lines = [x.split("#", 1)[0].strip() for x in text.splitlines()]
    return dict(line.split(None, 1) for line in lines if line)


def _broker(tmp_path: Path, settings: dict[str, str]) -> MosquittoBroker:
    """A broker on a free port with ``settings``, the listener and paths made local."""
    broker = MosquittoBroker(tmp_path)
    kept = {k: v for k, v in settings.items()
            if k not in ("listener", "persistence_location", "allow_anonymous")}
    lines = [f"listener {broker.port} {broker.host}", "allow_anonymous true",
             f"persistence_location {tmp_path}/", *(f"{k} {v}" for k, v in kept.items()),
             *broker._user_line()]
    broker.config_path.write_text("\n".join(lines) + "\n")
    return broker


def _session(broker: MosquittoBroker, client_id: str, got: list[bytes]) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                         protocol=mqtt.MQTTv5)
    lock = threading.Lock()

    def on_message(_c, _u, msg) -> None:
        with lock:
            got.append(msg.payload)

    client.on_message = on_message
    client.on_connect = lambda c, *_: c.subscribe("floorlight/ingest/#", qos=1)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 7 * 86_400
    client.connect(broker.host, broker.port, clean_start=False, properties=props)
    client.loop_start()
    wait_for(client.is_connected, what="the monitor's session to connect")
    return client


def _delivered_after_outage(broker: MosquittoBroker) -> int:
    """Events a persistent session gets after being away while EVENTS were published."""
    got: list[bytes] = []
    name = f"monitor-{uuid.uuid4().hex[:6]}"
    with broker:
        first = _session(broker, name, got)
        time.sleep(0.3)  # the subscription is in place
        first.disconnect()
        first.loop_stop()
        publisher = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        publisher.connect(broker.host, broker.port)
        publisher.loop_start()
        infos = [publisher.publish(f"floorlight/ingest/c-{i % 50}", f"e{i}", qos=1)
                 for i in range(EVENTS)]
        for info in infos:
            info.wait_for_publish(10)
        publisher.disconnect()
        publisher.loop_stop()
        back = _session(broker, name, got)
        deadline = time.monotonic() + 20
        last, still = -1, 0
        while time.monotonic() < deadline and still < 10:  # until nothing more arrives
            still = still + 1 if len(got) == last else 0
            last = len(got)
            time.sleep(0.1)
        back.disconnect()
        back.loop_stop()
    return len(set(got))


def test_the_shipped_configuration_keeps_every_event_while_the_monitor_is_down(tmp_path):
    settings = _settings(SHIPPED.read_text())
    assert settings["persistence"] == "true" and settings["set_tcp_nodelay"] == "true"
    assert int(settings["max_queued_messages"]) >= 100_000
    assert _delivered_after_outage(_broker(tmp_path / "shipped", settings)) == EVENTS


def test_stock_mosquitto_drops_what_does_not_fit_its_queue(tmp_path):
    """Why the file exists: the same outage against mosquitto's default queue limit."""
    settings = {**_settings(SHIPPED.read_text()), "max_queued_messages": "1000"}
    delivered = _delivered_after_outage(_broker(tmp_path / "stock", settings))
    assert delivered < EVENTS
