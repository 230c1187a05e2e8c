"""CompuLab fit-statUSB (lights.md §2): ``#RRGGBB``, hardware blink ``B#…-tttt#…-tttt``,
fade ``Fnnnn``, and ``G`` (current colour) to verify the device after connecting."""

from __future__ import annotations

import re
import time

from firmware_bridge.config import LightSpec
from firmware_bridge.drivers.base import BuildEnv, Command
from firmware_bridge.drivers.serial_driver import SerialDriver, SerialKind
from firmware_bridge.errors import NotALight
from firmware_bridge.looks import Look
from firmware_bridge.transports.serial_link import PortInfo, SerialLink

KIND = "fit-statusb"
TRANSPORT = "serial"
USB_IDS = {(0x2047, 0x03DF)}
BAUDRATE = 9600
# The wiki documents G's answer as "(rr,gg,bb)"; accept that and "#RRGGBB" spellings.
_COLOUR_REPLY = re.compile(r"#?\(?\s*([0-9A-Fa-f]{2})\s*,?\s*([0-9A-Fa-f]{2})\s*,?\s*"
                           r"([0-9A-Fa-f]{2})\s*\)?")


def check_address(address: str) -> str:
    return address or "auto"


def claims_port(port: PortInfo) -> bool:
    return (port.vid, port.pid) in USB_IDS


def encode(look: Look) -> bytes:
    """The exact bytes for a look. Fnnnn (persistent) comes first: 1 ms for crisp colours
    and blinks, half the period for a pulse (the device fades between the two colours)."""
    if look.dark:
        return b"F0001\n#000000\n"
    lit = look.color.scaled(look.brightness).hex
    if look.effect == "solid":
        return f"F0001\n{lit}\n".encode()
    half = min(max(look.period_ms // 2, 1), 9999)
    fade = 1 if look.effect == "blink" else half
    return f"F{fade:04d}\nB{lit}-{half:04d}#000000-{half:04d}\n".encode()


def parse_colour_reply(line: bytes) -> str | None:
    found = _COLOUR_REPLY.fullmatch(line.decode("ascii", errors="replace").strip())
    return "#" + "".join(found.groups()).upper() if found else None


def verify(link: SerialLink, spec: LightSpec, env: BuildEnv) -> str:
    link.discard_input()
    link.write(b"G\n")
    deadline = time.monotonic() + env.ack_timeout_s
    while (left := deadline - time.monotonic()) > 0:
        line = link.readline(left)
        if line is None:
            break
        colour = parse_colour_reply(line)
        if colour:
            return f"fit-statUSB showing {colour}"
        if line.strip():
            raise NotALight(f"{link.port}: answered {line[:40]!r} to G: not a fit-statUSB")
    raise NotALight(f"{link.port}: no answer to G: not a fit-statUSB")


def send(link: SerialLink, command: Command, seq: int, env: BuildEnv) -> None:
    link.write(encode(command.look))


def build(spec: LightSpec, env: BuildEnv) -> SerialDriver:
    return SerialDriver(spec, env, SerialKind(KIND, BAUDRATE, claims_port, verify, send=send))
