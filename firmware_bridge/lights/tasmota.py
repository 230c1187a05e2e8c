"""Tasmota over MQTT (lights.md §5): one ``cmnd/<topic>/Backlog`` per look (never
retained), replies on ``stat/<topic>/RESULT``, availability on ``tele/<topic>/LWT``.
Tasmota has no breathe, so a pulse is shown as a blink of the same period."""

from __future__ import annotations

import json

from firmware_bridge.config import LightSpec
from firmware_bridge.drivers.base import BuildEnv, Command
from firmware_bridge.drivers.mqtt_driver import MqttDriver, MqttKind, MqttMessage, Reply
from firmware_bridge.lights._topics import check_topic, online_word
from firmware_bridge.looks import Look

KIND = "tasmota"
TRANSPORT = "mqtt"


def check_address(address: str) -> str:
    address = check_topic(address, "device topic")
    if "/" in address:
        raise ValueError(f"{address!r}: give the Tasmota topic (e.g. tasmota_1A2B3C), "
                         "not a full path")
    return address


def dimmer(brightness: int) -> int:
    return max(1, round(brightness * 100 / 255))


def backlog(look: Look) -> str:
    if look.dark:
        return "Power BLINKOFF;Power OFF"
    colour = f"Color {look.color.hex};Dimmer {dimmer(look.brightness)}"
    if look.effect == "solid":
        return f"Power BLINKOFF;{colour};Power ON"
    # BlinkTime is the time between toggles in 0.1 s, i.e. half the period (min 2).
    blink_time = max(2, min(3600, round(look.period_ms / 200)))
    return f"BlinkTime {blink_time};BlinkCount 0;{colour};Power BLINK"


def encode(topic: str, command: Command) -> list[MqttMessage]:
    return [MqttMessage(f"cmnd/{topic}/Backlog", backlog(command.look))]


def parse_result(payload: bytes) -> Reply | None:
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    if data.get("Command") == "Unknown" or "Error" in data:
        return Reply(False, json.dumps(data)[:120])
    return Reply(True)


def build(spec: LightSpec, env: BuildEnv) -> MqttDriver:
    topic = spec.address
    kind = MqttKind(KIND, lambda command, seq: encode(topic, command),
                    availability=(f"tele/{topic}/LWT", online_word),
                    replies=(f"stat/{topic}/RESULT", parse_result))
    return MqttDriver(spec, env, kind)
