"""Where health goes: retained JSON per light on ``<prefix>/bridge/health/<subject path>``
(e.g. ``floorlight/bridge/health/desk/d-17``) and one JSON file for the dashboard."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from firmware_bridge.health import HealthBoard, LightHealth
from firmware_bridge.jsonfile import write_json_atomic

if TYPE_CHECKING:
    from firmware_bridge.transports.mqtt_link import MqttLink


def health_topic(prefix: str, health: LightHealth) -> str:
    return f"{prefix}/bridge/health/{health.subject.path}"


class HealthOutput:
    """Publishes significant changes at once; the bridge's scheduler calls ``flush()``
    (the file, about once a second) and ``refresh()`` (``last_ok`` on MQTT, less often)."""

    def __init__(self, board: HealthBoard, *, prefix: str, mqtt: MqttLink | None,
                 path: Path | None, bridge_info: Callable[[], dict[str, Any]],
                 logger: logging.Logger | None = None) -> None:
        self.board, self.prefix, self.mqtt, self.path = board, prefix, mqtt, path
        self.bridge_info = bridge_info
        self.log = logger or logging.getLogger(__name__)
        self._lock = threading.Lock()
        self._file_dirty = True
        self._published: dict[str, float | None] = {}
        board.add_listener(self._on_change)

    def _on_change(self, health: LightHealth, significant: bool) -> None:
        with self._lock:
            self._file_dirty = True
        if significant:
            self.publish(health)

    def publish(self, health: LightHealth) -> None:
        if self.mqtt is None:
            return
        if self.mqtt.publish(health_topic(self.prefix, health), json.dumps(health.to_json()),
                             retain=True):
            with self._lock:
                self._published[health.subject.label] = health.last_ok

    def publish_all(self) -> None:
        for health in self.board.snapshot().values():
            self.publish(health)

    def refresh(self) -> None:
        """Republish the lights whose ``last_ok`` moved since they were last published."""
        for health in self.board.snapshot().values():
            with self._lock:
                moved = self._published.get(health.subject.label, -1.0) != health.last_ok
            if moved:
                self.publish(health)

    def flush(self, *, force_file: bool = False) -> None:
        """Write the file if anything changed."""
        with self._lock:
            dirty, self._file_dirty = self._file_dirty, False
        if (dirty or force_file) and self.path is not None:
            self.write_file()

    def write_file(self) -> None:
        assert self.path is not None
        lights = {h.subject.label: h.to_json() for h in self.board.snapshot().values()}
        data = {"v": 1, "updated": datetime.now(UTC).isoformat(timespec="milliseconds")
                .replace("+00:00", "Z"), "bridge": self.bridge_info(), "lights": lights}
        try:
            write_json_atomic(self.path, data)
        except OSError as err:
            self.log.error("cannot write light health to %s: %s", self.path, err)
