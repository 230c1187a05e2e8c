"""MuteSync button light over USB serial (lights.md §2): ``0x41`` then R,G,B four times
(13 bytes). Its CP210x bridge (10C4:EA60) is shared by countless devices, so it is only
claimed when the USB manufacturer/product string says "mutesync"."""

from __future__ import annotations

from firmware_bridge.config import LightSpec
from firmware_bridge.drivers.base import BuildEnv
from firmware_bridge.drivers.serial_driver import SerialDriver, SerialKind
from firmware_bridge.looks import Color
from firmware_bridge.transports.serial_link import PortInfo, SerialLink

KIND = "mutesync"
TRANSPORT = "serial"
USB_IDS = {(0x10C4, 0xEA60)}
BAUDRATE = 9600


def check_address(address: str) -> str:
    return address or "auto"


def claims_port(port: PortInfo) -> bool:
    text = f"{port.manufacturer} {port.product}".lower()
    return (port.vid, port.pid) in USB_IDS and "mutesync" in text


def encode_color(color: Color) -> bytes:
    return bytes([0x41, *color.rgb() * 4])


def send_color(link: SerialLink, color: Color, env: BuildEnv) -> None:
    link.write(encode_color(color))


def verify(link: SerialLink, spec: LightSpec, env: BuildEnv) -> str:
    """MuteSync never answers; it is recognised by its USB strings only."""
    return ""


def build(spec: LightSpec, env: BuildEnv) -> SerialDriver:
    return SerialDriver(spec, env, SerialKind(KIND, BAUDRATE, claims_port, verify,
                                              send_color=send_color))
