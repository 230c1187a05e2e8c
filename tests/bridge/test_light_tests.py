"""Light tests asked for by the dashboard (files written by its own writer) or over MQTT:
the light cycles through every state, goes back to its desk's state, the request is
consumed and the outcome lands in health."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from dashboard.lights_files import request_test
from firmware_bridge.health import LightHealth
from firmware_bridge.light_test import TEST_STATES
from firmware_bridge.sources.polling import PollingSource
from firmware_bridge.states import Subject
from tests.bridge.bridges import mqtt_bridge, plain_bridge
from tests.bridge.devices import ModemDevice
from tests.bridge.helpers import MqttRecorder, retained, wait_for

D1 = Subject("desk", "d-1")
FAST = {"test_hold_s": 0.05, "requests_poll_s": 0.05}


class Floor:
    """Desk rows the bridge polls, and every state each light was told to show."""

    def __init__(self) -> None:
        self.rows = [{"desk_id": "d-1", "state": "calm", "ts": "1"},
                     {"desk_id": "d-2", "state": "watch", "ts": "1"}]
        self.shown: dict[str, list[str]] = {}

    def source(self) -> PollingSource:
        return PollingSource(lambda: list(self.rows), interval_s=0.02)

    def record(self, health: LightHealth, significant: bool) -> None:
        states = self.shown.setdefault(health.subject.label, [])
        if health.state and (not states or states[-1] != health.state):
            states.append(health.state)


@pytest.fixture
def floor() -> Floor:
    return Floor()


def start(floor: Floor, tmp_path: Path, bridges, lights=("d-1=virtual:", "d-2=virtual:"),
          **kwargs):
    bridge = plain_bridge(floor.source(), tmp_path, bridges, list(lights),
                          requests_dir=tmp_path / "lights" / "requests",
                          bridge_kwargs={**FAST, **kwargs})
    bridge.env.health.add_listener(floor.record)
    for health in bridge.env.health.snapshot().values():  # what was shown before listening
        floor.record(health, False)
    wait_for(lambda: floor.shown.get("d-1") == ["calm"], what="d-1 lit")
    return bridge


def health_file(tmp_path: Path) -> dict:
    """health.json once it reports a test (the outcome is written just after it is known)."""
    path = tmp_path / "lights" / "health.json"
    return wait_for(lambda: path.exists() and (data := json.loads(path.read_text()))
                    ["bridge"]["last_test"] and data, what="the outcome in health.json")


def test_a_dashboard_request_cycles_the_light_and_reports(floor: Floor, tmp_path: Path,
                                                          bridges) -> None:
    bridge = start(floor, tmp_path, bridges)
    path = request_test(tmp_path / "lights", "d-1")
    wait_for(lambda: (bridge.last_test or {}).get("subject") == "d-1", what="the outcome")
    assert floor.shown["d-1"] == ["calm", *TEST_STATES, "calm"]
    assert not path.exists()
    assert bridge.last_test["ok"] is True and bridge.last_test["error"] is None
    assert bridge.last_test["origin"] == path.name
    data = health_file(tmp_path)
    assert data["bridge"]["last_test"]["ok"] is True
    assert data["lights"]["d-1"]["last_test"]["ok"] is True
    assert data["lights"]["d-1"]["state"] == "calm"
    assert floor.shown["d-2"] == ["watch"]  # the other desk never moved


def test_unknown_desk_and_malformed_requests(floor: Floor, tmp_path: Path, bridges) -> None:
    bridge = start(floor, tmp_path, bridges)
    folder = tmp_path / "lights" / "requests"
    unknown = request_test(tmp_path / "lights", "d-9")
    wait_for(lambda: (bridge.last_test or {}).get("subject") == "d-9", what="d-9 outcome")
    assert bridge.last_test["ok"] is False
    assert bridge.last_test["error"] == "no light is configured for d-9"
    assert not unknown.exists()

    bad = folder / "test-d-1-1.json"
    bad.write_text('{"v":1,"action":"test","desk_id":')
    old = time.time() - 60  # long settled: not a file still being written
    os.utime(bad, (old, old))
    wait_for(lambda: (bridge.last_test or {}).get("origin") == bad.name, what="rejection")
    assert "malformed test request JSON" in bridge.last_test["error"]
    assert not bad.exists() and bad.with_name(bad.name + ".rejected").exists()

    (folder / "test-d-1-2.json").write_text('{"v":1,"action":"explode","desk_id":"d-1"}')
    os.utime(folder / "test-d-1-2.json", (old, old))
    wait_for(lambda: "unknown action 'explode'" in (bridge.last_test or {}).get("error", ""),
             what="bad action rejected")
    floor.rows[1] = {"desk_id": "d-2", "state": "alert", "ts": "2"}
    wait_for(lambda: floor.shown["d-2"][-1] == "alert", what="other desks still served")
    assert floor.shown["d-1"] == ["calm"]  # no bad request ever reached the light


def test_a_new_state_ends_a_test_at_once(floor: Floor, tmp_path: Path, bridges) -> None:
    bridge = start(floor, tmp_path, bridges, test_hold_s=30.0)
    request_test(tmp_path / "lights", "d-1")
    wait_for(lambda: floor.shown["d-1"][-1] == "off", what="the test under way")
    floor.rows[0] = {"desk_id": "d-1", "state": "alert", "ts": "2"}
    wait_for(lambda: floor.shown["d-1"][-1] == "alert", what="the alert shown")
    wait_for(lambda: bridge.last_test, what="the outcome")
    assert bridge.last_test["ok"] is False and "interrupted" in bridge.last_test["error"]
    assert floor.shown["d-1"] == ["calm", "off", "alert"]


def test_a_light_that_fails_its_test(floor: Floor, tmp_path: Path, bridges, devices) -> None:
    modem = ModemDevice()
    path = modem.plug()
    devices.append(modem)
    bridge = start(floor, tmp_path, bridges,
                   lights=("d-1=virtual:", f"d-2=floorlight-serial:{path}"))
    wait_for(lambda: bridge.env.health.get(Subject("desk", "d-2")).last_error, what="probe")
    request_test(tmp_path / "lights", "d-2")
    wait_for(lambda: bridge.last_test, what="the outcome")
    assert bridge.last_test["ok"] is False
    assert "not a Floorlight light" in bridge.last_test["error"]


def test_a_request_over_mqtt(mosquitto, tmp_path: Path, bridges) -> None:
    recorder = MqttRecorder(mosquitto)
    bridge = mqtt_bridge(mosquitto, tmp_path, bridges, ["d-17=wled:wled/a1"],
                         heartbeat_s=15.0, ttl_s=30, bridge_kwargs=FAST)
    recorder.publish("floorlight/desk/d-17/state", '{"v":1,"desk_id":"d-17","state":"calm"}',
                     retain=True)
    calm = recorder.wait("wled/a1/api").payload
    recorder.publish("floorlight/bridge/request", '{"v":1,"action":"test","desk_id":"d-17",'
                     '"requested_by":"sup-3"}')
    wait_for(lambda: bridge.last_test, what="the outcome")
    assert bridge.last_test["ok"] is True and bridge.last_test["requested_by"] == "sup-3"
    wait_for(lambda: len(recorder.on("wled/a1/api")) >= 1 + len(TEST_STATES) + 1,
             what="the cycle and the restore")
    commands = [m.payload for m in recorder.on("wled/a1/api")]
    assert len(commands) == 1 + len(TEST_STATES) + 1 and commands[-1] == calm
    assert json.loads(commands[1]) == {"on": False}  # the cycle starts with off
    def desk_health() -> dict | None:  # published after the cycle: wait for it to land
        found = json.loads(retained(mosquitto, "floorlight/bridge/health/#")[
            "floorlight/bridge/health/desk/d-17"])
        return found if found.get("last_test") else None

    health = wait_for(desk_health, what="the desk's health with the test's outcome")
    assert health["last_test"]["ok"] is True
    recorder.publish("floorlight/bridge/request", "not json")
    wait_for(lambda: bridge.last_test["origin"] == "mqtt" and not bridge.last_test["ok"],
             what="malformed request reported")
    recorder.close()
