"""Driver for lights reached over MQTT (the bridge's own broker connection): publishing
never blocks, heartbeats come from the bridge's scheduler, availability and replies come
back on topics the light module names."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from firmware_bridge.config import LightSpec
from firmware_bridge.drivers.base import BuildEnv, Command
from firmware_bridge.errors import LightError


@dataclass(frozen=True)
class MqttMessage:
    topic: str
    payload: str
    retain: bool = False


@dataclass(frozen=True)
class Reply:
    """What a light said back: ok, or an error message."""

    ok: bool
    error: str = ""
    seq: int | None = None


@dataclass(frozen=True)
class MqttKind:
    """An MQTT light's protocol, as its module declares it. ``encode(command, seq)`` gives
    the exact messages; ``availability`` and ``replies`` are (topic, parser) pairs; when
    the light sends replies, ``last_ok`` comes from them rather than from publishing."""

    kind: str
    encode: Callable[[Command, int], list[MqttMessage]]
    availability: tuple[str, Callable[[bytes], bool | None]] | None = None
    replies: tuple[str, Callable[[bytes], Reply | None]] | None = None


class MqttDriver:
    transport = "mqtt"

    def __init__(self, spec: LightSpec, env: BuildEnv, kind: MqttKind) -> None:
        if env.mqtt is None:
            raise LightError(f"{spec.subject}: a {spec.kind} light needs an MQTT broker "
                             "(--mqtt URL or [bridge] mqtt)")
        self.spec, self.env, self.kind, self.mqtt = spec, env, kind, env.mqtt
        self._lock = threading.Lock()
        self._current: Command | None = None
        self._seq = 0
        self._last_sent = float("-inf")
        self._awaiting: float | None = None  # when the oldest unanswered command went out
        self.published = 0
        env.health.register(spec.subject, spec.kind, spec.address)

    def start(self) -> None:
        if self.kind.availability:
            topic, _ = self.kind.availability
            self.mqtt.watch(topic, self._on_availability)
        if self.kind.replies:
            topic, _ = self.kind.replies
            self.mqtt.watch(topic, self._on_reply)

    def show(self, command: Command) -> None:
        with self._lock:
            self._current = command
            self._send()
        self.env.health.shown(self.spec.subject, command.state)

    def restore(self) -> None:
        with self._lock:
            self._send()

    def tick(self, now: float) -> None:
        with self._lock:
            awaiting = self._awaiting
            if awaiting is not None and now - awaiting > max(3 * self.env.ack_timeout_s, 3.0):
                self._awaiting = None
                self.env.health.error(self.spec.subject, "no reply from the light",
                                      offline=False)
            if now - self._last_sent >= self.env.heartbeat_s:
                self._send()

    def stop(self, final: Command | None = None) -> None:
        if final is not None:
            with self._lock:
                self._current = final
                self._send()
            self.env.health.shown(self.spec.subject, final.state)

    def _send(self) -> None:
        command = self._current
        if command is None:
            return
        self._seq = (self._seq + 1) % 1_000_000_000
        sent = True
        for message in self.kind.encode(command, self._seq):
            sent = self.mqtt.publish(message.topic, message.payload, retain=message.retain) \
                and sent
        # Whether or not it went out, the next try is a heartbeat away (or a reconnect's
        # restore): the light is never sent a backlog, only its newest command.
        self._last_sent = self.env.clock()
        if not sent:
            self.env.health.error(self.spec.subject, "not published: no broker connection",
                                  offline=False)
            return
        self.published += 1
        if self.kind.replies is None:
            self.env.health.ok(self.spec.subject)
        elif self._awaiting is None:
            self._awaiting = self._last_sent

    def _on_availability(self, topic: str, payload: bytes, retained: bool) -> None:
        assert self.kind.availability is not None
        online = self.kind.availability[1](payload)
        if online is not None:
            self.env.health.online(self.spec.subject, online)
            if online and not retained:
                self.restore()  # the light just (re)connected: give it its look now

    def _on_reply(self, topic: str, payload: bytes, retained: bool) -> None:
        assert self.kind.replies is not None
        reply = self.kind.replies[1](payload)
        if reply is None:
            return
        self._awaiting = None
        if reply.ok:
            self.env.health.ok(self.spec.subject)
        else:
            self.env.health.error(self.spec.subject, f"light refused: {reply.error}",
                                  offline=False)
