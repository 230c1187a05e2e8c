"""The bridge service: desk states in, each light kept showing its subject's look.

Threads: the source's (paho's network thread, or a poller) calls :meth:`Bridge.on_state`,
which only computes a look and hands it to the light's driver (never blocking on a
device); serial and HID drivers have a thread each; one scheduler thread runs MQTT
heartbeats, the stale fail-safe, quiet-hours changes and health output."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from types import ModuleType
from typing import Any

from firmware_bridge.config import BridgeConfig, LightSpec
from firmware_bridge.drivers.base import BuildEnv, Command, LightDriver
from firmware_bridge.drivers.virtual_driver import VirtualDriver
from firmware_bridge.errors import BadMessage
from firmware_bridge.ha_discovery import discovery_message
from firmware_bridge.health_out import HealthOutput
from firmware_bridge.light_test import TestOutcome, TestRequest
from firmware_bridge.requests_inbox import RequestInbox
from firmware_bridge.states import STALE, StateUpdate, Subject
from firmware_bridge.test_runner import HOLD_S, TestRunner
from store.services import BRIDGE_ID

STARTUP_GRACE_S = 2.0
"""A light whose subject has no state this long after start shows ``stale``."""
LOOK_REFRESH_S = 20.0
HEALTH_REFRESH_S = 30.0
HEALTH_FILE_S = 1.0


def local_now() -> datetime:
    return datetime.now().astimezone()


class Bridge:
    def __init__(self, config: BridgeConfig, *, env: BuildEnv, source: Any,
                 kinds: Mapping[str, ModuleType] | None = None,
                 now: Callable[[], datetime] = local_now, tick_s: float = 0.1,
                 startup_grace_s: float = STARTUP_GRACE_S, test_hold_s: float = HOLD_S,
                 requests_poll_s: float = 0.5) -> None:
        if kinds is None:
            from firmware_bridge.lights import light_kinds
            kinds = light_kinds()
        self.config, self.env, self.source, self.kinds = config, env, source, kinds
        self.log = env.logger
        self.now, self.tick_s, self.startup_grace_s = now, tick_s, startup_grace_s
        self.prefix = config.prefix
        self._lock = threading.RLock()
        self.drivers: dict[Subject, LightDriver] = {}
        self._states: dict[Subject, str] = {}
        self._shown: dict[Subject, Command] = {}
        self._stale_mode = False
        self._source_down_since: float | None = None
        self._source_reason = "not started"
        self._warned: set[Subject] = set()
        self._announced: set[Subject] = set()
        self._availability: tuple[str, ...] = ()  # the monitors' topics, for Home Assistant
        self._stop = threading.Event()
        self._scheduler = threading.Thread(target=self._run, daemon=True, name="bridge-scheduler")
        self.stats = {"states": 0, "bad_messages": 0, "unknown_subjects": 0, "stale_entries": 0}
        self.health_out = HealthOutput(env.health, prefix=self.prefix, mqtt=env.mqtt,
                                       path=config.health_file, bridge_info=self.info,
                                       logger=self.log)
        for spec in config.lights:
            self.drivers[spec.subject] = self.kinds[spec.kind].build(spec, env)
        self.last_test: dict[str, object] | None = None
        self.tests = TestRunner(driver_for=self._driver_for, command=self._command,
                                restore=self._restore_after_test, health=env.health,
                                on_done=self._test_done, hold_s=test_hold_s, logger=self.log)
        self._inbox = None if config.requests_dir is None else RequestInbox(
            config.requests_dir, handle=self.request_test, reject=self._test_rejected,
            interval_s=requests_poll_s, logger=self.log)

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        self._started = self.env.clock()
        if self.env.virtual is not None:
            self.env.virtual.start()
        for driver in list(self.drivers.values()):
            driver.start()
        if self.env.mqtt is not None:
            self.env.mqtt.on_connect(self._on_mqtt_connect)
            self.env.mqtt.watch(self.request_topic, self._on_mqtt_request)
        self.source.start(self)
        if self._inbox is not None:
            self._inbox.start()
        if self.env.mqtt is not None:
            self.env.mqtt.start()
        self._scheduler.start()
        self.log.info("bridge started: %d lights", len(self.drivers))

    def stop(self) -> None:
        self._stop.set()
        if self._inbox is not None:
            self._inbox.stop()
        self.tests.stop()
        self.source.stop()
        if self._scheduler.is_alive():
            self._scheduler.join(5)
        now = self.now()
        for subject, driver in list(self.drivers.items()):
            driver.stop(Command(STALE, self.config.looks.look_for(subject, STALE, now)))
        if self.env.virtual is not None:
            self.env.virtual.stop()
        self._source_reason = "bridge stopped"
        self.health_out.flush(force_file=True)
        if self.env.mqtt is not None:
            self.env.mqtt.stop(last=[(self.status_topic, "offline", True)])
        self.log.info("bridge stopped")

    @property
    def status_topic(self) -> str:
        return BRIDGE_ID.status_topic(self.prefix)

    @property
    def request_topic(self) -> str:
        return f"{self.prefix}/bridge/request"

    def info(self) -> dict[str, Any]:
        with self._lock:
            return {"status": "stopped" if self._stop.is_set() else "running",
                    "source_ok": self._source_down_since is None,
                    "source_problem": self._source_reason, "stale_mode": self._stale_mode,
                    "lights": len(self.drivers), "last_test": self.last_test, **self.stats}

    # -- the source's side ----------------------------------------------------------------
    def on_state(self, update: StateUpdate) -> None:
        subject = update.subject
        with self._lock:
            self.stats["states"] += 1
            driver = self.drivers.get(subject) or self._adopt(subject)
            if driver is None:
                return
            self._states[subject] = update.state
            if self.tests.testing(subject):
                self.tests.interrupt(subject)  # the test ends and shows this state
                return
            if self._stale_mode:
                return
            command = self._command(subject, update.state)
            if self._shown.get(subject) == command:
                return
            self._shown[subject] = command
        driver.show(command)

    def on_source_status(self, healthy: bool, reason: str) -> None:
        with self._lock:
            if healthy:
                self._source_down_since, self._source_reason = None, ""
                if self._stale_mode:
                    self._leave_stale_mode()
            elif self._source_down_since is None:
                self._source_down_since, self._source_reason = self.env.clock(), reason
                self.log.warning("desk states may be going stale: %s", reason)
            else:
                self._source_reason = reason

    def on_availability(self, topics: tuple[str, ...]) -> None:
        """The monitors' availability topics changed: announce every light again."""
        with self._lock:
            self._availability = topics
            self._announced.clear()

    def on_bad_message(self, where: str, error: str) -> None:
        with self._lock:
            self.stats["bad_messages"] += 1
        self.log.warning("ignored desk state from %s: %s", where, error)

    # -- internals ------------------------------------------------------------------------
    def _command(self, subject: Subject, state: str) -> Command:
        return Command(state, self.config.looks.look_for(subject, state, self.now()))

    def _adopt(self, subject: Subject) -> LightDriver | None:
        """A subject with no configured light: a virtual one, or a warning (once)."""
        if self.config.auto_virtual and self.env.virtual is not None:
            driver = VirtualDriver(LightSpec(subject, "virtual", "", "auto"), self.env,
                                   self.env.virtual)
            driver.start()
            self.drivers[subject] = driver
            return driver
        self.stats["unknown_subjects"] += 1
        if subject not in self._warned:
            self._warned.add(subject)
            self.log.warning("state for %s, which has no light configured: ignored", subject)
        return None

    def _show_all(self, commands: dict[Subject, Command]) -> None:
        for subject, command in commands.items():
            if self.tests.testing(subject):
                self.tests.interrupt(subject)  # its restore picks the right command
                continue
            self._shown[subject] = command
            self.drivers[subject].show(command)

    def _enter_stale_mode(self) -> None:
        self._stale_mode = True
        self.stats["stale_entries"] += 1
        self.log.error("no fresh desk states for %.0f s (%s): every light shows stale",
                       self.config.stale_after_s, self._source_reason)
        self._show_all({s: self._command(s, STALE) for s in self.drivers})

    def _leave_stale_mode(self) -> None:
        self._stale_mode = False
        self.log.info("desk states are fresh again: lights restored")
        self._show_all({s: self._command(s, self._states.get(s, STALE)) for s in self.drivers})

    def _on_mqtt_connect(self) -> None:
        mqtt = self.env.mqtt
        assert mqtt is not None
        mqtt.publish(self.status_topic, "online", retain=True)
        with self._lock:
            drivers = list(self.drivers.items())
        for _subject, driver in drivers:
            if driver.transport == "mqtt":
                driver.restore()
        if self.config.homeassistant_discovery:
            self._announced.clear()
            self._announce([s for s, _ in drivers])
        self.health_out.publish_all()

    def _announce(self, subjects: list[Subject]) -> None:
        assert self.env.mqtt is not None
        for subject in subjects:
            if subject not in self._announced:
                message = discovery_message(self.prefix, subject, self._availability)
                if self.env.mqtt.publish(message.topic, message.payload, retain=True):
                    self._announced.add(subject)

    def _run(self) -> None:
        clock = self.env.clock
        last_looks = last_health = last_file = clock()
        while not self._stop.wait(self.tick_s):
            now = clock()
            with self._lock:
                drivers = list(self.drivers.items())
                self._check_freshness(now)
            for _subject, driver in drivers:
                driver.tick(now)
            if now - last_looks >= LOOK_REFRESH_S:
                last_looks = now
                self._refresh_looks()
            if self.config.homeassistant_discovery and self.env.mqtt is not None \
                    and self.env.mqtt.connected:
                self._announce([s for s, _ in drivers])
            if now - last_file >= HEALTH_FILE_S:
                last_file = now
                self.health_out.flush()
            if now - last_health >= HEALTH_REFRESH_S:
                last_health = now
                self.health_out.refresh()

    def _check_freshness(self, now: float) -> None:
        down = self._source_down_since
        if down is not None and not self._stale_mode \
                and now - down >= self.config.stale_after_s:
            self._enter_stale_mode()
        if not self._stale_mode and now - self._started >= self.startup_grace_s:
            unset = {s: self._command(s, STALE) for s in self.drivers
                     if s not in self._states and s not in self._shown
                     and not self.tests.testing(s)}
            self._show_all(unset)

    def _refresh_looks(self) -> None:
        """Quiet hours begin and end: recompute every look, send the ones that changed."""
        with self._lock:
            changed = {}
            for subject, shown in self._shown.items():
                command = self._command(subject, shown.state)
                if command != shown:
                    changed[subject] = command
            self._show_all(changed)

    # -- light tests ----------------------------------------------------------------------
    def request_test(self, request: TestRequest) -> None:
        """Cycle a light through every state, then back to its desk's state (async)."""
        self.tests.request(request)

    def _driver_for(self, subject: Subject) -> LightDriver | None:
        with self._lock:
            return self.drivers.get(subject)

    def _restore_after_test(self, subject: Subject) -> None:
        with self._lock:
            self.tests.finish(subject)
            state = STALE if self._stale_mode else self._states.get(subject, STALE)
            command = self._command(subject, state)
            self._shown[subject] = command
            self.drivers[subject].show(command)  # never blocks; under the lock keeps order

    def _test_done(self, outcome: TestOutcome) -> None:
        report = outcome.to_json()
        with self._lock:
            self.last_test = report
            known = outcome.subject and Subject.parse(outcome.subject) in self.drivers
        if known:
            self.env.health.tested(Subject.parse(outcome.subject),
                                   {k: report[k] for k in ("at", "ok", "error")})
        self.health_out.flush(force_file=True)

    def _test_rejected(self, origin: str, reason: str) -> None:
        self.log.warning("test request %s rejected: %s", origin, reason)
        self._test_done(TestOutcome(time.time(), "", False, reason, origin=origin))

    def _on_mqtt_request(self, topic: str, payload: bytes, retained: bool) -> None:
        if retained:  # a stale request must not re-run on every reconnect
            self.log.warning("ignored a retained message on %s", topic)
            return
        try:
            request = TestRequest.from_json(payload, origin="mqtt")
        except BadMessage as err:
            self._test_rejected("mqtt", str(err))
            return
        self.request_test(request)
