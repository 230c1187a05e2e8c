"""USB HID busy lights (Luxafor, Kuando, Embrava, BlinkStick, blink(1), …) through the
optional ``busylight-core`` extra. The address is an index into ``Light.all_lights()`` or
a HID device path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from firmware_bridge.config import LightSpec
from firmware_bridge.drivers.base import BuildEnv
from firmware_bridge.drivers.hid_driver import HidDriver
from firmware_bridge.errors import LightError

KIND = "hid"
TRANSPORT = "hid"


def check_address(address: str) -> str:
    return address or "0"


def busylight_lister() -> Callable[[], list[Any]]:
    """busylight-core's ``Light.all_lights``, imported only when a HID light is used."""
    try:
        from busylight_core import Light  # type: ignore[import-not-found]
    except ImportError as err:
        raise LightError("HID lights need the optional extra: pip install 'floorlight[hid]' "
                         f"(busylight-core): {err}") from err
    return Light.all_lights


def build(spec: LightSpec, env: BuildEnv) -> HidDriver:
    return HidDriver(spec, env, env.hid_lights or busylight_lister())
