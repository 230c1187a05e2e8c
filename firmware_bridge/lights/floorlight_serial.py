"""Floorlight's ESP32 firmware over USB serial: 115200 8N1, JSON lines. Found by ping
(``auto``: the board whose configured desk matches), never by port name or USB id, since
its CP210x/CH340 chips are on plenty of other devices too."""

from __future__ import annotations

import time

from firmware_bridge.config import LightSpec
from firmware_bridge.drivers.base import BuildEnv, Command
from firmware_bridge.drivers.serial_driver import SerialDriver, SerialKind
from firmware_bridge.errors import DeviceGone, NotALight, Rejected
from firmware_bridge.lights._floorlight_protocol import BAUDRATE, PING, command_line, parse_reply
from firmware_bridge.transports.serial_link import PortInfo, SerialLink

KIND = "floorlight-serial"
TRANSPORT = "serial"


def check_address(address: str) -> str:
    return address or "auto"


def matches(port: PortInfo) -> bool:
    """Worth pinging: a USB serial port no other serial kind recognises by its USB
    identity (built-in UARTs such as /dev/ttyS* are never lights)."""
    from firmware_bridge.lights import light_kinds

    if port.vid is None:
        return False
    for name, module in light_kinds().items():
        claims = getattr(module, "claims_port", None)
        if name != KIND and claims is not None and claims(port):
            return False
    return True


def ping(link: SerialLink, env: BuildEnv) -> tuple[str, str]:
    """(firmware version, desk) from a pong. Pings again while the board boots."""
    deadline = time.monotonic() + env.boot_timeout_s
    heard: bytes | None = None
    while True:
        link.discard_input()
        link.write(PING)
        reply_deadline = min(deadline, time.monotonic() + env.ack_timeout_s)
        while (left := reply_deadline - time.monotonic()) > 0:
            line = link.readline(left)
            if line is None:
                break
            reply = parse_reply(line)
            if reply is not None and reply.pong:
                return reply.fw, reply.desk
            heard = heard or line
        if time.monotonic() >= deadline:
            what = f"answered {heard[:40]!r}" if heard else "no answer"
            raise NotALight(f"{link.port}: {what} to ping: not a Floorlight light")


def verify(link: SerialLink, spec: LightSpec, env: BuildEnv) -> str:
    fw, desk = ping(link, env)
    if spec.address == "auto" and desk != spec.subject.label:
        raise NotALight(f"{link.port}: a Floorlight light for desk {desk or '(unset)'!r}, "
                        f"not {spec.subject.label!r}")
    return f"firmware {fw}, desk {desk or '(unset)'}"


def send(link: SerialLink, command: Command, seq: int, env: BuildEnv) -> None:
    link.write(command_line(command.look, seq=seq, ttl_s=env.ttl_s))
    deadline = time.monotonic() + env.ack_timeout_s
    while (left := deadline - time.monotonic()) > 0:
        line = link.readline(left)
        if line is None:
            break
        reply = parse_reply(line)
        if reply is None or reply.ok is None:
            continue
        if reply.ok is False:
            raise Rejected(f"light refused the command: {reply.error or 'no reason given'}")
        if reply.seq == seq:
            return
    raise DeviceGone(f"{link.port}: no ack for seq {seq} within {env.ack_timeout_s:g} s")


def build(spec: LightSpec, env: BuildEnv) -> SerialDriver:
    return SerialDriver(spec, env, SerialKind(KIND, BAUDRATE, matches, verify, send=send))
