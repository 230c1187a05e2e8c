"""The monitor package's one root exception, :class:`MonitorError`: also the root of
``EventRejected``, defined where it is raised. The CLI turns any
of them into one line (``floorlight/cli.py``)."""

from __future__ import annotations


class MonitorError(Exception):
    """Something the monitor or the ingest cannot go on with; the message
    names the file, key, line or event."""


class MonitorConfigError(MonitorError, ValueError):
    """A configuration file or setting that cannot be used; the message names the file and
    the key. (The bridge's own is :class:`firmware_bridge.errors.ConfigError`.)"""
