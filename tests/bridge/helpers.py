"""Shared test helpers: waiting for conditions, an MQTT recorder, fast driver timings."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from firmware_bridge.backoff import Backoff
from firmware_bridge.drivers.base import BuildEnv
from firmware_bridge.transports.serial_link import PortInfo

CP210X = (0x10C4, 0xEA60)


def wait_for(predicate: Callable[[], Any], timeout: float = 5.0, what: str = "condition") -> Any:
    """Poll until ``predicate()`` is truthy and return it; fail the test after ``timeout``.
    A deadline for a hang, not a speed assertion."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class FakePorts:
    """What the OS would list: pty paths dressed with USB ids (ptys have none)."""

    def __init__(self) -> None:
        self.ports: list[PortInfo] = []

    def add(self, path: str, vid_pid: tuple[int, int] = CP210X, product: str = "") -> None:
        self.ports = [p for p in self.ports if p.device != path]
        self.ports.append(PortInfo(path, vid_pid[0], vid_pid[1], "", product))

    def remove(self, path: str) -> None:
        self.ports = [p for p in self.ports if p.device != path]

    def __call__(self) -> list[PortInfo]:
        return list(self.ports)


def fast_env(**overrides: Any) -> BuildEnv:
    settings: dict[str, Any] = dict(
        heartbeat_s=0.3, ttl_s=2, ack_timeout_s=0.4, boot_timeout_s=0.5,
        backoff=lambda: Backoff(0.05, 0.2, jitter=False),
        logger=logging.getLogger("test.bridge"))
    settings.update(overrides)
    return BuildEnv(**settings)


@dataclass(frozen=True)
class Msg:
    topic: str
    payload: bytes
    retain: bool

    @property
    def text(self) -> str:
        return self.payload.decode()


class MqttRecorder:
    """Subscribes (MQTT 5, retain-as-published, so the publisher's retain flag is seen
    on every message) and records everything; can publish too."""

    def __init__(self, broker: Any, topics: tuple[str, ...] = ("#",), *,
                 session: bool = False) -> None:
        """``session=True``: a persistent session, so messages published while the broker
        restarts (with persistence) are kept for the recorder and delivered when it is back."""
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=f"rec-{uuid.uuid4().hex[:6]}", protocol=mqtt.MQTTv5)
        self.client.reconnect_delay_set(0.05, 0.2)
        self.messages: list[Msg] = []
        self.lock = threading.Lock()
        self._subscribed = threading.Event()
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *a: self._subscribed.set()
        self.client.on_connect = lambda c, *a: c.subscribe(
            [(t, SubscribeOptions(qos=1, retainAsPublished=True)) for t in topics])
        properties = None
        if session:
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = 300
        self.client.connect(broker.host, broker.port, clean_start=not session,
                            properties=properties)
        self.client.loop_start()
        wait_for(self._subscribed.is_set, what="recorder subscription")

    def _on_message(self, client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self.lock:
            self.messages.append(Msg(message.topic, message.payload, bool(message.retain)))

    def on(self, topic: str) -> list[Msg]:
        with self.lock:
            return [m for m in self.messages if m.topic == topic]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    def wait(self, topic: str, predicate: Callable[[Msg], bool] = lambda m: True,
             timeout: float = 5.0) -> Msg:
        return wait_for(lambda: next((m for m in self.on(topic) if predicate(m)), None),
                        timeout, f"a message on {topic}")

    def publish(self, topic: str, payload: str | bytes, *, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def retained(broker: Any, topic_filter: str) -> dict[str, bytes]:
    """What a new subscriber to ``topic_filter`` is given from the broker's retained store.
    A marker published after subscribing tells when the retained messages are all in."""
    marker = f"test-marker/{uuid.uuid4().hex}"
    recorder = MqttRecorder(broker, (topic_filter, marker))
    try:
        recorder.publish(marker, b"end")
        recorder.wait(marker)
        with recorder.lock:
            return {m.topic: m.payload for m in recorder.messages if m.topic != marker}
    finally:
        recorder.close()
