"""Floorlight's own firmware protocol (lights.md §1), shared by the serial and MQTT kinds:
one JSON object per line, ping/pong, seq acks, TTL."""

from __future__ import annotations

import json
from dataclasses import dataclass

from firmware_bridge.looks import Look

BAUDRATE = 115200
PING = b'{"cmd":"ping"}\n'


def command_json(look: Look, *, seq: int, ttl_s: int) -> str:
    """``{"color":"#FF0000","effect":"blink","period_ms":400,"brightness":255,"ttl_s":30,"seq":17}``"""
    return json.dumps({"color": look.color.hex, "effect": look.effect,
                       "period_ms": look.period_ms, "brightness": look.brightness,
                       "ttl_s": ttl_s, "seq": seq}, separators=(",", ":"))


def command_line(look: Look, *, seq: int, ttl_s: int) -> bytes:
    return command_json(look, seq=seq, ttl_s=ttl_s).encode() + b"\n"


@dataclass(frozen=True)
class FirmwareReply:
    """A line from the firmware: an ack (``ok`` set), or a pong."""

    ok: bool | None = None
    seq: int | None = None
    error: str = ""
    pong: bool = False
    fw: str = ""
    desk: str = ""


def parse_reply(line: bytes) -> FirmwareReply | None:
    """None for anything that is not one of the firmware's JSON replies (boot noise)."""
    try:
        data = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    if data.get("pong") is True:
        return FirmwareReply(pong=True, fw=str(data.get("fw", "")), desk=str(data.get("desk", "")))
    if isinstance(data.get("ok"), bool):
        seq = data.get("seq")
        return FirmwareReply(ok=data["ok"], seq=seq if isinstance(seq, int) else None,
                             error=str(data.get("error", "")))
    return None
