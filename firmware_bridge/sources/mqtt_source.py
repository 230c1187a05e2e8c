"""Desk, floor and team states from MQTT (events.md): retained, so a (re)connecting
bridge gets every current state at once. The monitors' availability (every shard worker's
and standby's topic, read through the registry in ``store/services.py``) and the broker
connection decide whether they are fresh."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from firmware_bridge.errors import BadMessage
from firmware_bridge.sources.base import StateSink
from firmware_bridge.states import parse_state_message, subject_from_topic
from firmware_bridge.transports.mqtt_link import MqttLink
from store import services


class MqttStateSource:
    def __init__(self, link: MqttLink, *, prefix: str,
                 logger: logging.Logger | None = None) -> None:
        self.link, self.prefix = link, prefix
        self.log = logger or logging.getLogger(__name__)
        self._sink: StateSink | None = None
        self._lock = threading.Lock()
        self._heard: list[services.Sighting] = []
        self.liveness = services.liveness([], datetime.now(UTC))
        self.received = 0

    def start(self, sink: StateSink) -> None:
        self._sink = sink
        p = self.prefix
        for topic_filter in (f"{p}/desk/+/state", f"{p}/team/+/state", f"{p}/floor/state"):
            self.link.watch_filter(topic_filter, self._on_state)
        for topic_filter in services.status_filters(p):
            self.link.watch_filter(topic_filter, self._on_service)
        self.link.on_connect(self._on_connect)
        self.link.on_disconnect(lambda reason: sink.on_source_status(
            False, f"MQTT connection lost ({reason})"))

    def stop(self) -> None:
        """The link is stopped by its owner."""

    def _report(self) -> None:
        assert self._sink is not None
        if not self.link.connected:
            self._sink.on_source_status(False, "MQTT not connected")
        elif not self.liveness.fresh:
            self._sink.on_source_status(False, self.liveness.problem())
        else:
            self._sink.on_source_status(True, "")

    def _on_connect(self) -> None:
        self._report()

    def _on_service(self, topic: str, payload: bytes, retained: bool) -> None:
        service = services.from_topic(self.prefix, topic)
        if service is None:
            return  # e.g. a worker's ``owner`` claim: not availability
        word = payload.decode("utf-8", "replace").strip().lower()
        with self._lock:
            self._heard = [s for s in self._heard if s.service != service]
            if word:  # an empty retained message clears the service away
                self._heard.append(services.Sighting(service, word))
            before = self.liveness.availability_topics(self.prefix)
            self.liveness = services.liveness(self._heard, datetime.now(UTC))
            after = self.liveness.availability_topics(self.prefix)
        assert self._sink is not None
        if after != before and hasattr(self._sink, "on_availability"):
            self._sink.on_availability(after)
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
