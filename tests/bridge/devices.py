"""Device emulators on real pseudo-terminals: each speaks its light's serial protocol byte
for byte and answers as the device would. ``plug()`` opens a new pty (a new port name,
like a USB replug), ``unplug()`` closes it under the bridge."""

from __future__ import annotations

import json
import os
import re
import select
import threading
import time
import tty


class PtyDevice:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received = bytearray()
        self.path = ""
        self.plugs = 0
        self._master: int | None = None
        self._slave: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def plug(self) -> str:
        master, slave = os.openpty()
        tty.setraw(slave)
        self._master, self._slave = master, slave
        self.path = os.ttyname(slave)
        self.plugs += 1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=(master, self._stop), daemon=True)
        self._thread.start()
        return self.path

    def unplug(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None

    def send(self, data: bytes) -> None:
        if self._master is not None:
            os.write(self._master, data)

    def _loop(self, master: int, stop: threading.Event) -> None:
        while not stop.is_set():
            poller = select.poll()  # not select(): descriptors may be above 1024
            poller.register(master, select.POLLIN)
            if not poller.poll(20):
                continue
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            with self.lock:
                self.received += data
            self.feed(data)

    def feed(self, data: bytes) -> None:
        """Handle bytes from the bridge (subclasses)."""


class LineDevice(PtyDevice):
    def __init__(self) -> None:
        super().__init__()
        self._buffer = b""
        self.lines: list[bytes] = []

    def feed(self, data: bytes) -> None:
        self._buffer += data
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            line = line.rstrip(b"\r")
            with self.lock:
                self.lines.append(line)
            self.on_line(line)

    def on_line(self, line: bytes) -> None:
        """Answer one line (subclasses)."""


class FirmwareDevice(LineDevice):
    """Floorlight firmware: pong, seq acks, {"ok":false} for what it cannot use.
    ``delay_s`` makes it slow (it stops reading while it works); ``ack=False`` dead."""

    def __init__(self, desk: str = "d-17", fw: str = "1.0.0", *, delay_s: float = 0.0,
                 ack: bool = True, boot_noise: bool = False) -> None:
        super().__init__()
        self.desk, self.fw, self.delay_s = desk, fw, delay_s
        self.ack, self.boot_noise = ack, boot_noise
        self.commands: list[dict] = []
        self.pings = 0

    def plug(self) -> str:
        path = super().plug()
        if self.boot_noise:
            self.send(b"ets Jun  8 2016 00:22:57\r\nrst:0x1 (POWERON_RESET)\r\n")
        return path

    def on_line(self, line: bytes) -> None:
        if self.delay_s:
            time.sleep(self.delay_s)
        if not self.ack:
            return
        try:
            data = json.loads(line)
        except ValueError:
            self.send(b'{"ok":false,"error":"bad json"}\n')
            return
        if data == {"cmd": "ping"}:
            self.pings += 1
            self.send(json.dumps({"pong": True, "fw": self.fw, "desk": self.desk},
                                 separators=(",", ":")).encode() + b"\n")
            return
        with self.lock:
            self.commands.append(data)
        self.send(json.dumps({"ok": True, "seq": data.get("seq")},
                             separators=(",", ":")).encode() + b"\n")


class FitStatUsbDevice(LineDevice):
    """fit-statUSB: #RRGGBB, B#…-tttt#…-tttt, Fnnnn; G answers the colour as (rr,gg,bb)."""

    def __init__(self) -> None:
        super().__init__()
        self.color = "000000"
        self.fade = "0001"

    def on_line(self, line: bytes) -> None:
        text = line.decode()
        if text == "G":
            r, g, b = self.color[0:2], self.color[2:4], self.color[4:6]
            self.send(f"({r.lower()},{g.lower()},{b.lower()})\r\n".encode())
        elif re.fullmatch(r"#[0-9A-F]{6}", text):
            self.color = text[1:]
        elif re.fullmatch(r"B(#[0-9A-F]{6}-\d{4})+", text):
            self.color = text[2:8]
        elif re.fullmatch(r"F\d{4}", text):
            self.fade = text[1:]


class BusyTagDevice(LineDevice):
    def __init__(self) -> None:
        super().__init__()
        self.colors: list[str] = []

    def on_line(self, line: bytes) -> None:
        found = re.fullmatch(rb"AT\+SC=127,([0-9a-f]{6})", line)
        if found:
            with self.lock:
                self.colors.append(found[1].decode())
            self.send(b"OK\r\n")
        else:
            self.send(b"ERROR\r\n")


class MuteSyncDevice(PtyDevice):
    def __init__(self) -> None:
        super().__init__()
        self._buffer = b""
        self.colors: list[tuple[int, int, int]] = []

    def feed(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) >= 13:
            frame, self._buffer = self._buffer[:13], self._buffer[13:]
            assert frame[0] == 0x41 and frame[1:4] * 4 == frame[1:], frame
            with self.lock:
                self.colors.append((frame[1], frame[2], frame[3]))


class ModemDevice(LineDevice):
    """Not a light: answers every line with a modem's ERROR."""

    def on_line(self, line: bytes) -> None:
        self.send(b"\r\nERROR\r\n")
