"""Runs light tests: one thread per light under test (a slow light never holds up another
test), at most one test per light at a time. A new desk state for a light under test ends
its test at once, so a test never hides an alert for more than a moment."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from firmware_bridge.drivers.base import Command, LightDriver
from firmware_bridge.health import HealthBoard
from firmware_bridge.light_test import TEST_STATES, TestOutcome, TestRequest
from firmware_bridge.states import Subject

HOLD_S = 1.0
"""How long each state is shown during a test."""


class TestRunner:
    __test__ = False

    def __init__(self, *, driver_for: Callable[[Subject], LightDriver | None],
                 command: Callable[[Subject, str], Command],
                 restore: Callable[[Subject], None], health: HealthBoard,
                 on_done: Callable[[TestOutcome], None], hold_s: float = HOLD_S,
                 clock: Callable[[], float] = time.time,
                 logger: logging.Logger | None = None) -> None:
        self.driver_for, self.command, self.restore = driver_for, command, restore
        self.health, self.on_done, self.hold_s, self.clock = health, on_done, hold_s, clock
        self.log = logger or logging.getLogger(__name__)
        self._lock = threading.Lock()
        self._running: dict[Subject, threading.Event] = {}
        self._stopping = threading.Event()

    def request(self, request: TestRequest) -> None:
        subject = request.subject
        driver = self.driver_for(subject)
        if driver is None:
            self._done(request, f"no light is configured for {subject}")
            return
        with self._lock:
            if subject in self._running:
                self.log.info("test of %s already running: request from %s merged",
                              subject, request.origin)
                return
            interrupted = self._running[subject] = threading.Event()
        self.log.info("testing the light of %s (asked by %s via %s)", subject,
                      request.requested_by or "someone", request.origin)
        threading.Thread(target=self._cycle, args=(request, driver, interrupted), daemon=True,
                         name=f"test-{subject.label}").start()

    def testing(self, subject: Subject) -> bool:
        with self._lock:
            return subject in self._running

    def interrupt(self, subject: Subject) -> None:
        with self._lock:
            event = self._running.get(subject)
        if event is not None:
            event.set()

    def finish(self, subject: Subject) -> None:
        """Called by ``restore`` (under the bridge's lock) as the light goes back to its
        desk's state: from here on, states reach the light directly again."""
        with self._lock:
            self._running.pop(subject, None)

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            events = list(self._running.values())
        for event in events:
            event.set()

    def _cycle(self, request: TestRequest, driver: LightDriver,
               interrupted: threading.Event) -> None:
        subject, started, error = request.subject, self.clock(), None
        for state in TEST_STATES:
            driver.show(self.command(subject, state))
            if interrupted.wait(self.hold_s):
                error = ("bridge stopping" if self._stopping.is_set()
                         else "interrupted by a new state for the desk")
                break
        self.restore(subject)
        health = self.health.get(subject)
        if error is None and health is not None:
            if health.last_error_at is not None and health.last_error_at >= started:
                error = health.last_error
            elif health.online is False:
                error = health.last_error or "the light is offline"
        self._done(request, error)

    def _done(self, request: TestRequest, error: str | None) -> None:
        outcome = TestOutcome(self.clock(), request.subject.label, error is None, error,
                              request.requested_by, request.origin)
        if error:
            self.log.warning("light test of %s failed: %s", request.subject, error)
        self.on_done(outcome)
