"""Configuration: a mistake stops the bridge at start-up naming the file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware_bridge.config import load_config, parse_config, parse_light_arg
from firmware_bridge.errors import ConfigError
from firmware_bridge.looks import Color
from firmware_bridge.states import Subject

GOOD = """\
[bridge]
prefix = "site-a"
mqtt = "mqtt://broker.local"
heartbeat_s = 10
ttl_s = 30

[looks.calm]
color = "#00C000"

[quiet_hours]
start = "20:00"
end = "07:00"
brightness = 25

[desks."d-17"]
light = "wled:wled/a1b2c3"

[desks."d-18"]
kind = "floorlight-serial"
address = "auto"
[desks."d-18".looks.alert]
period_ms = 250

[floor]
light = "tasmota:sup_floor"

[teams.billing]
light = "homeassistant:zigbee2mqtt/billing-lamp/set"
"""


def test_a_full_configuration() -> None:
    config = parse_config(GOOD, source="bridge.toml")
    assert config.prefix == "site-a" and config.mqtt_url == "mqtt://broker.local"
    assert [str(s) for s in config.lights] == [
        "d-17=wled:wled/a1b2c3", "d-18=floorlight-serial:auto", "floor=tasmota:sup_floor",
        "team/billing=homeassistant:zigbee2mqtt/billing-lamp/set"]
    assert config.lights[0].origin == "bridge.toml:16"
    assert config.looks.defaults["calm"].color == Color.parse("#00C000")
    d18 = config.looks.overrides[Subject("desk", "d-18")]["alert"]
    assert d18.period_ms == 250 and d18.color == Color.parse("#FF0000")  # rest from defaults
    assert config.looks.quiet is not None and config.looks.quiet.brightness == 25
    assert not config.auto_virtual  # lights are configured: unknown desks are not lit


@pytest.mark.parametrize(("text", "line", "message"), [
    ("[bridge]\nheartbeat = 5\n", 2, "unknown key 'heartbeat' (did you mean 'heartbeat_s'?) "
     "[bridge.heartbeat]"),
    ("[looks.calm]\ncolour = \"#00FF00\"\n", 2, "unknown key 'colour' (did you mean 'color'?)"),
    ("[looks.calm]\ncolor = \"green\"\n", 2, "colour must look like #RRGGBB"),
    ("[looks.panic]\ncolor = \"#FF0000\"\n", 1, "unknown key 'panic'"),
    ("[looks.alert]\neffect = \"strobe\"\n", 2, "effect must be one of"),
    ("\n\n[desks.d-1]\nlight = \"wled:\"\n", 4, "bad wled address"),
    ("[desks.d-1]\nlight = \"wledd:wled/1\"\n", 2, "unknown light kind 'wledd' (did you mean "
     "'wled'?)"),
    ("[desks.d-1]\nlamp = \"wled:wled/1\"\n", 2, "unknown key 'lamp'"),
    ("[desks.d-1]\n", 1, "d-1 needs 'light"),
    ("[bridge]\nttl_s = \"30\"\n", 2, "'ttl_s' must be int"),
    ("[bridge]\nttl_s = 10\nheartbeat_s = 6\n", 3, "heartbeat_s must be at most half of ttl_s"),
    ("[quiet_hours]\nstart = \"8pm\"\nend = \"07:00\"\n", 2, "'start' must be HH:MM"),
    ("[bridge]\nunknown_desks = \"light\"\n", 2, "unknown_desks must be one of"),
    ("[desk.d-1]\nlight = \"virtual\"\n", 1, "unknown key 'desk' (did you mean 'desks'?)"),
    ("[bridge\nprefix = 1\n", None, "not valid TOML"),
])
def test_typos_are_reported_with_file_line_and_key(text: str, line: int | None,
                                                   message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="bridge.toml")
    assert caught.value.line == line
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"bridge.toml:{line}: " if line else "bridge.toml")


def test_relative_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bridge.toml"
    path.write_text('[bridge]\nvirtual_file = "lights/v.json"\n')
    assert load_config(path).virtual_file == tmp_path / "lights" / "v.json"


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read configuration"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize(("text", "expected"), [
    ("d-17=floorlight-serial:auto", ("d-17", "floorlight-serial", "auto")),
    ("d-17=fit-statusb:/dev/ttyACM0", ("d-17", "fit-statusb", "/dev/ttyACM0")),
    ("d-17=busytag:", ("d-17", "busytag", "auto")),
    ("d-17=virtual", ("d-17", "virtual", "")),
    ("floor=wled:wled/a1b2c3", ("floor", "wled", "wled/a1b2c3")),
    ("team/billing=tasmota:lamp_1", ("team/billing", "tasmota", "lamp_1")),
    ("d-17=homeassistant:home/desk17/light/set", ("d-17", "homeassistant",
                                                   "home/desk17/light/set")),
    ("d-17=hid:1", ("d-17", "hid", "1")),
])
def test_light_arguments(text: str, expected: tuple[str, str, str]) -> None:
    spec = parse_light_arg(text)
    assert (spec.subject.label, spec.kind, spec.address) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("d-17", "expected DESK=KIND:ADDRESS"),
    ("=wled:x", "expected DESK=KIND:ADDRESS"),
    ("d-17=lamp:x", "unknown light kind 'lamp'"),
    ("d/17=wled:x", "may not contain"),
    ("d-17=tasmota:cmnd/lamp", "give the Tasmota topic"),
    ("d-17=wled:wled/+", "not a valid MQTT"),
])
def test_bad_light_arguments(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_light_arg(text)
