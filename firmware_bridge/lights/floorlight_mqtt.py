"""Floorlight's ESP32 firmware over MQTT: commands on ``<address>/light/set`` (not
retained), availability on ``<address>/light/status`` (``online``/``offline``, the
firmware's last will), acks on ``<address>/light/reply``. The address is the desk's topic
prefix, ``<prefix>/desk/<desk_id>`` by default."""

from __future__ import annotations

from firmware_bridge.config import LightSpec
from firmware_bridge.drivers.base import BuildEnv, Command
from firmware_bridge.drivers.mqtt_driver import MqttDriver, MqttKind, MqttMessage, Reply
from firmware_bridge.lights._floorlight_protocol import command_json, parse_reply
from firmware_bridge.lights._topics import check_topic, online_word

KIND = "floorlight-mqtt"
TRANSPORT = "mqtt"


def check_address(address: str) -> str:
    return check_topic(address, "topic prefix") if address else ""


def topics(address: str) -> dict[str, str]:
    return {"set": f"{address}/light/set", "status": f"{address}/light/status",
            "reply": f"{address}/light/reply"}


def encode(address: str, command: Command, seq: int, ttl_s: int) -> list[MqttMessage]:
    return [MqttMessage(topics(address)["set"], command_json(command.look, seq=seq, ttl_s=ttl_s))]


def parse_ack(payload: bytes) -> Reply | None:
    reply = parse_reply(payload)
    if reply is None or reply.ok is None:
        return None
    return Reply(reply.ok, reply.error, reply.seq)


def build(spec: LightSpec, env: BuildEnv) -> MqttDriver:
    address = spec.address or f"{env.prefix}/{spec.subject.path}"
    t = topics(address)
    kind = MqttKind(KIND, lambda command, seq: encode(address, command, seq, env.ttl_s),
                    availability=(t["status"], online_word), replies=(t["reply"], parse_ack))
    return MqttDriver(spec, env, kind)
