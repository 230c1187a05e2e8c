"""Virtual lights: each one's look and health written atomically to a JSON file the
dashboard reads. One writer thread, at most one write per ``min_interval_s``."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from firmware_bridge.config import LightSpec
from firmware_bridge.drivers.base import BuildEnv, Command
from firmware_bridge.jsonfile import write_json_atomic
from firmware_bridge.states import Subject


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class VirtualBoard:
    """``{"v":1,"updated":…,"lights":{"d-17":{"state":…,"look":{…},"online":true,…}}}``"""

    def __init__(self, path: Path, *, min_interval_s: float = 0.2,
                 logger: logging.Logger | None = None) -> None:
        self.path = path
        self.min_interval_s = min_interval_s
        self.log = logger or logging.getLogger(__name__)
        self._cond = threading.Condition()
        self._lights: dict[str, dict[str, object]] = {}
        self._dirty = False
        self._stopping = False
        self._thread = threading.Thread(target=self._run, daemon=True, name="virtual-lights")
        self.writes = 0

    def start(self) -> None:
        self._thread.start()

    def set(self, subject: Subject, command: Command) -> None:
        entry = {"subject": subject.path, "state": command.state,
                 "look": command.look.to_json(), "online": True, "since": _now_iso()}
        with self._cond:
            old = self._lights.get(subject.label)
            if old and old["state"] == command.state and old["look"] == entry["look"]:
                return
            self._lights[subject.label] = entry
            self._dirty = True
            self._cond.notify()

    def snapshot(self) -> dict[str, dict[str, object]]:
        with self._cond:
            return {k: dict(v) for k, v in self._lights.items()}

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(5)
        self._write()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._dirty or self._stopping)
                if self._stopping:
                    return
            self._write()
            time.sleep(self.min_interval_s)

    def _write(self) -> None:
        with self._cond:
            lights, self._dirty = {k: dict(v) for k, v in self._lights.items()}, False
        try:
            write_json_atomic(self.path, {"v": 1, "updated": _now_iso(), "lights": lights})
            self.writes += 1
        except OSError as err:
            self.log.error("cannot write virtual lights to %s: %s", self.path, err)


class VirtualDriver:
    transport = "virtual"

    def __init__(self, spec: LightSpec, env: BuildEnv, board: VirtualBoard) -> None:
        self.spec, self.env, self.board = spec, env, board
        env.health.register(spec.subject, spec.kind, spec.address or str(board.path))

    def start(self) -> None:
        self.env.health.online(self.spec.subject, True)

    def show(self, command: Command) -> None:
        self.board.set(self.spec.subject, command)
        self.env.health.ok(self.spec.subject)
        self.env.health.shown(self.spec.subject, command.state)

    def restore(self) -> None:
        """The file always holds the current look."""

    def tick(self, now: float) -> None:
        """Nothing to keep alive."""

    def stop(self, final: Command | None = None) -> None:
        if final is not None:
            self.board.set(self.spec.subject, final)
            self.env.health.shown(self.spec.subject, final.state)
