"""Home Assistant MQTT discovery: each desk's state as an ``enum`` sensor entity, available
while every monitor worker the floor needs is (lights.md §6; the topics come from the
registry, ``store/services.py``). Published retained, on every connect and whenever the
set of workers changes."""

from __future__ import annotations

import json
import re

from firmware_bridge.drivers.mqtt_driver import MqttMessage
from firmware_bridge.states import STATES, Subject
from store.services import monitor

DISCOVERY_PREFIX = "homeassistant"
NODE_ID = "floorlight"


def object_id(subject: Subject) -> str:
    """Home Assistant allows ``[a-zA-Z0-9_-]`` in discovery ids."""
    return re.sub(r"[^a-zA-Z0-9_-]", "_", subject.path.replace("/", "_"))


def discovery_message(prefix: str, subject: Subject,
                      availability: tuple[str, ...] = ()) -> MqttMessage:
    """``availability``: every monitor worker's status topic (default: the lone monitor's)."""
    oid = object_id(subject)
    topics = availability or (monitor().status_topic(prefix),)
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
        "availability": [{"topic": t, "payload_available": "online",
                          "payload_not_available": "offline"} for t in topics],
        "availability_mode": "all",
        "icon": "mdi:traffic-light",
        "device": {"identifiers": [f"{NODE_ID}_{prefix}"], "name": "Floorlight",
                   "manufacturer": "Floorlight"},
    }
    return MqttMessage(f"{DISCOVERY_PREFIX}/sensor/{NODE_ID}/{oid}/config",
                       json.dumps(config, separators=(",", ":")), retain=True)
