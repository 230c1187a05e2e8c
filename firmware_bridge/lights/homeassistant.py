"""Home Assistant MQTT JSON-schema lights (lights.md §6): the address is the light's
command topic. Blink and pulse are sent as the ``effect`` names ``blink`` and ``pulse``,
which the light must list in its ``effect_list``."""

from __future__ import annotations

import json

from firmware_bridge.config import LightSpec
from firmware_bridge.drivers.base import BuildEnv, Command
from firmware_bridge.drivers.mqtt_driver import MqttDriver, MqttKind, MqttMessage
from firmware_bridge.lights._topics import check_topic
from firmware_bridge.looks import Look

KIND = "homeassistant"
TRANSPORT = "mqtt"


def check_address(address: str) -> str:
    return check_topic(address, "command topic")


def payload(look: Look) -> str:
    if look.dark:
        return json.dumps({"state": "OFF"}, separators=(",", ":"))
    r, g, b = look.color.rgb()
    data: dict[str, object] = {"state": "ON", "brightness": look.brightness,
                               "color": {"r": r, "g": g, "b": b}}
    if look.effect in ("blink", "pulse"):
        data["effect"] = look.effect
    return json.dumps(data, separators=(",", ":"))


def encode(topic: str, command: Command) -> list[MqttMessage]:
    return [MqttMessage(topic, payload(command.look))]


def build(spec: LightSpec, env: BuildEnv) -> MqttDriver:
    topic = spec.address
    return MqttDriver(spec, env, MqttKind(KIND, lambda command, seq: encode(topic, command)))
