"""Each light kind turns a look into exactly the bytes or MQTT payload its device expects
(lights.md, to the letter)."""

from __future__ import annotations

import json

import pytest

from firmware_bridge.drivers.base import Command
from firmware_bridge.ha_discovery import discovery_message
from firmware_bridge.lights import (
    busytag,
    fit_statusb,
    floorlight_mqtt,
    homeassistant,
    light_kinds,
    mutesync,
    tasmota,
    wled,
)
from firmware_bridge.lights._floorlight_protocol import command_line, parse_reply
from firmware_bridge.looks import DEFAULT_LOOKS, Color, Look
from firmware_bridge.states import Subject
from firmware_bridge.transports.serial_link import PortInfo

RED_BLINK = Look(Color.parse("#FF0000"), "blink", period_ms=400, brightness=255)
GREEN = Look(Color.parse("#00FF00"))
OFF = DEFAULT_LOOKS["off"]


def test_every_kind_in_the_issue_is_a_module() -> None:
    assert set(light_kinds()) == {"floorlight-serial", "floorlight-mqtt", "fit-statusb",
                                  "busytag", "mutesync", "wled", "tasmota", "homeassistant",
                                  "hid", "virtual"}


def test_floorlight_command_line_matches_lights_md() -> None:
    assert command_line(RED_BLINK, seq=17, ttl_s=30) == (
        b'{"color":"#FF0000","effect":"blink","period_ms":400,"brightness":255,"ttl_s":30,'
        b'"seq":17}\n')


@pytest.mark.parametrize(("line", "fields"), [
    (b'{"pong":true,"fw":"1.0.0","desk":"d-17"}', dict(pong=True, fw="1.0.0", desk="d-17")),
    (b'{"ok":true,"seq":17}', dict(ok=True, seq=17)),
    (b'{"ok":false,"error":"bad color"}', dict(ok=False, error="bad color")),
])
def test_floorlight_replies(line: bytes, fields: dict) -> None:
    reply = parse_reply(line)
    assert reply is not None
    for key, value in fields.items():
        assert getattr(reply, key) == value


@pytest.mark.parametrize("noise", [b"ets Jun  8 2016 00:22:57", b"", b"[1]", b'{"x":1}'])
def test_floorlight_boot_noise_is_not_a_reply(noise: bytes) -> None:
    assert parse_reply(noise) is None


@pytest.mark.parametrize(("look", "expected"), [
    (GREEN, b"F0001\n#00FF00\n"),
    (Look(Color.parse("#00FF00"), brightness=128), b"F0001\n#008000\n"),
    (RED_BLINK, b"F0001\nB#FF0000-0200#000000-0200\n"),
    (Look(Color.parse("#FFB000"), "pulse", period_ms=2000), b"F1000\nB#FFB000-1000#000000-1000\n"),
    (OFF, b"F0001\n#000000\n"),
])
def test_fit_statusb_bytes(look: Look, expected: bytes) -> None:
    assert fit_statusb.encode(look) == expected


@pytest.mark.parametrize(("line", "colour"), [
    (b"(ff,00,00)", "#FF0000"), (b"#00FF00", "#00FF00"), (b"00,00,ff", "#0000FF"),
    (b"ERROR", None), (b"OK", None)])
def test_fit_statusb_g_reply(line: bytes, colour: str | None) -> None:
    assert fit_statusb.parse_colour_reply(line) == colour


def test_busytag_and_mutesync_bytes() -> None:
    assert busytag.encode_color(Color(255, 128, 0)) == b"AT+SC=127,ff8000\r\n"
    assert busytag.encode_color(Color(0, 0, 0)) == b"AT+SC=127,000000\r\n"
    assert mutesync.encode_color(Color(1, 2, 3)) == bytes([0x41, *[1, 2, 3] * 4])


def test_usb_identities() -> None:
    assert fit_statusb.claims_port(PortInfo("/dev/ttyACM0", 0x2047, 0x03DF))
    assert busytag.claims_port(PortInfo("/dev/ttyACM0", 0x303A, 0x81DF))
    cp210x = PortInfo("/dev/ttyUSB0", 0x10C4, 0xEA60, "Silicon Labs", "CP2102 USB to UART")
    assert not mutesync.claims_port(cp210x)  # a generic CP210x: maybe an ESP32, not MuteSync
    assert mutesync.claims_port(PortInfo("/dev/ttyUSB0", 0x10C4, 0xEA60, "mutesync", "button"))


def wled_payload(look: Look) -> dict:
    (message,) = wled.encode("wled/a1b2c3", Command("x", look))
    assert message.topic == "wled/a1b2c3/api" and not message.retain
    return json.loads(message.payload)


def test_wled_payloads_follow_the_json_api_with_nightlight_failsafe() -> None:
    nl = {"nl": {"on": True, "dur": 1, "mode": 0, "tbri": 0}, "win": "&NT=0"}
    assert wled_payload(GREEN) == {"on": True, "bri": 255,
                                   "seg": [{"col": [[0, 255, 0]], "fx": 0}], **nl}
    assert wled_payload(RED_BLINK) == {
        "on": True, "bri": 255, "seg": [{"col": [[255, 0, 0], [0, 0, 0]], "fx": 1, "sx": 235}],
        **nl}
    assert wled_payload(Look(Color.parse("#FFB000"), "pulse", 2000, 200)) == {
        "on": True, "bri": 200,
        "seg": [{"col": [[255, 176, 0], [0, 0, 0]], "fx": 2, "sx": 182}], **nl}
    assert wled.encode("wled/a1b2c3", Command("off", OFF))[0].payload == '{"on":false}'


def test_wled_effect_speeds_follow_wled_timing() -> None:
    assert wled.blink_speed(1100) == 200  # lights.md's example: sx 200 ≈ 1.1 s cycle
    assert wled.blink_speed(20_000) == 0 and wled.blink_speed(100) == 250
    assert wled.breathe_speed(6554) == 0 and wled.breathe_speed(100) == 255


@pytest.mark.parametrize(("look", "backlog"), [
    (GREEN, "Power BLINKOFF;Color #00FF00;Dimmer 100;Power ON"),
    (Look(Color.parse("#0000FF"), brightness=128),
     "Power BLINKOFF;Color #0000FF;Dimmer 50;Power ON"),
    (RED_BLINK, "BlinkTime 2;BlinkCount 0;Color #FF0000;Dimmer 100;Power BLINK"),
    (Look(Color.parse("#0000FF"), "blink", 1200), "BlinkTime 6;BlinkCount 0;Color #0000FF;"
                                                 "Dimmer 100;Power BLINK"),
    (OFF, "Power BLINKOFF;Power OFF"),
])
def test_tasmota_backlog(look: Look, backlog: str) -> None:
    (message,) = tasmota.encode("tasmota_1A2B3C", Command("x", look))
    assert (message.topic, message.payload, message.retain) == (
        "cmnd/tasmota_1A2B3C/Backlog", backlog, False)


@pytest.mark.parametrize(("payload", "ok"), [
    (b'{"POWER":"ON","Dimmer":100,"Color":"00FF00"}', True), (b'{"Command":"Unknown"}', False),
    (b"garbage", None)])
def test_tasmota_results(payload: bytes, ok: bool | None) -> None:
    reply = tasmota.parse_result(payload)
    assert (reply.ok if reply else None) == ok


@pytest.mark.parametrize(("look", "payload"), [
    (RED_BLINK, {"state": "ON", "brightness": 255, "color": {"r": 255, "g": 0, "b": 0},
                 "effect": "blink"}),
    (GREEN, {"state": "ON", "brightness": 255, "color": {"r": 0, "g": 255, "b": 0}}),
    (OFF, {"state": "OFF"}),
])
def test_home_assistant_json_light(look: Look, payload: dict) -> None:
    (message,) = homeassistant.encode("home/desk17/set", Command("x", look))
    assert message.topic == "home/desk17/set" and not message.retain
    assert json.loads(message.payload) == payload


def test_floorlight_mqtt_topics_and_acks() -> None:
    (message,) = floorlight_mqtt.encode("floorlight/desk/d-17", Command("alert", RED_BLINK), 5, 30)
    assert message.topic == "floorlight/desk/d-17/light/set" and not message.retain
    assert json.loads(message.payload)["seq"] == 5
    ack = floorlight_mqtt.parse_ack(b'{"ok":true,"seq":5}')
    assert ack is not None and ack.ok and ack.seq == 5
    assert floorlight_mqtt.parse_ack(b'{"pong":true,"fw":"1","desk":"d-17"}') is None


def test_home_assistant_discovery_config() -> None:
    message = discovery_message("floorlight", Subject("desk", "d-17"))
    assert message.topic == "homeassistant/sensor/floorlight/desk_d-17/config" and message.retain
    config = json.loads(message.payload)
    assert config["state_topic"] == "floorlight/desk/d-17/state"
    assert [a["topic"] for a in config["availability"]] == ["floorlight/monitor/status"]
    assert config["options"] == ["off", "calm", "watch", "alert", "acknowledged"]
    sharded = json.loads(discovery_message("floorlight", Subject("desk", "d-17"), (
        "floorlight/monitor/monitor-0of2/status", "floorlight/monitor/monitor-1of2/status",
    )).payload)
    assert config["availability_mode"] == sharded["availability_mode"] == "all"
    assert [a["topic"] for a in sharded["availability"]] == [
        "floorlight/monitor/monitor-0of2/status", "floorlight/monitor/monitor-1of2/status"]
