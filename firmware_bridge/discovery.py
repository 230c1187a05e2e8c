"""Finding lights attached to this machine, for ``floorlight lights list`` and ``test``:
serial ports recognised by USB identity or answering the firmware's ping, and HID lights
when busylight-core is installed."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType

from firmware_bridge.drivers.base import BuildEnv
from firmware_bridge.errors import LightError, Rejected
from firmware_bridge.lights import floorlight_serial, light_kinds
from firmware_bridge.lights._floorlight_protocol import BAUDRATE, parse_reply
from firmware_bridge.transports.serial_link import PortInfo, SerialLink, list_serial_ports


@dataclass(frozen=True)
class FoundLight:
    address: str
    kind: str  # "" when nothing recognised it
    usb_id: str = "-"
    description: str = ""

    def row(self) -> str:
        return f"{self.address:<28} {self.usb_id:<10} {self.kind or '-':<18} {self.description}"


def kind_by_usb(port: PortInfo, kinds: dict[str, ModuleType] | None = None) -> str:
    for name, module in (kinds or light_kinds()).items():
        claims = getattr(module, "claims_port", None)
        if claims is not None and claims(port):
            return name
    return ""


def probe_firmware(device: str, env: BuildEnv) -> str | None:
    """"firmware X, desk Y" if a Floorlight light answers a ping on ``device``."""
    link = SerialLink(device, baudrate=BAUDRATE)
    try:
        link.open()
        fw, desk = floorlight_serial.ping(link, env)
        return f"firmware {fw}, desk {desk or '(unset)'}"
    except LightError:
        return None
    finally:
        link.close()


def serial_lights(*, ports: Callable[[], list[PortInfo]] = list_serial_ports, probe: bool = True,
                  env: BuildEnv | None = None) -> list[FoundLight]:
    env = env or BuildEnv(ack_timeout_s=0.5, boot_timeout_s=1.0)
    kinds = light_kinds()
    found = []
    for port in ports():
        kind = kind_by_usb(port, kinds)
        description = " ".join(x for x in (port.manufacturer, port.product) if x) \
            or port.description
        if not kind and probe and port.vid is not None:
            detail = probe_firmware(port.device, env)
            if detail:
                kind, description = floorlight_serial.KIND, detail
        found.append(FoundLight(port.device, kind, port.usb_id, description))
    return found


def hid_lights(lister: Callable[[], Iterable[object]] | None = None) -> list[FoundLight]:
    """HID lights via busylight-core; raises LightError when the extra is missing."""
    if lister is None:
        from firmware_bridge.lights.hid import busylight_lister
        lister = busylight_lister()
    from firmware_bridge.drivers.hid_driver import light_path

    return [FoundLight(str(i), "hid", "-", f"{getattr(x, 'vendor', '')} "
                       f"{getattr(x, 'name', '')} {light_path(x)}".strip())
            for i, x in enumerate(lister())]


def provision(device: str, settings: dict[str, str], *, env: BuildEnv | None = None) -> str:
    """Store desk, Wi-Fi and broker settings in a Floorlight light over USB; returns what
    the light then says in its pong."""
    env = env or BuildEnv()
    line = json.dumps({"cmd": "config", **settings}, separators=(",", ":")).encode() + b"\n"
    link = SerialLink(device, baudrate=BAUDRATE).open()
    try:
        floorlight_serial.ping(link, env)
        link.write(line)
        while (reply_line := link.readline(env.ack_timeout_s)) is not None:
            reply = parse_reply(reply_line)
            if reply is not None and reply.ok is not None:
                if not reply.ok:
                    raise Rejected(f"the light refused the settings: {reply.error}")
                fw, desk = floorlight_serial.ping(link, env)
                return f"firmware {fw}, desk {desk or '(unset)'}"
        raise LightError(f"{device}: no answer to the config command")
    finally:
        link.close()
