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


class SerialLink:
    """One open serial port. ``write_timeout`` bounds how long a stuck device can hold
    the writer; reads poll briefly so a reply is seen as soon as it arrives."""

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

    def write(self, data: bytes) -> None:
        ser = self._port()
        try:
            ser.write(data)
            ser.flush()
        except serial.SerialTimeoutException as err:
            raise DeviceGone(f"{self.port}: write timed out (device not reading)") from err
        except (serial.SerialException, OSError, TypeError) as err:
            # TypeError: pyserial's internals after the fd vanished under it.
            raise DeviceGone(f"{self.port}: write failed: {err}") from err

    def discard_input(self) -> None:
        self._buffer.clear()
        try:
            self._port().reset_input_buffer()
        except (serial.SerialException, OSError, TypeError) as err:
            raise DeviceGone(f"{self.port}: {err}") from err

    def check_alive(self) -> None:
        """Raise DeviceGone if the port has gone away (unplugged), without waiting.
        Anything the device said meanwhile is kept for the next readline()."""
        ser = self._port()
        try:
            fd = ser.fileno()
        except (AttributeError, ValueError, serial.SerialException):
            return  # no file descriptor to poll (e.g. Windows): the next write will tell
        try:
            readable, _, _ = select.select([fd], [], [], 0)
            if readable:
                data = os.read(fd, 1024)
                if not data:
                    raise DeviceGone(f"{self.port}: device disconnected")
                self._buffer += data
                del self._buffer[: -4 * MAX_LINE]  # a chatty device cannot grow it forever
        except OSError as err:
            raise DeviceGone(f"{self.port}: {err}") from err

    def readline(self, timeout: float) -> bytes | None:
        """One line without its ``\\r\\n``, or None if none came within ``timeout``."""
        deadline = time.monotonic() + timeout
        ser = self._port()
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                line = bytes(self._buffer[:end]).rstrip(b"\r")
                del self._buffer[: end + 1]
                return line
            if len(self._buffer) > MAX_LINE:
                self._buffer.clear()
            if time.monotonic() >= deadline:
                return None
            try:
                chunk = ser.read(max(1, ser.in_waiting))
            except (serial.SerialException, OSError, TypeError) as err:
                raise DeviceGone(f"{self.port}: read failed: {err}") from err
            self._buffer += chunk
