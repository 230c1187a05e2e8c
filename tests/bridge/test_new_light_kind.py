"""Issue 13: a new light kind on an existing transport is one new module and no registry
line. The throwaway ``tests/bridge/example_kinds/example_lamp.py`` is made findable where
:func:`light_kinds` looks, then a bridge configured with it drives a lamp emulator on a
real pseudo-terminal with the bytes that module's protocol defines."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import firmware_bridge.lights
from firmware_bridge.config import parse_light_arg
from firmware_bridge.errors import ConfigError
from firmware_bridge.lights import light_kinds
from firmware_bridge.sources.polling import PollingSource
from tests.bridge.bridges import plain_bridge
from tests.bridge.devices import LineDevice
from tests.bridge.helpers import wait_for

EXAMPLE_KINDS = Path(__file__).resolve().parent / "example_kinds"
MODULE = f"{firmware_bridge.lights.__name__}.example_lamp"


class LampDevice(LineDevice):
    """The example lamp: ``LAMP rrggbb`` sets its colour and is answered ``OK``."""

    def __init__(self) -> None:
        super().__init__()
        self.colors: list[str] = []

    def on_line(self, line: bytes) -> None:
        found = re.fullmatch(rb"LAMP ([0-9a-f]{6})", line)
        if found:
            with self.lock:
                self.colors.append(found[1].decode())
            self.send(b"OK\n")


@pytest.fixture
def example_kind(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The example module dropped where the light modules live (the package's search path)."""
    monkeypatch.setattr(firmware_bridge.lights, "__path__",
                        [*firmware_bridge.lights.__path__, str(EXAMPLE_KINDS)])
    yield
    sys.modules.pop(MODULE, None)


def test_without_the_module_the_kind_is_unknown() -> None:
    assert "example-lamp" not in light_kinds()
    with pytest.raises(ConfigError, match="unknown light kind 'example-lamp'"):
        parse_light_arg("d-1=example-lamp:/dev/ttyUSB0")


def test_the_module_is_found_and_checks_its_addresses(example_kind) -> None:
    kinds = light_kinds()
    assert kinds["example-lamp"].__name__ == MODULE
    assert {"busytag", "fit-statusb", "virtual"} <= set(kinds)  # the others are still there
    assert parse_light_arg("d-1=example-lamp:/dev/ttyUSB0").address == "/dev/ttyUSB0"
    with pytest.raises(ConfigError, match="bad example-lamp address: 'COM3' is not a port path"):
        parse_light_arg("d-1=example-lamp:COM3")


def test_the_bridge_drives_the_new_kind_over_serial(example_kind, tmp_path: Path, bridges,
                                                    devices) -> None:
    lamp = LampDevice()
    path = lamp.plug()
    devices.append(lamp)
    rows = [{"desk_id": "d-1", "state": "calm", "ts": "1"}]
    bridge = plain_bridge(PollingSource(lambda: list(rows), interval_s=0.02), tmp_path, bridges,
                          [f"d-1=example-lamp:{path}"])
    wait_for(lambda: "00ff00" in lamp.colors, what="calm (green) on the lamp")
    assert lamp.lines[0] == b"LAMP 00ff00"  # the module's own bytes, first thing sent

    rows[0] = {"desk_id": "d-1", "state": "alert", "ts": "2"}  # red blink, rendered by the bridge
    wait_for(lambda: {"ff0000", "000000"} <= set(lamp.colors),
             what="alert blinking red and dark on the lamp")
    health = wait_for(lambda: (h := bridge.env.health.snapshot().get(
        next(iter(bridge.drivers)))) and h.online and h)
    assert health.state == "alert" and path in health.detail
