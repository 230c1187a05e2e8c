"""A throwaway light kind for tests/bridge/test_new_light_kind.py: what adding a kind on an
existing transport takes is one module like this where :func:`light_kinds` looks (the test
adds this folder to ``firmware_bridge.lights.__path__``), and no registry line at all.

Its protocol, on the serial transport: ``LAMP rrggbb\\n`` per colour (the bridge renders
effects), answered ``OK``; it must be given a port path (no ``auto`` discovery)."""

from __future__ import annotations

import time

from firmware_bridge.config import LightSpec
from firmware_bridge.drivers.base import BuildEnv
from firmware_bridge.drivers.serial_driver import SerialDriver, SerialKind
from firmware_bridge.errors import DeviceGone
from firmware_bridge.looks import Color
from firmware_bridge.transports.serial_link import PortInfo, SerialLink

KIND = "example-lamp"
TRANSPORT = "serial"


def check_address(address: str) -> str:
    if not address.startswith("/dev/"):
        raise ValueError(f"{address!r} is not a port path such as /dev/ttyUSB0")
    return address


def encode_color(color: Color) -> bytes:
    return f"LAMP {color.r:02x}{color.g:02x}{color.b:02x}\n".encode()


def send_color(link: SerialLink, color: Color, env: BuildEnv) -> None:
    link.write(encode_color(color))
    deadline = time.monotonic() + env.ack_timeout_s
    while (left := deadline - time.monotonic()) > 0:
        line = link.readline(left)
        if line is None:
            break
        if line.strip() == b"OK":
            return
    raise DeviceGone(f"{link.port}: no OK from the example lamp")


def claims_port(port: PortInfo) -> bool:
    return False  # never found by scanning: the address names the port


def verify(link: SerialLink, spec: LightSpec, env: BuildEnv) -> str:
    link.discard_input()
    return "example lamp"


def build(spec: LightSpec, env: BuildEnv) -> SerialDriver:
    return SerialDriver(spec, env, SerialKind(KIND, 9600, claims_port, verify,
                                              send_color=send_color))
