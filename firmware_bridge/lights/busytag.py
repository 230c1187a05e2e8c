"""Luxafor Busy Tag over USB serial (lights.md §2): ``AT+SC=127,rrggbb`` sets all LEDs;
the device answers ``OK``. No hardware blink: the bridge renders effects."""

from __future__ import annotations

import time

from firmware_bridge.config import LightSpec
from firmware_bridge.drivers.base import BuildEnv
from firmware_bridge.drivers.serial_driver import SerialDriver, SerialKind
from firmware_bridge.errors import DeviceGone, Rejected
from firmware_bridge.looks import Color
from firmware_bridge.transports.serial_link import PortInfo, SerialLink

KIND = "busytag"
TRANSPORT = "serial"
USB_IDS = {(0x303A, 0x81DF)}
BAUDRATE = 9600


def check_address(address: str) -> str:
    return address or "auto"


def claims_port(port: PortInfo) -> bool:
    return (port.vid, port.pid) in USB_IDS


def encode_color(color: Color) -> bytes:
    """127 = all LEDs; lower-case hex as Busy Tag's own tools send it; CRLF-terminated."""
    return f"AT+SC=127,{color.r:02x}{color.g:02x}{color.b:02x}\r\n".encode()


def send_color(link: SerialLink, color: Color, env: BuildEnv) -> None:
    link.write(encode_color(color))
    deadline = time.monotonic() + env.ack_timeout_s
    while (left := deadline - time.monotonic()) > 0:
        line = link.readline(left)
        if line is None:
            break
        if line.strip() == b"OK":
            return
        if line.startswith(b"ERROR"):
            raise Rejected(f"Busy Tag answered {line.decode(errors='replace')}")
    raise DeviceGone(f"{link.port}: no OK from the Busy Tag (is it one?)")


def verify(link: SerialLink, spec: LightSpec, env: BuildEnv) -> str:
    """Busy Tag is recognised by its USB id; the first command's OK confirms it."""
    link.discard_input()
    return ""


def build(spec: LightSpec, env: BuildEnv) -> SerialDriver:
    return SerialDriver(spec, env, SerialKind(KIND, BAUDRATE, claims_port, verify,
                                              send_color=send_color))
