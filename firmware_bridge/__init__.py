"""Floorlight's firmware bridge: desk states in, light commands out.

A library of its own: it knows desk states, looks and bytes. From the rest of Floorlight it
imports only the pure vocabulary it shares with them (``store.services``, who is running),
never a classifier, a database layer, ``monitor`` or ``dashboard``. Nothing happens at
import time; the CLI (:mod:`floorlight.commands.bridge`) reads configuration and builds a
:class:`Bridge`.
"""

from firmware_bridge.errors import ConfigError, DeviceGone, LightError, NotALight

FIRMWARE_PROTOCOL_VERSION = 1

__all__ = ["FIRMWARE_PROTOCOL_VERSION", "ConfigError", "DeviceGone", "LightError", "NotALight"]
