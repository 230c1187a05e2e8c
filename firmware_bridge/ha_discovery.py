"""Home Assistant MQTT discovery: each desk's state as an ``enum`` sensor entity, available
while the monitor is (lights.md §6). Published retained, on every connect."""

from __future__ import annotations

import json
import re

from firmware_bridge.drivers.mqtt_driver import MqttMessage
from firmware_bridge.states import STATES, Subject

DISCOVERY_PREFIX = "homeassistant"
NODE_ID = "floorlight"


def object_id(subject: Subject) -> str:
    """Home Assistant allows ``[a-zA-Z0-9_-]`` in discovery ids."""
    return re.sub(r"[^a-zA-Z0-9_-]", "_", subject.path.replace("/", "_"))


def discovery_message(prefix: str, subject: Subject) -> MqttMessage:
    oid = object_id(subject)
    config = {
        "name": f"{subject.scope.title()} {subject.name or 'floor'} state".replace(
            "Floor floor", "Floor"),
        "unique_id": f"{NODE_ID}_{oid}",
        "object_id": f"{NODE_ID}_{oid}",
        "state_topic": subject.state_topic(prefix),
        "value_template": "{{ value_json.state }}",
        "json_attributes_topic": subject.state_topic(prefix),
        "device_class": "enum",
        "options": list(STATES),
        "availability_topic": f"{prefix}/monitor/status",
        "payload_available": "online",
        "payload_not_available": "offline",
        "icon": "mdi:traffic-light",
        "device": {"identifiers": [f"{NODE_ID}_{prefix}"], "name": "Floorlight",
                   "manufacturer": "Floorlight"},
    }
    return MqttMessage(f"{DISCOVERY_PREFIX}/sensor/{NODE_ID}/{oid}/config",
                       json.dumps(config, separators=(",", ":")), retain=True)
