"""Every desk state, through a real mosquitto, to each kind of MQTT light: the exact topic,
payload and retain flag the device itself would receive (lights.md §1, §4-§6), including
the ``stale`` look a desk with no state is given after the start-up grace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bridge.bridges import mqtt_bridge
from tests.bridge.helpers import MqttRecorder, Msg

NL = {"nl": {"on": True, "dur": 1, "mode": 0, "tbri": 0}, "win": "&NT=0"}


def wled(bri: int, col: list, fx: int, sx: int | None = None) -> dict:
    seg: dict = {"col": col, "fx": fx}
    if sx is not None:
        seg["sx"] = sx
    return {"on": True, "bri": bri, "seg": [seg], **NL}


def fl(color: str, effect: str, period_ms: int, brightness: int = 255) -> dict:
    return {"color": color, "effect": effect, "period_ms": period_ms, "brightness": brightness,
            "ttl_s": 30}


BLACK = [0, 0, 0]
# state: (WLED <dev>/api, Tasmota cmnd/<topic>/Backlog, HA command topic, Floorlight set)
EXPECTED = {
    "stale": (wled(40, [[255, 255, 255], BLACK], 2, 51),
              "BlinkTime 20;BlinkCount 0;Color #FFFFFF;Dimmer 16;Power BLINK",
              {"state": "ON", "brightness": 40, "color": {"r": 255, "g": 255, "b": 255},
               "effect": "pulse"},
              fl("#FFFFFF", "pulse", 4000, 40)),
    "calm": (wled(255, [[0, 255, 0]], 0),
             "Power BLINKOFF;Color #00FF00;Dimmer 100;Power ON",
             {"state": "ON", "brightness": 255, "color": {"r": 0, "g": 255, "b": 0}},
             fl("#00FF00", "solid", 1000)),
    "watch": (wled(255, [[255, 176, 0], BLACK], 2, 182),
              "BlinkTime 10;BlinkCount 0;Color #FFB000;Dimmer 100;Power BLINK",
              {"state": "ON", "brightness": 255, "color": {"r": 255, "g": 176, "b": 0},
               "effect": "pulse"},
              fl("#FFB000", "pulse", 2000)),
    "alert": (wled(255, [[255, 0, 0], BLACK], 1, 235),
              "BlinkTime 2;BlinkCount 0;Color #FF0000;Dimmer 100;Power BLINK",
              {"state": "ON", "brightness": 255, "color": {"r": 255, "g": 0, "b": 0},
               "effect": "blink"},
              fl("#FF0000", "blink", 400)),
    "acknowledged": (wled(255, [[0, 0, 255], BLACK], 1, 195),
                     "BlinkTime 6;BlinkCount 0;Color #0000FF;Dimmer 100;Power BLINK",
                     {"state": "ON", "brightness": 255, "color": {"r": 0, "g": 0, "b": 255},
                      "effect": "blink"},
                     fl("#0000FF", "blink", 1200)),
    "off": ({"on": False}, "Power BLINKOFF;Power OFF", {"state": "OFF"},
            fl("#000000", "off", 1000)),
}
LIGHTS = ["d-1=wled:wled/a1b2c3", "d-2=tasmota:desk2_lamp", "d-3=homeassistant:home/d3/set",
          "d-4=floorlight-mqtt:"]
TOPICS = ["wled/a1b2c3/api", "cmnd/desk2_lamp/Backlog", "home/d3/set",
          "floorlight/desk/d-4/light/set"]


def decoded(message: Msg) -> object:
    if message.topic.startswith("cmnd/"):
        return message.text
    data = json.loads(message.payload)
    if message.topic.endswith("/light/set"):
        assert isinstance(data.pop("seq"), int)
    return data


@pytest.fixture
def floor(mosquitto, tmp_path: Path, bridges):
    recorder = MqttRecorder(mosquitto)
    # heartbeat far off, so every message below is a state change, not a repeat
    mqtt_bridge(mosquitto, tmp_path, bridges, LIGHTS, heartbeat_s=15.0, ttl_s=30,
                startup_grace_s=0.2)
    yield recorder
    recorder.close()


def test_every_state_reaches_every_mqtt_light_exactly(floor: MqttRecorder) -> None:
    for topic, payload in zip(TOPICS, EXPECTED["stale"], strict=True):
        assert decoded(floor.wait(topic)) == payload  # no state yet: stale, on its own
    for state in ("calm", "watch", "alert", "acknowledged", "off"):
        floor.clear()
        for desk in ("d-1", "d-2", "d-3", "d-4"):
            floor.publish(f"floorlight/desk/{desk}/state",
                          json.dumps({"v": 1, "desk_id": desk, "state": state}), retain=True)
        for topic, payload in zip(TOPICS, EXPECTED[state], strict=True):
            message = floor.wait(topic)
            assert (state, decoded(message)) == (state, payload)
            assert message.retain is False  # lights.md: commands are never retained
