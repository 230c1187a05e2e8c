"""Driver for USB HID busy lights through busylight-core's ``Light`` objects. The core
library has no blink, so the bridge renders effects; Kuando lights go dark after ~15 s
without a command, so the heartbeat is at most every 10 s."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from firmware_bridge.config import LightSpec
from firmware_bridge.drivers.base import BuildEnv
from firmware_bridge.drivers.worker import ThreadedDriver
from firmware_bridge.errors import DeviceGone
from firmware_bridge.looks import BLACK, Color

KEEPALIVE_S = 10.0


def light_path(light: Any) -> str:
    path = getattr(light, "path", None)
    if path is None:
        path = getattr(getattr(light, "hardware", None), "path", None)
    if isinstance(path, bytes):
        return path.decode(errors="replace")
    return str(path or "")


def light_vendor(light: Any) -> str:
    """busylight-core's ``vendor`` is a class method (a bare attribute would print as a
    bound method in the lights' health); other light objects may hold a plain string."""
    vendor = getattr(light, "vendor", "")
    return str(vendor() if callable(vendor) else vendor or "")


class HidDriver(ThreadedDriver):
    transport = "hid"
    software_effects = True

    def __init__(self, spec: LightSpec, env: BuildEnv, lister: Callable[[], list[Any]]) -> None:
        super().__init__(spec, env, heartbeat_s=min(env.heartbeat_s, KEEPALIVE_S))
        self.lister = lister
        self.light: Any = None

    def _connect(self) -> str:
        try:
            lights = list(self.lister())
        except Exception as err:  # hidapi raises plain OSError/IOError and friends
            raise DeviceGone(f"cannot list HID lights: {err}") from err
        address = self.spec.address
        if address.isdigit():
            index = int(address)
            light = lights[index] if index < len(lights) else None
        else:
            light = next((x for x in lights if light_path(x) == address), None)
        if light is None:
            raise DeviceGone(f"no HID light at {address!r} ({len(lights)} found)")
        key = f"hid:{light_path(light) or address}"
        if not self.env.claims.claim(key, self):
            raise DeviceGone(f"HID light {address!r} is in use by another light")
        self.light, self._claim = light, key
        return f"{light_vendor(light)} {getattr(light, 'name', 'HID light')}".strip()

    def _disconnect(self) -> None:
        light, self.light = self.light, None
        if light is not None:
            self.env.claims.release(self._claim, self)
            release = getattr(light, "release", None)
            if callable(release):
                try:
                    release()
                except Exception as err:
                    self.log.debug("release failed: %s", err)

    def _emit_color(self, color: Color) -> None:
        try:
            if color == BLACK:
                self.light.off()
            else:
                self.light.on(color.rgb())
        except Exception as err:  # busylight-core/hidapi errors vary by platform
            raise DeviceGone(f"HID light write failed: {err}") from err
