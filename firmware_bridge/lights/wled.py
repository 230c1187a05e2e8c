"""WLED over MQTT (lights.md §4): the JSON state API on ``<dev>/api``, availability on
``<dev>/status``, and a one-minute nightlight in every command as the fail-safe.

WLED starts the nightlight clock only when the nightlight goes from off to on
(``handleNightlight`` in led.cpp), so re-sending ``"nl":{"on":true}`` alone would *not*
push the deadline back: the light would go dark a minute after the first command however
often it is refreshed. Each command therefore also carries ``"win":"&NT=0"`` — the HTTP
API's nightlight-target parameter, which WLED applies after ``nl`` and which re-initialises
the timer (set.cpp: ``nightlightActiveOld = false``). Target brightness 0 is the value
``nl.tbri`` sets anyway."""

from __future__ import annotations

import json

from firmware_bridge.config import LightSpec
from firmware_bridge.drivers.base import BuildEnv, Command
from firmware_bridge.drivers.mqtt_driver import MqttDriver, MqttKind, MqttMessage
from firmware_bridge.lights._topics import check_topic, online_word
from firmware_bridge.looks import Look

KIND = "wled"
TRANSPORT = "mqtt"
FX_SOLID, FX_BLINK, FX_BREATHE = 0, 1, 2
NIGHTLIGHT = {"on": True, "dur": 1, "mode": 0, "tbri": 0}
REARM = "&NT=0"
FAILSAFE_S = 60
"""A WLED light goes dark this long after the last command it received."""


def check_address(address: str) -> str:
    return check_topic(address, "device topic")


def blink_speed(period_ms: int) -> int:
    """WLED's Blink cycles every (255 - sx) * 20 ms (FX.cpp ``mode_blink``)."""
    return max(0, min(255, round(255 - period_ms / 20)))


def breathe_speed(period_ms: int) -> int:
    """WLED's Breathe cycles every 65536 / ((sx >> 3) + 10) ms (FX.cpp ``mode_breath``)."""
    return max(0, min(255, round((65536 / period_ms - 10) * 8)))


def state_json(look: Look) -> str:
    if look.dark:
        return json.dumps({"on": False}, separators=(",", ":"))
    rgb = list(look.color.rgb())
    if look.effect == "solid":
        seg: dict[str, object] = {"col": [rgb], "fx": FX_SOLID}
    elif look.effect == "blink":
        seg = {"col": [rgb, [0, 0, 0]], "fx": FX_BLINK, "sx": blink_speed(look.period_ms)}
    else:
        seg = {"col": [rgb, [0, 0, 0]], "fx": FX_BREATHE, "sx": breathe_speed(look.period_ms)}
    return json.dumps({"on": True, "bri": look.brightness, "seg": [seg], "nl": NIGHTLIGHT,
                       "win": REARM}, separators=(",", ":"))


def encode(device: str, command: Command) -> list[MqttMessage]:
    return [MqttMessage(f"{device}/api", state_json(command.look))]


def build(spec: LightSpec, env: BuildEnv) -> MqttDriver:
    device = spec.address
    kind = MqttKind(KIND, lambda command, seq: encode(device, command),
                    availability=(f"{device}/status", online_word))
    return MqttDriver(spec, env, kind)
