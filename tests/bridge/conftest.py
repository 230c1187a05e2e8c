"""Fixtures for the bridge tests: a compiled host build of the firmware core, bridges
that are always stopped, device emulators that are always unplugged."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware_bridge.bridge import Bridge

FIRMWARE = Path(__file__).resolve().parents[2] / "firmware_bridge" / "firmware"
CORE = FIRMWARE / "lib" / "floorlight_core" / "src"
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"]


@pytest.fixture(scope="session")
def firmware_harness(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The firmware core + host harness, built as C++11 (what the ESP32 toolchain takes)
    with warnings as errors and address/undefined-behaviour sanitizers."""
    out = tmp_path_factory.mktemp("firmware") / "harness"
    sources = [*sorted(CORE.glob("*.cpp")), FIRMWARE / "host" / "harness.cpp"]
    subprocess.run(["g++", "-std=c++11", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-pedantic",
                    *SANITIZE, f"-I{CORE}", *map(str, sources), "-o", str(out)],
                   check=True, capture_output=True, text=True)
    return out


@pytest.fixture
def bridges() -> Iterator[list[Bridge]]:
    """Append started bridges here; they are stopped after the test, whatever happens."""
    started: list[Bridge] = []
    yield started
    for bridge in started:
        bridge.stop()


@pytest.fixture
def devices() -> Iterator[list]:
    """Append plugged-in emulators here; they are unplugged after the test."""
    plugged: list = []
    yield plugged
    for device in plugged:
        device.unplug()


@pytest.fixture
def drivers() -> Iterator[list]:
    """Append started light drivers here; they are stopped after the test."""
    started: list = []
    yield started
    for driver in started:
        driver.stop()
