"""A serial port that speaks lines or raw frames, with every pyserial failure turned into
:class:`DeviceGone` where it enters our code."""

from __future__ import annotations

import contextlib
import os
import select
import time
from dataclasses import dataclass

import serial
from serial.tools import list_ports

from firmware_bridge.errors import DeviceGone

MAX_LINE = 1024


@dataclass(frozen=True)
class PortInfo:
    """What the OS says about a serial port (USB ids and strings when it is USB)."""

    device: str
    vid: int | None = None
    pid: int | None = None
    manufacturer: str = ""
    product: str = ""
    serial_number: str = ""
    description: str = ""

    @property
    def usb_id(self) -> str:
        return f"{self.vid:04X}:{self.pid:04X}" if self.vid is not None else "-"


def list_serial_ports() -> list[PortInfo]:
    """Serial ports the OS knows, via pyserial."""
    return [PortInfo(p.device, p.vid, p.pid, p.manufacturer or "", p.product or "",
                     p.serial_number or "", p.description or "")
            for p in list_ports.comports()]


_GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL if hasattr(select, "poll") else 0


class SerialLink:
    """One open serial port. ``write_timeout`` bounds how long a stuck device can hold
    the writer; reads wait for a reply only as long as asked.

    pyserial opens and configures the port; on POSIX the bytes then go through the file
    descriptor with ``poll()``, because pyserial's own I/O uses ``select()``, which fails
    for descriptors >= 1024 — reached with a few hundred lights (each port costs pyserial
    five descriptors)."""

    def __init__(self, port: str, *, baudrate: int, write_timeout: float = 1.0) -> None:
        self.port = port
        self.baudrate = baudrate
        self.write_timeout = write_timeout
        self._serial: serial.Serial | None = None
        self._buffer = bytearray()

    def open(self) -> SerialLink:
        ser = serial.Serial()
        ser.port, ser.baudrate = self.port, self.baudrate
        ser.timeout, ser.write_timeout = 0.05, self.write_timeout
        # Classic ESP32 dev boards wire DTR/RTS to reset: keep both low so opening the
        # port does not reboot the light.
        ser.dtr = ser.rts = False
        try:
            ser.open()
        except (serial.SerialException, OSError, ValueError) as err:
            raise DeviceGone(f"cannot open {self.port}: {err}") from err
        self._serial = ser
        self._buffer.clear()
        return self

    def close(self) -> None:
        ser, self._serial = self._serial, None
        if ser is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                ser.close()

    @property
    def is_open(self) -> bool:
        return self._serial is not None

    def _port(self) -> serial.Serial:
        if self._serial is None:
            raise DeviceGone(f"{self.port} is not open")
        return self._serial

    def _fd(self) -> int | None:
        """The descriptor to poll, or None where pyserial has none (Windows)."""
        fd = getattr(self._port(), "fd", None)
        return fd if isinstance(fd, int) and _GONE else None

    def write(self, data: bytes) -> None:
        fd = self._fd()
        if fd is not None:
            self._write_fd(fd, data)
            return
        ser = self._port()
        try:
            ser.write(data)
        except serial.SerialTimeoutException as err:
            raise DeviceGone(f"{self.port}: write timed out (device not reading)") from err
        except (serial.SerialException, OSError, TypeError, ValueError) as err:
            # TypeError: pyserial's internals after the fd vanished under it.
            raise DeviceGone(f"{self.port}: write failed: {err}") from err

    def _write_fd(self, fd: int, data: bytes) -> None:
        deadline = time.monotonic() + self.write_timeout
        view = memoryview(data)
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        while view:
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                pass
            except OSError as err:
                raise DeviceGone(f"{self.port}: write failed: {err}") from err
            if not view:
                return
            left = deadline - time.monotonic()
            events = poller.poll(max(0, left) * 1000) if left > 0 else []
            if not events:
                raise DeviceGone(f"{self.port}: write timed out (device not reading)")
            if events[0][1] & _GONE:
                raise DeviceGone(f"{self.port}: device disconnected")

    def discard_input(self) -> None:
        self._buffer.clear()
        try:
            self._port().reset_input_buffer()
        except (serial.SerialException, OSError, TypeError) as err:
            raise DeviceGone(f"{self.port}: {err}") from err

    def check_alive(self) -> None:
        """Raise DeviceGone if the port has gone away (unplugged), without waiting.
        Anything the device said meanwhile is kept for the next readline()."""
        fd = self._fd()
        if fd is None:
            return  # nothing to poll (e.g. Windows): the next write will tell
        self._read_fd(fd, 0)
        del self._buffer[: -4 * MAX_LINE]  # a chatty device cannot grow it forever

    def _read_fd(self, fd: int, timeout: float) -> None:
        """Wait up to ``timeout`` for bytes and add them to the buffer."""
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        try:
            events = poller.poll(timeout * 1000)
            if not events:
                return
            if events[0][1] & select.POLLIN:
                data = os.read(fd, 1024)
                if data:
                    self._buffer += data
                    return
        except BlockingIOError:
            return
        except OSError as err:
            raise DeviceGone(f"{self.port}: {err}") from err
        raise DeviceGone(f"{self.port}: device disconnected")

    def readline(self, timeout: float) -> bytes | None:
        """One line without its ``\\r\\n``, or None if none came within ``timeout``."""
        deadline = time.monotonic() + timeout
        fd = self._fd()
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                line = bytes(self._buffer[:end]).rstrip(b"\r")
                del self._buffer[: end + 1]
                return line
            if len(self._buffer) > MAX_LINE:
                self._buffer.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if fd is not None:
                self._read_fd(fd, left)
                continue
            try:
                ser = self._port()
                self._buffer += ser.read(max(1, ser.in_waiting))
            except (serial.SerialException, OSError, TypeError, ValueError) as err:
                raise DeviceGone(f"{self.port}: read failed: {err}") from err
