"""Floorlight's firmware bridge: desk states in, light commands out.

A library of its own: it knows desk states, looks and bytes, and imports nothing from
``models``, ``store``, ``monitor`` or ``dashboard``. Nothing happens at import time; the
CLI (:mod:`floorlight.commands.bridge`) reads configuration and builds a :class:`Bridge`.
"""

from firmware_bridge.errors import ConfigError, DeviceGone, LightError, NotALight

FIRMWARE_PROTOCOL_VERSION = 1

__all__ = ["FIRMWARE_PROTOCOL_VERSION", "ConfigError", "DeviceGone", "LightError", "NotALight"]
