"""What every driver offers the bridge, and what the bridge hands every driver."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from firmware_bridge.backoff import Backoff
from firmware_bridge.config import LightSpec
from firmware_bridge.health import HealthBoard
from firmware_bridge.looks import Look
from firmware_bridge.transports.serial_link import PortInfo, list_serial_ports

if TYPE_CHECKING:
    from firmware_bridge.drivers.virtual_driver import VirtualBoard
    from firmware_bridge.transports.mqtt_link import MqttLink


@dataclass(frozen=True)
class Command:
    """What a light should show: the state (for health and logs) and its look."""

    state: str
    look: Look


class LightDriver(Protocol):
    spec: LightSpec
    transport: str

    def start(self) -> None: ...

    def show(self, command: Command) -> None:
        """Make ``command`` the light's current command. Never blocks on the device."""

    def restore(self) -> None:
        """Send the current command again now (after a reconnect)."""

    def tick(self, now: float) -> None:
        """A chance to heartbeat; called often by the bridge's scheduler."""

    def stop(self, final: Command | None = None) -> None:
        """Show ``final`` if possible, then stop."""


class PortClaims:
    """Which serial ports are in use, so two lights never open or probe the same port."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owners: dict[str, object] = {}

    def claim(self, device: str, owner: object) -> bool:
        with self._lock:
            if self._owners.get(device, owner) is not owner:
                return False
            self._owners[device] = owner
            return True

    def release(self, device: str, owner: object) -> None:
        with self._lock:
            if self._owners.get(device) is owner:
                del self._owners[device]

    def claimed(self, device: str) -> bool:
        with self._lock:
            return device in self._owners


@dataclass
class BuildEnv:
    """Everything a light module's ``build()`` may need. Tests swap the port lister, the
    HID light lister and the timings."""

    prefix: str = "floorlight"
    heartbeat_s: float = 10.0
    ttl_s: int = 30
    health: HealthBoard = field(default_factory=HealthBoard)
    mqtt: MqttLink | None = None
    virtual: VirtualBoard | None = None
    serial_ports: Callable[[], list[PortInfo]] = list_serial_ports
    claims: PortClaims = field(default_factory=PortClaims)
    hid_lights: Callable[[], list[Any]] | None = None
    backoff: Callable[[], Backoff] = Backoff
    ack_timeout_s: float = 1.0
    boot_timeout_s: float = 3.0
    clock: Callable[[], float] = time.monotonic
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("firmware_bridge"))
