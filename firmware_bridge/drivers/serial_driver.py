"""Driver for lights on a USB serial port: finds the port (a path, or ``auto`` by USB id
or by ping), verifies the device, and keeps the current look on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from firmware_bridge.config import LightSpec
from firmware_bridge.drivers.base import BuildEnv, Command
from firmware_bridge.drivers.worker import ThreadedDriver
from firmware_bridge.errors import DeviceGone, LightError, NotALight
from firmware_bridge.looks import Color
from firmware_bridge.transports.serial_link import PortInfo, SerialLink


@dataclass(frozen=True)
class SerialKind:
    """A serial light's protocol, as its module declares it.

    ``verify(link, spec, env)`` checks the device answers as this kind (and, for
    ``auto``, is the right one), returning a detail for health; ``send(link, command,
    seq, env)`` writes one command and checks the reply where the protocol has one;
    ``send_color(link, color, env)`` is used instead when the bridge renders effects."""

    kind: str
    baudrate: int
    matches: Callable[[PortInfo], bool]
    verify: Callable[[SerialLink, LightSpec, BuildEnv], str]
    send: Callable[[SerialLink, Command, int, BuildEnv], None] | None = None
    send_color: Callable[[SerialLink, Color, BuildEnv], None] | None = None

    @property
    def software_effects(self) -> bool:
        return self.send is None


class SerialDriver(ThreadedDriver):
    transport = "serial"

    def __init__(self, spec: LightSpec, env: BuildEnv, kind: SerialKind) -> None:
        super().__init__(spec, env)
        self.kind = kind
        self.software_effects = kind.software_effects
        self.link: SerialLink | None = None
        self._seq = 0

    def _candidates(self) -> list[str]:
        if self.spec.address != "auto":
            return [self.spec.address]
        return [p.device for p in self.env.serial_ports()
                if self.kind.matches(p) and not self.env.claims.claimed(p.device)]

    def _connect(self) -> str:
        claims, errors = self.env.claims, []
        for device in self._candidates():
            if not claims.claim(device, self):
                errors.append(DeviceGone(f"{device} is in use by another light"))
                continue
            link = SerialLink(device, baudrate=self.kind.baudrate)
            try:
                link.open()
                detail = self.kind.verify(link, self.spec, self.env)
            except LightError as err:
                link.close()
                claims.release(device, self)
                errors.append(err)
                continue
            self.link = link
            self.log.info("%s: %s on %s (%s)", self.spec.subject, self.spec.kind, device, detail)
            return f"{device}: {detail}" if detail else device
        if not errors:
            raise DeviceGone(f"no {self.spec.kind} found on any serial port")
        message = "; ".join(dict.fromkeys(str(e) for e in errors))
        raise (NotALight if any(isinstance(e, NotALight) for e in errors) else DeviceGone)(message)

    def _disconnect(self) -> None:
        link, self.link = self.link, None
        if link is not None:
            link.close()
            self.env.claims.release(link.port, self)

    def _check(self) -> None:
        if self.link is not None:
            self.link.check_alive()

    def _emit(self, command: Command) -> None:
        assert self.kind.send is not None and self.link is not None
        self._seq = (self._seq + 1) % 1_000_000_000
        self.kind.send(self.link, command, self._seq, self.env)

    def _emit_color(self, color: Color) -> None:
        assert self.kind.send_color is not None and self.link is not None
        self.kind.send_color(self.link, color, self.env)

