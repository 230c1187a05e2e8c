"""Per-light health (online, last ok, last error) for the dashboard: kept in memory,
published on MQTT and written to a JSON file by whoever listens."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

from firmware_bridge.states import Subject


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


@dataclass(frozen=True)
class LightHealth:
    subject: Subject
    kind: str
    address: str
    online: bool | None = None  # None: not known yet (or the kind cannot tell)
    state: str | None = None  # the state the light was last told to show
    last_ok: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None
    detail: str = ""  # e.g. the port found by discovery, the firmware version
    last_test: dict[str, object] | None = None  # {"at", "ok", "error", ...} of the last test

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["subject"] = self.subject.label
        data["last_ok"] = _iso(self.last_ok)
        data["last_error_at"] = _iso(self.last_error_at)
        return {"v": 1, **data}


Listener = Callable[[LightHealth, bool], None]
"""Called with the new health and whether it changed in a way worth publishing now."""


class HealthBoard:
    """Thread-safe registry of every light's health. Significant changes (online/offline,
    a new error, recovery, the state shown) notify listeners at once; a bare "still ok"
    only moves ``last_ok`` and is left for the periodic snapshot."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._lock = threading.Lock()
        self._lights: dict[Subject, LightHealth] = {}
        self._listeners: list[Listener] = []
        self._clock = clock

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def register(self, subject: Subject, kind: str, address: str) -> None:
        self._update(subject, True, lambda h: h, LightHealth(subject, kind, address))

    def snapshot(self) -> dict[Subject, LightHealth]:
        with self._lock:
            return dict(self._lights)

    def get(self, subject: Subject) -> LightHealth | None:
        with self._lock:
            return self._lights.get(subject)

    def ok(self, subject: Subject, *, detail: str | None = None) -> None:
        now = self._clock()

        def change(h: LightHealth) -> LightHealth:
            # last_error stays: the dashboard compares last_ok with last_error_at.
            return replace(h, online=True, last_ok=now,
                           detail=h.detail if detail is None else detail)

        self._update(subject, None, change)

    def error(self, subject: Subject, message: str, *, offline: bool = True) -> None:
        now = self._clock()

        def change(h: LightHealth) -> LightHealth:
            online = False if offline else h.online
            return replace(h, online=online, last_error=message, last_error_at=now)

        self._update(subject, None, change)

    def online(self, subject: Subject, online: bool | None, *, detail: str | None = None) -> None:
        def change(h: LightHealth) -> LightHealth:
            return replace(h, online=online, detail=h.detail if detail is None else detail)

        self._update(subject, None, change)

    def tested(self, subject: Subject, outcome: dict[str, object]) -> None:
        self._update(subject, True, lambda h: replace(h, last_test=outcome))

    def shown(self, subject: Subject, state: str) -> None:
        self._update(subject, None, lambda h: replace(h, state=state))

    def _update(self, subject: Subject, force: bool | None,
                change: Callable[[LightHealth], LightHealth],
                initial: LightHealth | None = None) -> None:
        with self._lock:
            old = self._lights.get(subject)
            if old is None and initial is None:
                return
            new = change(old or initial)  # type: ignore[arg-type]
            self._lights[subject] = new
        significant = force or old is None or (
            old.online != new.online or old.last_error != new.last_error
            or old.state != new.state or old.detail != new.detail)
        for listener in self._listeners:
            listener(new, bool(significant))
