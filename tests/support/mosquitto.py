"""A real mosquitto broker for tests: a free localhost port, a temporary configuration,
started and stopped (and restartable on the same port, to test reconnects).

Use the ``mosquitto`` fixture from ``tests/conftest.py``, or :class:`MosquittoBroker`
directly (``with MosquittoBroker(tmp_path) as broker: broker.url``)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MosquittoBroker:
    """``start()``, ``stop()``, ``restart()``; ``host``, ``port``, ``url``. Retained
    messages are not persisted, so a restart starts empty unless ``persistence=True``."""

    def __init__(self, workdir: Path, *, port: int | None = None, persistence: bool = False,
                 extra_config: str = "") -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.config_path = self.workdir / "mosquitto.conf"
        self.log_path = self.workdir / "mosquitto.log"
        lines = [f"listener {self.port} {self.host}", "allow_anonymous true",
                 f"persistence {'true' if persistence else 'false'}",
                 f"persistence_location {self.workdir}/", "log_dest stderr",
                 "log_type error", "log_type warning", "max_queued_messages 100000",
                 *self._user_line(), extra_config]
        self.config_path.write_text("\n".join(lines) + "\n")
        self._process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def _user_line() -> list[str]:
        # Started as root, mosquitto drops to user "mosquitto", which may not write the
        # persistence file in our temporary directory: stay the user who started it.
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            return [f"user {pwd.getpwuid(0).pw_name}"]
        return []

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 10.0) -> MosquittoBroker:
        if self.running:
            return self
        log = self.log_path.open("ab")
        self._process = subprocess.Popen([MOSQUITTO, "-c", str(self.config_path)],
                                         stdout=log, stderr=log)
        log.close()
        if not self.listening(self.port, timeout):
            self.stop()
            raise RuntimeError(f"mosquitto did not listen on port {self.port}")
        return self

    def listening(self, port: int, timeout: float = 10.0) -> bool:
        """Wait until ``port`` accepts connections (a listener of ``extra_config`` may open
        a moment after the main one)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.log_path.read_text()[-2000:]}")
            try:
                with socket.create_connection((self.host, port), timeout=0.2):
                    return True
            except OSError:
                time.sleep(0.02)
        return False

    def stop(self, timeout: float = 5.0) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> MosquittoBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
