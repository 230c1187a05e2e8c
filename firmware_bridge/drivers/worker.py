"""A driver with a thread of its own, for lights behind a blocking transport (serial
ports, USB HID). The thread owns the device; ``show()`` only swaps the wanted command, so
a slow device sees the newest state and never a backlog."""

from __future__ import annotations

import threading

from firmware_bridge.config import LightSpec
from firmware_bridge.drivers.base import BuildEnv, Command
from firmware_bridge.errors import LightError, Rejected
from firmware_bridge.looks import Color
from firmware_bridge.render import frame_at

CHECK_S = 0.5
"""How often an idle driver checks its device is still there (an unplugged light is
noticed within this, not at the next heartbeat)."""


class ThreadedDriver:
    """Subclasses implement ``_connect`` (raise LightError), ``_disconnect``, and either
    ``_emit`` (hardware effects) or ``_emit_color`` (the bridge renders effects)."""

    transport = "serial"
    software_effects = False

    def __init__(self, spec: LightSpec, env: BuildEnv, *, heartbeat_s: float | None = None
                 ) -> None:
        self.spec = spec
        self.env = env
        self.log = env.logger.getChild(spec.kind)
        self.heartbeat_s = heartbeat_s or env.heartbeat_s
        self._cond = threading.Condition()
        self._wanted: Command | None = None
        self._dirty = False
        self._stopping = False
        self._final: Command | None = None
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"light-{spec.subject.label}")
        self.writes = 0
        self.coalesced = 0
        self.connects = 0
        env.health.register(spec.subject, spec.kind, spec.address)

    # -- the bridge's side ----------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def show(self, command: Command) -> None:
        with self._cond:
            if self._dirty:
                self.coalesced += 1
            self._wanted, self._dirty = command, True
            self._cond.notify()

    def restore(self) -> None:
        with self._cond:
            self._dirty = self._wanted is not None
            self._cond.notify()

    def tick(self, now: float) -> None:
        """Heartbeats are timed by the driver's own thread."""

    def stop(self, final: Command | None = None, timeout: float = 3.0) -> None:
        with self._cond:
            self._stopping, self._final = True, final
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(timeout)

    # -- the device's side ----------------------------------------------------------------
    def _connect(self) -> str:
        raise NotImplementedError

    def _disconnect(self) -> None:
        raise NotImplementedError

    def _emit(self, command: Command) -> None:
        raise NotImplementedError

    def _emit_color(self, color: Color) -> None:
        raise NotImplementedError

    def _check(self) -> None:
        """Raise LightError if the device is gone (optional)."""

    def _sleep(self, seconds: float) -> bool:
        """Wait, waking early on stop; True when stopping."""
        with self._cond:
            self._cond.wait_for(lambda: self._stopping, timeout=seconds)
            return self._stopping

    def _run(self) -> None:
        backoff = self.env.backoff()
        health, subject = self.env.health, self.spec.subject
        while not self._stopping:
            try:
                detail = self._connect()
            except Exception as err:  # a bug or a library surprise must not end the thread
                self._failed(err, connecting=True)
                if self._sleep(backoff.next()):
                    return
                continue
            self.connects += 1
            backoff.reset()
            health.ok(subject, detail=detail)
            try:
                self._serve()
            except Exception as err:
                self._failed(err, connecting=False)
            finally:
                self._disconnect()

    def _failed(self, err: Exception, *, connecting: bool) -> None:
        """Report a failure; anything but a LightError is unexpected and logged in full,
        and the driver goes on retrying with backoff rather than leaving its light dead."""
        subject = self.spec.subject
        if isinstance(err, LightError):
            self.env.health.error(subject, str(err))
            if connecting:
                self.log.debug("%s: %s", subject, err)
            else:
                self.log.warning("%s: %s; reconnecting", subject, err)
            return
        self.env.health.error(subject, f"unexpected {type(err).__name__}: {err}")
        self.log.exception("%s: unexpected error; retrying", subject)

    def _serve(self) -> None:
        clock, health, subject = self.env.clock, self.env.health, self.spec.subject
        with self._cond:
            self._dirty = self._wanted is not None  # restore after every (re)connect
        last_sent = float("-inf")
        effect_start = clock()
        shown_color: Color | None = None
        frame_due: float | None = None
        while True:
            with self._cond:
                while not (self._dirty or self._stopping):
                    now = clock()
                    due = [last_sent + self.heartbeat_s] if self._wanted is not None else []
                    due += [frame_due] if frame_due is not None else []
                    wake = min(due, default=now + self.heartbeat_s)
                    if now >= wake:
                        break
                    self._cond.wait(min(wake - now, CHECK_S))
                    if not (self._dirty or self._stopping) and clock() < wake:
                        self._check()
                if self._stopping:
                    self._farewell()
                    return
                command, fresh = self._wanted, self._dirty
                self._dirty = False
            if command is None:
                continue
            now = clock()
            heartbeat = now - last_sent >= self.heartbeat_s
            try:
                if self.software_effects:
                    if fresh:
                        effect_start = now
                    color, next_change = frame_at(command.look, now - effect_start)
                    frame_due = None if next_change is None else now + next_change
                    if not (fresh or heartbeat or color != shown_color):
                        continue
                    self._emit_color(color)
                    shown_color = color
                elif fresh or heartbeat:
                    self._emit(command)
                else:
                    continue
            except Rejected as err:
                health.error(subject, str(err), offline=False)
                last_sent = now
                continue
            self.writes += 1
            last_sent = now
            health.ok(subject)
            if fresh:
                health.shown(subject, command.state)

    def _farewell(self) -> None:
        final = self._final
        if final is None:
            return
        try:
            if self.software_effects:
                self._emit_color(final.look.color.scaled(final.look.brightness)
                                 if not final.look.dark else Color(0, 0, 0))
            else:
                self._emit(final)
        except LightError as err:
            self.log.debug("%s: final command not shown: %s", self.spec.subject, err)
            return
        self.env.health.shown(self.spec.subject, final.state)

