"""Desk, floor and team states from MQTT (events.md): retained, so a (re)connecting
bridge gets every current state at once. The monitor's own availability
(``<prefix>/monitor/status``) and the broker connection decide whether they are fresh."""

from __future__ import annotations

import logging
import threading

from firmware_bridge.errors import BadMessage
from firmware_bridge.sources.base import StateSink
from firmware_bridge.states import parse_state_message, subject_from_topic
from firmware_bridge.transports.mqtt_link import MqttLink


class MqttStateSource:
    def __init__(self, link: MqttLink, *, prefix: str,
                 logger: logging.Logger | None = None) -> None:
        self.link, self.prefix = link, prefix
        self.log = logger or logging.getLogger(__name__)
        self._sink: StateSink | None = None
        self._lock = threading.Lock()
        self._monitor_online: bool | None = None
        self.received = 0

    def start(self, sink: StateSink) -> None:
        self._sink = sink
        p = self.prefix
        for topic_filter in (f"{p}/desk/+/state", f"{p}/team/+/state", f"{p}/floor/state"):
            self.link.watch_filter(topic_filter, self._on_state)
        self.link.watch(f"{p}/monitor/status", self._on_monitor)
        self.link.on_connect(self._on_connect)
        self.link.on_disconnect(lambda reason: sink.on_source_status(
            False, f"MQTT connection lost ({reason})"))

    def stop(self) -> None:
        """The link is stopped by its owner."""

    def _report(self) -> None:
        assert self._sink is not None
        if not self.link.connected:
            self._sink.on_source_status(False, "MQTT not connected")
        elif self._monitor_online is False:
            self._sink.on_source_status(False, "monitor offline")
        else:
            self._sink.on_source_status(True, "")

    def _on_connect(self) -> None:
        self._report()

    def _on_monitor(self, topic: str, payload: bytes, retained: bool) -> None:
        word = payload.strip().lower()
        self._monitor_online = {b"online": True, b"offline": False}.get(word)
        self._report()

    def _on_state(self, topic: str, payload: bytes, retained: bool) -> None:
        assert self._sink is not None
        self.received += 1
        subject = subject_from_topic(self.prefix, topic)
        if subject is None:
            self._sink.on_bad_message(topic, "not a valid desk, team or floor state topic")
            return
        try:
            update = parse_state_message(subject, payload)
        except BadMessage as err:
            self._sink.on_bad_message(topic, str(err))
            return
        self._sink.on_state(update)
