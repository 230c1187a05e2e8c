"""A bridge process with many open files: serial lights still work when their ports get
descriptors above 1024 (pyserial's select()-based I/O cannot go there; a few hundred
lights, or many sockets, get there)."""

from __future__ import annotations

import os

from firmware_bridge.config import LightSpec
from firmware_bridge.drivers.base import Command
from firmware_bridge.lights import light_kinds
from firmware_bridge.looks import DEFAULT_LOOKS
from firmware_bridge.states import Subject
from tests.bridge.devices import FirmwareDevice
from tests.bridge.helpers import fast_env, wait_for

D1 = Subject("desk", "d-1")


def test_a_serial_light_on_a_descriptor_above_1024(devices) -> None:
    filler = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    driver = None
    try:
        device = FirmwareDevice("d-1")
        path = device.plug()
        devices.append(device)
        env = fast_env()
        driver = light_kinds()["floorlight-serial"].build(
            LightSpec(D1, "floorlight-serial", path), env)
        driver.start()
        driver.show(Command("alert", DEFAULT_LOOKS["alert"]))
        wait_for(lambda: device.commands, what="the command on the light")
        assert driver.link is not None and driver.link._fd() >= 1024
        wait_for(lambda: env.health.get(D1).last_ok, what="acked")
        device.unplug()  # and an unplug is still noticed
        wait_for(lambda: env.health.get(D1).online is False, what="offline")
    finally:
        if driver is not None:
            driver.stop()
        for fd in filler:
            os.close(fd)
