"""Shared parts of the bridge benchmarks (bridge_latency.py, bridge_restart.py): figures,
the desk-state feed, an emulated floor of Floorlight boards on ptys, and MQTT clients.
Not a benchmark itself."""

from __future__ import annotations

import json
import os
import selectors
import statistics
import sys
import threading
import time
import tty
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # for tests.support.mosquitto

from firmware_bridge.looks import DEFAULT_LOOKS  # noqa: E402
from firmware_bridge.states import StateUpdate, Subject, parse_state_message  # noqa: E402

CYCLE = ("calm", "watch", "alert", "acknowledged", "off")
"""Each desk moves through these in turn: consecutive states always differ in colour."""
STATE_OF_COLOR = {DEFAULT_LOOKS[s].color.hex: s for s in CYCLE}


def figures(samples_s: list[float]) -> dict[str, float]:
    """p50/p99/max in milliseconds."""
    ordered = sorted(samples_s)
    if not ordered:
        return {"n": 0}
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"n": len(ordered), "p50_ms": round(statistics.median(ordered) * 1000, 3),
            "p99_ms": round(p99 * 1000, 3), "max_ms": round(ordered[-1] * 1000, 3)}


def state_payload(desk: str, state: str) -> bytes:
    return json.dumps({"v": 1, "desk_id": desk, "state": state}).encode()


class FeedSource:
    """A DeskStateSource fed by the benchmark: ``feed()`` is "a desk state message was
    received" (raw JSON in, parsed at the edge as the MQTT source does)."""

    def __init__(self) -> None:
        self.sink: Any = None

    def start(self, sink: Any) -> None:
        self.sink = sink
        sink.on_source_status(True, "")

    def stop(self) -> None:
        """Nothing to stop."""

    def feed(self, desk: str, payload: bytes) -> None:
        update: StateUpdate = parse_state_message(Subject("desk", desk), payload)
        self.sink.on_state(update)


def pace(rate: float, seconds: float, step: Callable[[int], None]) -> int:
    """Call ``step(i)`` ``rate`` times a second for ``seconds``; returns how many calls."""
    start, i = time.perf_counter(), 0
    total = int(rate * seconds)
    while i < total:
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        step(i)
        i += 1
    return total


class FirmwareFloor:
    """``n`` Floorlight boards on ptys, all served by one select loop: pong to ping, an ack
    for every command, and ``on_command(desk, command, t_received)`` for the benchmark."""

    def __init__(self, n: int, on_command: Callable[[str, dict, float], None]) -> None:
        self.on_command = on_command
        self.selector = selectors.DefaultSelector()
        self.paths: dict[str, str] = {}
        self._fds: list[int] = []
        self._buffers: dict[int, bytearray] = {}
        for i in range(n):
            master, slave = os.openpty()
            tty.setraw(slave)
            desk = f"d-{i}"
            self.paths[desk] = os.ttyname(slave)
            self._fds += [master, slave]
            self._buffers[master] = bytearray()
            self.selector.register(master, selectors.EVENT_READ, desk)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="firmware-floor")
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for key, _ in self.selector.select(0.05):
                now = time.perf_counter()
                try:
                    data = os.read(key.fd, 4096)
                except OSError:
                    continue
                buffer = self._buffers[key.fd]
                buffer += data
                while (end := buffer.find(b"\n")) >= 0:
                    line = bytes(buffer[:end])
                    del buffer[: end + 1]
                    self._answer(key.fd, key.data, line, now)

    def _answer(self, fd: int, desk: str, line: bytes, now: float) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            os.write(fd, b'{"ok":false,"error":"bad json"}\n')
            return
        if message.get("cmd") == "ping":
            os.write(fd, json.dumps({"pong": True, "fw": "bench", "desk": desk}).encode() + b"\n")
            return
        os.write(fd, json.dumps({"ok": True, "seq": message.get("seq")}).encode() + b"\n")
        self.on_command(desk, message, now)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for fd in self._fds:
            os.close(fd)


class Subscriber:
    """An MQTT client recording (topic, payload, time received); ``session=True`` keeps
    its session across a broker restart (with persistence) so nothing is missed."""

    def __init__(self, host: str, port: int, topics: list[str], *, session: bool = False
                 ) -> None:
        self.received: list[tuple[str, bytes, float]] = []
        self.lock = threading.Lock()
        self.on_message: Callable[[str, bytes, float], None] | None = None
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=f"bench-{uuid.uuid4().hex[:8]}", protocol=mqtt.MQTTv5)
        self.client.reconnect_delay_set(0.02, 0.1)
        subscribed = threading.Event()
        self.client.on_connect = lambda c, *a: c.subscribe([(t, 1) for t in topics])
        self.client.on_subscribe = lambda *a: subscribed.set()
        self.client.on_message = self._message
        properties = None
        if session:
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = 600
        self.client.connect(host, port, clean_start=not session, properties=properties)
        self.client.loop_start()
        if not subscribed.wait(10):
            raise RuntimeError("subscription not acknowledged")

    def _message(self, client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        now = time.perf_counter()
        with self.lock:
            self.received.append((message.topic, message.payload, now))
        if self.on_message is not None:
            self.on_message(message.topic, message.payload, now)

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.01)
