"""The USB HID driver against busylight-core's own ``Light`` class: the one place a fake is
right (no HID device on a test machine), and the fake is ``create_autospec`` of the real
class, so a call the library does not have, or with arguments it does not take, fails."""

from __future__ import annotations

from unittest.mock import call, create_autospec

import pytest
from busylight_core import Light

from firmware_bridge.config import LightSpec
from firmware_bridge.drivers.base import Command
from firmware_bridge.lights import light_kinds
from firmware_bridge.looks import DEFAULT_LOOKS
from firmware_bridge.states import Subject
from tests.bridge.helpers import fast_env, wait_for

D17 = Subject("desk", "d-17")
CALM = Command("calm", DEFAULT_LOOKS["calm"])
OFF = Command("off", DEFAULT_LOOKS["off"])
ALERT = Command("alert", DEFAULT_LOOKS["alert"])


def hid_light(path: str, name: str = "Flag", vendor: str = "Luxafor") -> Light:
    light = create_autospec(Light, instance=True)
    light.path, light.name = path, name
    light.vendor.return_value = vendor  # a class method in busylight-core, not a string
    return light


@pytest.fixture
def lights() -> list[Light]:
    return [hid_light("/dev/hidraw1", "Orb", "Kuando"), hid_light("/dev/hidraw2")]


def start(drivers: list, lights: list[Light], address: str):
    env = fast_env(hid_lights=lambda: list(lights))
    driver = light_kinds()["hid"].build(LightSpec(D17, "hid", address), env)
    driver.start()
    drivers.append(driver)
    return driver, env


def test_the_light_at_the_path_shows_each_state(drivers, lights) -> None:
    kuando, luxafor = lights
    driver, env = start(drivers, lights, "/dev/hidraw2")
    driver.show(CALM)
    wait_for(lambda: luxafor.on.called, what="the calm colour")
    assert luxafor.on.call_args == call((0, 255, 0))
    assert env.health.get(D17).detail == "Luxafor Flag" and env.health.get(D17).online
    driver.show(OFF)
    wait_for(lambda: luxafor.off.called, what="the light turned off")
    assert luxafor.off.call_args == call()
    assert not kuando.on.called and not kuando.off.called  # the other light is untouched


def test_an_index_address_picks_that_light_and_alert_blinks_in_software(drivers,
                                                                      lights) -> None:
    kuando, _ = lights
    driver, env = start(drivers, lights, "0")
    driver.show(ALERT)  # busylight-core has no blink: the bridge renders it
    wait_for(lambda: kuando.on.call_count >= 2 and kuando.off.call_count >= 2,
             what="two blinks")
    assert env.health.get(D17).detail == "Kuando Orb"
    assert all(c == call((255, 0, 0)) for c in kuando.on.call_args_list)


def test_a_failed_write_reconnects_and_releases_the_device(drivers, lights) -> None:
    _, luxafor = lights
    luxafor.on.side_effect = [OSError("device unplugged"), None, None, None]
    driver, env = start(drivers, lights, "/dev/hidraw2")
    driver.show(CALM)
    wait_for(lambda: driver.connects >= 2 and luxafor.on.call_count >= 2,
             what="the light shown after a reconnect")
    assert luxafor.release.call_count >= 1  # the failed handle was let go before reopening
    assert env.health.get(D17).last_error == "HID light write failed: device unplugged"
    assert env.health.get(D17).state == "calm"


def test_stop_shows_the_final_state_and_releases(drivers, lights) -> None:
    _, luxafor = lights
    driver, _env = start(drivers, lights, "/dev/hidraw2")
    driver.show(CALM)
    wait_for(lambda: luxafor.on.called, what="the calm colour")
    drivers.remove(driver)
    driver.stop(final=OFF)
    assert luxafor.off.call_args == call() and luxafor.release.call_args == call()


def test_a_missing_light_is_reported_not_guessed(drivers, lights) -> None:
    driver, env = start(drivers, lights, "/dev/hidraw9")
    driver.show(CALM)
    wait_for(lambda: env.health.get(D17).last_error, what="the error")
    assert env.health.get(D17).last_error == "no HID light at '/dev/hidraw9' (2 found)"
    assert not any(light.on.called for light in lights)
