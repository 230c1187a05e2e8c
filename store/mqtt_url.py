"""The MQTT URL grammar, once, for the monitor, the simulator and the bridge:
``mqtt://[user:pass@]host[:port]`` or ``mqtts://…[?ca=/path/ca.pem]`` (TLS, port 8883), as
the READMEs document it; anything else (``tcp://``, a bare host) is refused the same way by
every service, so a URL that starts one starts them all.

Pure Python beside the service registry (``store/services.py``), in the lowest layer both the
monitor and the bridge may import (architecture.md). Each caller wraps :class:`MqttUrlError`
in its own configuration error."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from store.errors import StoreError


class MqttUrlError(StoreError, ValueError):
    """A URL that names no broker; the message never includes the password."""


@dataclass(frozen=True)
class MqttUrl:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: str | None = None

    def __repr__(self) -> str:  # never show the password, not even in a traceback
        return f"MqttUrl(host={self.host!r}, port={self.port}, tls={self.tls})"

    @property
    def safe_url(self) -> str:
        user = f"{self.username}:***@" if self.username else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{user}{self.host}:{self.port}"


def parse_mqtt_url(url: str) -> MqttUrl:
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or "://" not in url:
        raise MqttUrlError("MQTT URL must start with mqtt:// or mqtts://")
    tls = parts.scheme == "mqtts"
    try:
        port = parts.port
    except ValueError:
        raise MqttUrlError("MQTT URL has a bad port") from None
    if not parts.hostname:
        raise MqttUrlError("MQTT URL has no host")
    if port is None:
        port = 8883 if tls else 1883
    elif not 0 < port < 65536:
        raise MqttUrlError(f"MQTT URL has a bad port {port}")
    return MqttUrl(parts.hostname, port,
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None, tls,
                   parse_qs(parts.query).get("ca", [None])[0])
