"""Virtual lights, the embedded default: the look is written where the dashboard shows it."""

from __future__ import annotations

from firmware_bridge.config import LightSpec
from firmware_bridge.drivers.base import BuildEnv
from firmware_bridge.drivers.virtual_driver import VirtualDriver
from firmware_bridge.errors import LightError

KIND = "virtual"
TRANSPORT = "virtual"


def check_address(address: str) -> str:
    return address


def build(spec: LightSpec, env: BuildEnv) -> VirtualDriver:
    if env.virtual is None:
        raise LightError("virtual lights need a file to write to")
    return VirtualDriver(spec, env, env.virtual)
