"""A real MQTT peer for monitor tests: publishes call events (QoS 1, waiting for the broker's
acknowledgement) and records what the monitor publishes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

FLOORLIGHT = str(Path(sys.executable).with_name("floorlight"))


def wait_for(predicate: Callable[[], object], timeout: float = 20.0, what: str = "it"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Peer:
    """Connects with a persistent session, so it can also play a publisher that keeps its
    unsent messages across a broker restart."""

    def __init__(self, broker, *, subscribe: str | None = "floorlight/#") -> None:
        self.messages: dict[str, list[bytes]] = {}
        self._lock = threading.Lock()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=f"peer-{uuid.uuid4().hex[:8]}",
                                  clean_session=False)
        self.client.reconnect_delay_set(0.1, 1)
        self.client.max_inflight_messages_set(100)
        self._topic = subscribe
        self.client.on_connect = self._connected
        self.client.on_message = self._message
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        wait_for(self.client.is_connected, what="the test client to connect")

    def _connected(self, client, *_):
        if self._topic:
            client.subscribe(self._topic, qos=1)

    def _message(self, _c, _u, msg) -> None:
        with self._lock:
            self.messages.setdefault(msg.topic, []).append(msg.payload)

    def last(self, topic: str) -> dict | str | None:
        with self._lock:
            found = self.messages.get(topic)
        if not found:
            return None
        try:
            return json.loads(found[-1])
        except ValueError:
            return found[-1].decode()

    def send(self, *events: dict, wait: bool = True) -> None:
        infos = [self.client.publish(f"floorlight/ingest/{e['call_id']}",
                                     json.dumps(e, ensure_ascii=False), qos=1) for e in events]
        if wait:
            for info in infos:
                info.wait_for_publish(10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def start_monitor(broker, db_url: str, registry: Path, home: Path, *extra: str,
                  log: Path | None = None) -> subprocess.Popen:
    home.mkdir(parents=True, exist_ok=True)
    # URLs (PostgreSQL's, a broker's) may hold a password: the environment carries them
    env = {**os.environ, "FLOORLIGHT_HOME": str(home), "FLOORLIGHT_DB": db_url,
           "FLOORLIGHT_MQTT": broker.url}
    with open(log or home / "monitor.log", "ab") as out:
        return subprocess.Popen([FLOORLIGHT, "monitor", "--model", str(registry), *extra],
                                env=env, stdout=out, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
