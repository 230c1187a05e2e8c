"""Bad input: each gets a clear, logged reason and the bridge keeps serving every other
desk; a configuration mistake stops ``floorlight bridge`` at start-up, naming the file,
line and key, with a nonzero exit."""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import pytest

from floorlight.commands import bridge as bridge_command
from tests.bridge.bridges import mqtt_bridge
from tests.bridge.devices import ModemDevice
from tests.bridge.helpers import MqttRecorder, wait_for


def test_bad_states_are_logged_and_the_others_still_served(mosquitto, tmp_path: Path, bridges,
                                                          devices, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="test.bridge")
    modem = ModemDevice()
    port = modem.plug()
    devices.append(modem)
    recorder = MqttRecorder(mosquitto)
    bridge = mqtt_bridge(mosquitto, tmp_path, bridges,
                         ["d-1=wled:wled/d1", f"d-2=floorlight-serial:{port}"],
                         heartbeat_s=15.0, ttl_s=30)
    # a good state first, sent until the bridge counts it: "connected" comes before the
    # broker has the subscription, and states are not retained here, so anything sent in
    # between is simply missed; the bad ones go out only once the bridge is listening
    def heard_calm() -> bool:
        recorder.publish("floorlight/desk/d-1/state", '{"v":1,"desk_id":"d-1","state":"calm"}')
        time.sleep(0.1)
        return bridge.stats["states"] >= 1

    wait_for(heard_calm, what="the bridge subscribed", timeout=20)
    recorder.wait("wled/d1/api", timeout=20)
    time.sleep(0.3)  # let the light's answer to the calm states settle before counting
    recorder.clear()
    for payload in (b"{not json", b'{"v":1,"desk_id":"d-1","state":"panic"}',
                    b'{"v":1,"desk_id":"d-3","state":"alert"}',
                    b'{"v":2,"desk_id":"d-1","state":"alert"}', b"[1,2]"):
        recorder.publish("floorlight/desk/d-1/state", payload)
    recorder.publish("floorlight/desk/d-9/state", '{"v":1,"desk_id":"d-9","state":"alert"}')
    recorder.publish("floorlight/desk/d-9/state", '{"v":1,"desk_id":"d-9","state":"calm"}')
    recorder.publish("floorlight/desk/d-1/state", '{"v":1,"desk_id":"d-1","state":"alert"}')

    assert json.loads(recorder.wait("wled/d1/api").payload)["seg"][0]["fx"] == 1
    assert len(recorder.on("wled/d1/api")) == 1  # nothing bad ever reached the light
    wait_for(lambda: bridge.stats["bad_messages"] == 5, what="every bad message counted")
    reasons = "\n".join(r.getMessage() for r in caplog.records)
    for reason in ("malformed state JSON", "unknown state 'panic'",
                   "message for d-3 arrived on the topic of d-1",
                   "unsupported desk state version 2", "must be a JSON object",
                   "state for d-9, which has no light configured: ignored"):
        assert reason in reasons
    assert reasons.count("d-9, which has no light") == 1  # warned once, not per message
    health = wait_for(lambda: (h := bridge.env.health.get(bridge.config.lights[1].subject))
                      and h.last_error and h, what="the modem reported")
    assert "not a Floorlight light" in health.last_error and health.online is False
    recorder.close()


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="floorlight")
    bridge_command.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.mark.parametrize(("toml", "expected"), [
    ('[bridge]\nprefix = "site"\nheartbeat = 10\n',
     ["bridge.toml:3", "unknown key 'heartbeat'", "did you mean 'heartbeat_s'",
      "bridge.heartbeat"]),
    ('[desks."d-1"]\nlight = "wledd:wled/x"\n',
     ["bridge.toml:2", "unknown light kind 'wledd'", "did you mean 'wled'"]),
    ('[looks.alert]\ncolor = "red"\n', ["bridge.toml:2", "#RRGGBB", "looks.alert.color"]),
    ('[bridge]\nttl_s = 30\nheartbeat_s = 20\n', ["bridge.toml:3", "heartbeat_s must be"]),
    ('[desks."d-1"]\nlight = "wled:wled/x"\n[desks."d-1"\n', ["bridge.toml", "not valid TOML"]),
])
def test_a_configuration_typo_stops_the_bridge_naming_line_and_key(
        tmp_path: Path, capsys, monkeypatch, toml: str, expected: list[str]) -> None:
    monkeypatch.setenv("FLOORLIGHT_HOME", str(tmp_path))
    path = tmp_path / "bridge.toml"
    path.write_text(toml)
    assert run_cli(["bridge", "--config", str(path), "--run-for", "0"]) == 2
    error = capsys.readouterr().err
    for part in expected:
        assert part in error
    assert not (tmp_path / "lights").exists()  # stopped before touching anything


@pytest.mark.parametrize(("argv", "expected"), [
    (["--light", "d-1"], "expected DESK=KIND:ADDRESS"),
    (["--light", "d-1=wled"], "bad wled address: a device topic is required"),
    (["--light", "d-1=tasmota:a/b"], "give the Tasmota topic"),
    (["--mqtt", "http://broker"], "must start with mqtt://"),
    (["--db", "not a url"], "--db: not a database URL"),
])
def test_bad_command_line_stops_the_bridge(tmp_path: Path, capsys, monkeypatch,
                                           argv: list[str], expected: str) -> None:
    monkeypatch.setenv("FLOORLIGHT_HOME", str(tmp_path))
    assert run_cli(["bridge", *argv, "--run-for", "0"]) == 2
    assert expected in capsys.readouterr().err
