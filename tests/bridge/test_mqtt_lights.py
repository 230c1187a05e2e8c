"""MQTT lights and the bridge's MQTT side against a real mosquitto: the exact topics,
payloads and retain flags a real WLED / Tasmota / Home Assistant / Floorlight light
would receive, availability, acks, health, and the bridge's own status."""

from __future__ import annotations

import json
from pathlib import Path

from tests.bridge.bridges import mqtt_bridge
from tests.bridge.helpers import MqttRecorder, retained, wait_for

ALERT = json.dumps({"v": 1, "desk_id": "d-17", "state": "alert", "ts": "2026-11-22T09:34:12Z"})
CALM = json.dumps({"v": 1, "desk_id": "d-17", "state": "calm"})
STATE = "floorlight/desk/d-17/state"
WLED_ALERT = {"on": True, "bri": 255,
              "seg": [{"col": [[255, 0, 0], [0, 0, 0]], "fx": 1, "sx": 235}],
              "nl": {"on": True, "dur": 1, "mode": 0, "tbri": 0}, "win": "&NT=0"}


def test_wled_gets_the_json_api_with_heartbeats_and_availability(mosquitto, tmp_path: Path,
                                                                  bridges) -> None:
    recorder = MqttRecorder(mosquitto)
    bridge = mqtt_bridge(mosquitto, tmp_path, bridges, ["d-17=wled:wled/a1b2c3"])
    recorder.publish(STATE, ALERT, retain=True)
    first = recorder.wait("wled/a1b2c3/api")
    assert json.loads(first.payload) == WLED_ALERT and first.retain is False
    wait_for(lambda: len(recorder.on("wled/a1b2c3/api")) >= 3, what="heartbeats")
    assert {m.payload for m in recorder.on("wled/a1b2c3/api")} == {first.payload}
    health = bridge.env.health
    recorder.publish("wled/a1b2c3/status", "offline", retain=True)
    wait_for(lambda: health.get(bridge.drivers[next(iter(bridge.drivers))].spec.subject).online
             is False, what="WLED offline")
    recorder.clear()
    recorder.publish("wled/a1b2c3/status", "online", retain=True)
    recorder.wait("wled/a1b2c3/api")  # back online: given its look at once
    assert "wled/a1b2c3/api" not in retained(mosquitto, "wled/#")  # commands never retained
    recorder.close()


def test_tasmota_backlog_lwt_and_results(mosquitto, tmp_path: Path, bridges) -> None:
    recorder = MqttRecorder(mosquitto)
    bridge = mqtt_bridge(mosquitto, tmp_path, bridges, ["d-17=tasmota:desk17_lamp"])
    recorder.publish(STATE, CALM, retain=True)
    message = recorder.wait("cmnd/desk17_lamp/Backlog")
    assert message.text == "Power BLINKOFF;Color #00FF00;Dimmer 100;Power ON"
    assert message.retain is False
    (subject,) = bridge.drivers
    recorder.publish("tele/desk17_lamp/LWT", "Online", retain=True)
    wait_for(lambda: bridge.env.health.get(subject).online, what="Tasmota online")
    recorder.publish("stat/desk17_lamp/RESULT", '{"POWER":"ON","Dimmer":100}')
    wait_for(lambda: bridge.env.health.get(subject).last_ok, what="an acknowledged command")
    recorder.publish("stat/desk17_lamp/RESULT", '{"Command":"Unknown"}')
    wait_for(lambda: "refused" in (bridge.env.health.get(subject).last_error or ""),
             what="a refused command reported")
    assert "cmnd/desk17_lamp/Backlog" not in retained(mosquitto, "cmnd/#")
    recorder.close()


def test_home_assistant_light_and_discovery(mosquitto, tmp_path: Path, bridges) -> None:
    recorder = MqttRecorder(mosquitto)
    mqtt_bridge(mosquitto, tmp_path, bridges, ["d-17=homeassistant:home/desk17/light/set"],
                homeassistant_discovery=True)
    recorder.publish(STATE, ALERT, retain=True)
    message = recorder.wait("home/desk17/light/set")
    assert json.loads(message.payload) == {"state": "ON", "brightness": 255,
                                           "color": {"r": 255, "g": 0, "b": 0},
                                           "effect": "blink"}
    assert not message.retain
    topic = "homeassistant/sensor/floorlight/desk_d-17/config"
    config = json.loads(retained(mosquitto, "homeassistant/#")[topic])
    assert config["state_topic"] == STATE and config["unique_id"] == "floorlight_desk_d-17"
    recorder.close()


def test_floorlight_firmware_over_mqtt_with_acks(mosquitto, tmp_path: Path, bridges) -> None:
    recorder = MqttRecorder(mosquitto)
    bridge = mqtt_bridge(mosquitto, tmp_path, bridges, ["d-17=floorlight-mqtt:"])
    recorder.publish("floorlight/desk/d-17/light/status", "online", retain=True)
    recorder.publish(STATE, ALERT, retain=True)
    message = recorder.wait("floorlight/desk/d-17/light/set")
    command = json.loads(message.payload)
    assert not message.retain
    assert command == {"color": "#FF0000", "effect": "blink", "period_ms": 400,
                       "brightness": 255, "ttl_s": 2, "seq": command["seq"]}
    (subject,) = bridge.drivers
    recorder.publish("floorlight/desk/d-17/light/reply",
                     json.dumps({"ok": True, "seq": command["seq"]}))
    wait_for(lambda: bridge.env.health.get(subject).last_ok, what="ack")
    recorder.publish("floorlight/desk/d-17/light/reply", '{"ok":false,"error":"bad color"}')
    wait_for(lambda: bridge.env.health.get(subject).last_error == "light refused: bad color",
             what="refusal")
    recorder.publish("floorlight/desk/d-17/light/status", "offline", retain=True)
    wait_for(lambda: bridge.env.health.get(subject).online is False, what="last will seen")
    recorder.close()


def test_bridge_status_and_health_are_published_retained(mosquitto, tmp_path: Path,
                                                         bridges) -> None:
    recorder = MqttRecorder(mosquitto)
    bridge = mqtt_bridge(mosquitto, tmp_path, bridges, ["d-17=wled:wled/a1b2c3"])
    recorder.publish(STATE, CALM, retain=True)
    recorder.wait("floorlight/bridge/health/desk/d-17", lambda m: b'"calm"' in m.payload)
    kept = retained(mosquitto, "floorlight/bridge/#")
    assert kept["floorlight/bridge/status"] == b"online"
    health = json.loads(kept["floorlight/bridge/health/desk/d-17"])
    assert (health["v"], health["subject"], health["kind"], health["address"], health["state"]) \
        == (1, "d-17", "wled", "wled/a1b2c3", "calm")
    health_file = tmp_path / "lights" / "health.json"
    wait_for(lambda: health_file.exists() and
             json.loads(health_file.read_text())["lights"]["d-17"]["state"] == "calm",
             what="health.json")
    bridge.stop()
    bridges.clear()
    assert retained(mosquitto, "floorlight/bridge/status")["floorlight/bridge/status"] \
        == b"offline"
    recorder.close()
