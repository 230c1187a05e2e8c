"""The folder the dashboard drops test requests into (``test-<desk>-<ms>.json``), polled
on a thread. A request is read, deleted and handed on; one that cannot be used is renamed
``<name>.rejected`` (kept for inspection, never read again) and reported."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from firmware_bridge.errors import BadMessage
from firmware_bridge.light_test import MAX_REQUEST_BYTES, TestRequest

POLL_S = 0.5
SETTLE_S = 2.0
"""A file that does not parse yet may still be being written by a non-atomic writer:
it is given this long before it is rejected."""


class RequestInbox:
    def __init__(self, folder: Path, *, handle: Callable[[TestRequest], None],
                 reject: Callable[[str, str], None], interval_s: float = POLL_S,
                 logger: logging.Logger | None = None) -> None:
        self.folder, self.handle, self.reject = folder, handle, reject
        self.interval_s = interval_s
        self.log = logger or logging.getLogger(__name__)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="test-requests")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def poll_once(self) -> None:
        try:
            paths = sorted(self.folder.glob("test-*.json"))
        except OSError as err:
            self.log.warning("cannot list test requests in %s: %s", self.folder, err)
            return
        for path in paths:
            self._take(path)

    def _take(self, path: Path) -> None:
        try:
            payload = path.read_bytes()[: MAX_REQUEST_BYTES + 1]
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            return  # taken meanwhile (a second bridge, or the dashboard withdrew it)
        except OSError as err:
            self._set_aside(path, f"cannot read: {err}")
            return
        try:
            request = TestRequest.from_json(payload, origin=path.name)
        except BadMessage as err:
            if age >= SETTLE_S or len(payload) > MAX_REQUEST_BYTES:
                self._set_aside(path, str(err))
            return
        try:
            path.unlink()
        except FileNotFoundError:
            return  # someone else took it
        except OSError as err:
            self.log.error("cannot delete test request %s: %s (not run)", path, err)
            return
        self.handle(request)

    def _set_aside(self, path: Path, reason: str) -> None:
        try:
            path.replace(path.with_name(path.name + ".rejected"))
        except OSError as err:
            reason += f" (and it could not be set aside: {err})"
        self.reject(path.name, reason)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.poll_once()
