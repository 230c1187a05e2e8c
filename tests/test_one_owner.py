"""Each vocabulary has one owner and everyone else imports it: desk states with their default
looks, cues with their severity order, speakers and languages, the time helpers and the MQTT
URL grammar. These tests fail the day someone copies one instead."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import firmware_bridge.states
import models.tracker
import monitor.engine
import monitor.events
import monitor.floor
import monitor.mqtt_link
import store.queries
from dashboard import i18n, tiles
from firmware_bridge.config import ConfigError
from firmware_bridge.ha_discovery import discovery_message
from firmware_bridge.looks import DEFAULT_LOOKS as LIGHT_LOOKS
from firmware_bridge.transports import mqtt_link as bridge_mqtt
from models import corpus, desk_states, text
from store import values
from store.mqtt_url import MqttUrlError


def test_desk_states_are_one_tuple_everywhere() -> None:
    for module in (models.tracker, monitor.floor, firmware_bridge.states):
        assert module.STATES is desk_states.STATES, module.__name__
    assert firmware_bridge.states.STALE is desk_states.STALE
    translated = {k.removeprefix("state_") for k in i18n.label_keys() if k.startswith("state_")}
    assert translated == {*desk_states.STATES, desk_states.STALE}


@pytest.mark.parametrize("state", [*desk_states.STATES, desk_states.STALE])
def test_the_dashboard_paints_each_state_as_the_light_shows_it(state: str) -> None:
    light = LIGHT_LOOKS[state]
    shown = light.color.scaled(light.brightness) if not light.dark else light.color
    assert tiles.LOOKS[state].colour == shown.hex
    (virtual,) = tiles.lights_from_states([type("Tile", (), {"desk_id": "d", "state": state})])
    assert (virtual.colour, virtual.effect) == (light.color.hex, light.effect)


def test_cue_severity_and_the_label_contract_have_one_home() -> None:
    assert store.queries.SEVERITY is corpus.SEVERITY
    assert monitor.events.SPEAKERS is corpus.SPEAKERS
    assert monitor.events.LANGS is text.LANGS


def test_time_helpers_have_one_home() -> None:
    assert monitor.engine.utc is values.utc and monitor.floor.iso is values.iso
    naive = datetime(2026, 3, 2, 9, 0, 0, 123000)
    assert values.iso(values.utc(naive)) == "2026-03-02T09:00:00.123Z"


def test_home_assistant_offers_exactly_the_desk_states() -> None:
    import json

    from firmware_bridge.states import Subject

    config = json.loads(discovery_message("fl", Subject("desk", "d-1")).payload)
    assert config["options"] == list(desk_states.STATES)


@pytest.mark.parametrize("url", [
    "mqtt://broker", "mqtts://u:p%40ss@broker:8884?ca=/etc/ca.pem", "mqtt://h:1884",
    "mqtts://h"])
def test_monitor_and_bridge_read_an_mqtt_url_alike(url: str) -> None:
    mine, theirs = monitor.mqtt_link.parse_mqtt_url(url), bridge_mqtt.parse_mqtt_url(url)
    fields = ("host", "port", "username", "password", "tls", "ca_file")
    assert [getattr(mine, f) for f in fields] == [getattr(theirs, f) for f in fields]


@pytest.mark.parametrize("url", ["http://h", "mqtt://", "mqtt://h:99999", "mqtt://h:0",
                                 "tcp://h:1883", "broker:1883", "broker"])
def test_monitor_and_bridge_refuse_the_same_mqtt_urls(url: str) -> None:
    with pytest.raises(MqttUrlError):
        monitor.mqtt_link.parse_mqtt_url(url)
    with pytest.raises(ConfigError):
        bridge_mqtt.parse_mqtt_url(url)


def test_utc_is_aware() -> None:
    assert values.utc(datetime(2026, 1, 1)).tzinfo is UTC
