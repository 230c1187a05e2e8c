"""Serial lights against real pseudo-terminals, each with a device emulator speaking its
protocol byte for byte: discovery by ping or USB id, verification, heartbeats,
unplug/replug on a new port name, slow and dead devices, ports that are not lights."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import tty
from pathlib import Path

import pytest

from firmware_bridge.config import LightSpec
from firmware_bridge.drivers.base import BuildEnv, Command
from firmware_bridge.lights import light_kinds
from firmware_bridge.looks import DEFAULT_LOOKS, Color, Look
from firmware_bridge.states import Subject
from tests.bridge.devices import (
    BusyTagDevice,
    FirmwareDevice,
    FitStatUsbDevice,
    ModemDevice,
    MuteSyncDevice,
)
from tests.bridge.helpers import FakePorts, fast_env, wait_for

D17 = Subject("desk", "d-17")
RED_BLINK = Command("alert", DEFAULT_LOOKS["alert"])
CALM = Command("calm", DEFAULT_LOOKS["calm"])


@pytest.fixture
def ports() -> FakePorts:
    return FakePorts()


def start(drivers: list, env: BuildEnv, kind: str, address: str, subject: Subject = D17):
    driver = light_kinds()[kind].build(LightSpec(subject, kind, address), env)
    driver.start()
    drivers.append(driver)
    return driver


def plug(devices: list, device, ports: FakePorts | None = None, **usb) -> str:
    path = device.plug()
    devices.append(device)
    if ports is not None:
        ports.add(path, **usb)
    return path


def replug(devices: list, device, ports: FakePorts | None = None, **usb) -> str:
    """Plug ``device`` back in under a new port name, as USB re-enumeration may do (the
    kernel would reuse the freed pty number, so a spare pty holds it meanwhile)."""
    spare = os.openpty()
    try:
        return plug(devices[:0], device, ports, **usb)
    finally:
        for fd in spare:
            os.close(fd)


def look_of(command: dict) -> tuple:
    return (command["color"], command["effect"], command["period_ms"], command["brightness"])


ALERT_LOOK = ("#FF0000", "blink", 400, 255)


def test_firmware_found_by_ping_among_other_devices(ports, devices, drivers) -> None:
    modem, other, mine = ModemDevice(), FirmwareDevice("d-18"), FirmwareDevice("d-17",
                                                                               boot_noise=True)
    for device in (modem, other, mine):
        plug(devices, device, ports)
    env = fast_env(serial_ports=ports)
    driver = start(drivers, env, "floorlight-serial", "auto")
    driver.show(RED_BLINK)
    wait_for(lambda: mine.commands, what="the command on d-17's light")
    assert mine.lines[-1] == (b'{"color":"#FF0000","effect":"blink","period_ms":400,'
                              b'"brightness":255,"ttl_s":2,"seq":1}')
    assert not other.commands  # d-18's light was pinged, never driven
    health = wait_for(lambda: (h := env.health.get(D17)) and h.last_ok and h)
    assert health.online and mine.path in health.detail and "firmware 1.0.0" in health.detail
    assert not env.claims.claimed(other.path) and not env.claims.claimed(modem.path)


def test_heartbeat_resends_the_current_command_with_new_seqs(ports, devices, drivers) -> None:
    device = FirmwareDevice()
    path = plug(devices, device)
    driver = start(drivers, fast_env(), "floorlight-serial", path)
    driver.show(RED_BLINK)
    wait_for(lambda: len(device.commands) >= 3, what="heartbeats")
    assert {look_of(c) for c in device.commands} == {ALERT_LOOK}
    seqs = [c["seq"] for c in device.commands]
    assert seqs == sorted(set(seqs))


def test_unplugged_light_is_found_again_on_a_new_port_and_restored(ports, devices,
                                                                   drivers) -> None:
    device = FirmwareDevice()
    first = plug(devices, device, ports)
    env = fast_env(serial_ports=ports)
    driver = start(drivers, env, "floorlight-serial", "auto")
    driver.show(CALM)
    wait_for(lambda: device.commands, what="first command")
    device.unplug()
    ports.remove(first)
    wait_for(lambda: env.health.get(D17).online is False, what="the light reported offline")
    driver.show(RED_BLINK)  # the state moves on while the light is away
    with device.lock:
        device.commands.clear()
    second = replug(devices, device, ports)
    assert second != first
    wait_for(lambda: device.commands and look_of(device.commands[-1]) == ALERT_LOOK,
             what="the newest state restored after the replug")
    assert wait_for(lambda: (h := env.health.get(D17)).online and second in h.detail and h)


def test_a_slow_light_gets_the_newest_state_not_a_backlog(ports, devices, drivers) -> None:
    device = FirmwareDevice(delay_s=0.15)  # takes 150 ms per line
    path = plug(devices, device)
    driver = start(drivers, fast_env(heartbeat_s=5.0, ack_timeout_s=1.0), "floorlight-serial",
                   path)
    wait_for(lambda: device.pings, what="the light verified")
    for brightness in range(1, 41):
        driver.show(Command("calm", Look(Color.parse("#00FF00"), brightness=brightness)))
    wait_for(lambda: device.commands and device.commands[-1]["brightness"] == 40,
             what="the newest state")
    assert len(device.commands) <= 3  # the first, maybe one in between, and the newest
    assert driver.coalesced >= 37


def test_one_dead_light_never_delays_another(ports, devices, drivers) -> None:
    dead, alive = FirmwareDevice("d-1"), FitStatUsbDevice()
    dead_path, alive_path = plug(devices, dead), plug(devices, alive)
    env = fast_env(ack_timeout_s=1.0)
    dead_driver = start(drivers, env, "floorlight-serial", dead_path, Subject("desk", "d-1"))
    alive_driver = start(drivers, env, "fit-statusb", alive_path, Subject("desk", "d-2"))
    wait_for(lambda: dead.pings and alive.lines, what="both lights verified")
    dead.ack = False  # the controller hangs: it reads but never answers
    dead_driver.show(RED_BLINK)
    for brightness in (10, 20, 30):
        alive_driver.show(Command("calm", Look(Color.parse("#00FF00"), brightness=brightness)))
        wait_for(lambda b=brightness: alive.lines and alive.lines[-1] ==
                 f"#00{round(255 * b / 255):02X}00".encode(), what="the live light updated")
    assert dead.commands == []  # still waiting for the dead light's ack all along
    wait_for(lambda: "no ack" in (env.health.get(Subject("desk", "d-1")).last_error or ""),
             what="the dead light reported")


def test_the_real_firmware_core_over_a_pty(ports, drivers, firmware_harness: Path) -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    device = subprocess.Popen([str(firmware_harness), "--realtime", "--boot-noise", "--desk",
                               "d-17"], stdin=master, stdout=master)
    try:
        ports.add(path)
        env = fast_env(serial_ports=ports, heartbeat_s=0.2)
        driver = start(drivers, env, "floorlight-serial", "auto")
        driver.show(RED_BLINK)
        health = wait_for(lambda: (h := env.health.get(D17)) and h.last_ok and h)
        assert "firmware 1.0.0-host, desk d-17" in health.detail
        first_ok = health.last_ok
        wait_for(lambda: env.health.get(D17).last_ok > first_ok, what="acked heartbeats")
        assert env.health.get(D17).last_error is None
    finally:
        for driver in drivers:
            driver.stop()
        drivers.clear()
        device.kill()
        device.wait()
        os.close(master)
        os.close(slave)


@pytest.mark.parametrize(("kind", "error"), [
    ("floorlight-serial", "not a Floorlight light"), ("fit-statusb", "not a fit-statUSB")])
def test_a_port_that_is_not_a_light(devices, drivers, kind: str, error: str) -> None:
    modem = ModemDevice()
    path = plug(devices, modem)
    env = fast_env()
    driver = start(drivers, env, kind, path)
    driver.show(RED_BLINK)
    health = wait_for(lambda: (h := env.health.get(D17)) and h.last_error and h)
    assert error in health.last_error and health.online is False
    assert all(line in (b'{"cmd":"ping"}', b"G") for line in modem.lines)


def test_fit_statusb_found_by_usb_id_verified_with_g_and_replugged(ports, devices,
                                                                   drivers) -> None:
    device = FitStatUsbDevice()
    ids = {"vid_pid": (0x2047, 0x03DF)}
    first = plug(devices, device, ports, **ids)
    env = fast_env(serial_ports=ports, heartbeat_s=5.0)
    driver = start(drivers, env, "fit-statusb", "auto")
    driver.show(RED_BLINK)
    wait_for(lambda: device.received.endswith(b"B#FF0000-0200#000000-0200\n"), what="blink")
    assert bytes(device.received) == b"G\nF0001\nB#FF0000-0200#000000-0200\n"
    assert "fit-statUSB showing #000000" in env.health.get(D17).detail
    device.unplug()
    ports.remove(first)
    wait_for(lambda: env.health.get(D17).online is False, what="offline")
    with device.lock:
        device.received.clear()
    assert replug(devices, device, ports, **ids) != first
    wait_for(lambda: device.received.endswith(b"B#FF0000-0200#000000-0200\n"), what="restore")
    assert bytes(device.received) == b"G\nF0001\nB#FF0000-0200#000000-0200\n"
    assert device.color == "FF0000"


def test_busytag_blinks_in_software(ports, devices, drivers) -> None:
    device = BusyTagDevice()
    plug(devices, device, ports, vid_pid=(0x303A, 0x81DF))
    env = fast_env(serial_ports=ports)
    driver = start(drivers, env, "busytag", "auto")
    driver.show(RED_BLINK)
    wait_for(lambda: len(device.colors) >= 5, what="blink frames")
    colours = device.colors[:5]
    assert set(colours) == {"ff0000", "000000"}
    assert all(a != b for a, b in itertools.pairwise(colours))
    assert device.lines[0] == b"AT+SC=127,ff0000"
    assert env.health.get(D17).last_ok is not None


def test_mutesync_frames(ports, devices, drivers) -> None:
    device = MuteSyncDevice()
    plug(devices, device, ports, product="mutesync button")
    ports.ports[-1] = ports.ports[-1].__class__(device.path, 0x10C4, 0xEA60, "mutesync", "button")
    driver = start(drivers, fast_env(serial_ports=ports), "mutesync", "auto")
    driver.show(Command("calm", Look(Color.parse("#00FF00"), brightness=128)))
    wait_for(lambda: device.colors, what="a frame")
    assert device.colors[0] == (0, 128, 0)
    assert bytes(device.received[:13]) == bytes([0x41, *[0, 128, 0] * 4])


def test_stopping_leaves_the_light_showing_stale(devices, drivers) -> None:
    device = FirmwareDevice()
    path = plug(devices, device)
    driver = start(drivers, fast_env(heartbeat_s=5.0), "floorlight-serial", path)
    driver.show(CALM)
    wait_for(lambda: device.commands, what="calm shown")
    driver.stop(Command("stale", DEFAULT_LOOKS["stale"]))
    wait_for(lambda: device.commands[-1]["effect"] == "pulse", what="stale shown")
    assert json.dumps(device.commands[-1]).count("#FFFFFF") == 1
