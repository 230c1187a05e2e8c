"""The monitor's MQTT connection: call events in, desk / team / floor states out.

- A persistent session (MQTT 5, ``clean_start=False``, a long session expiry) with QoS 1, so
  events published while the monitor was down are delivered when it returns.
- Manual acknowledgement: an event is acknowledged to the broker only after the batch it was
  in has been committed to the store. A crash in between gets it redelivered, and the
  store's record of seen ``event_id``s makes the second delivery a no-op.
- Availability: ``online`` retained on every connect, ``offline`` as the last will.
- paho's network thread reconnects with capped exponential backoff; on every connect the
  service republishes every desk state (the broker may have lost its retained messages).
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from monitor.engine import Incoming
from monitor.inbox import FairInbox

log = logging.getLogger("floorlight.monitor.mqtt")
SESSION_EXPIRY_S = 7 * 24 * 3600


class MqttUrlError(ValueError):
    pass


@dataclass(frozen=True)
class MqttSettings:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: str | None = None

    def __repr__(self) -> str:  # never show the password, not even in a traceback
        return f"MqttSettings(host={self.host!r}, port={self.port}, tls={self.tls})"

    @property
    def safe_url(self) -> str:
        user = f"{self.username}:***@" if self.username else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{user}{self.host}:{self.port}"


def parse_mqtt_url(url: str) -> MqttSettings:
    """``mqtt://[user:pass@]host[:port]`` or ``mqtts://…[?ca=/path/ca.pem]`` (TLS, 8883)."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts"):
        raise MqttUrlError("MQTT URL must start with mqtt:// or mqtts://")
    tls = parts.scheme == "mqtts"
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError:
        raise MqttUrlError("MQTT URL has a bad port") from None
    if not parts.hostname:
        raise MqttUrlError("MQTT URL has no host")
    ca = parse_qs(parts.query).get("ca", [None])[0]
    return MqttSettings(parts.hostname, port,
                        unquote(parts.username) if parts.username else None,
                        unquote(parts.password) if parts.password else None, tls, ca)


class MonitorLink:
    def __init__(self, settings: MqttSettings, *, prefix: str, client_id: str,
                 inbox: FairInbox, on_connected: Callable[[], None],
                 status_name: str | None = None) -> None:
        """``status_name``: a shard worker's name, so each worker has its own availability
        topic (``<prefix>/monitor/<name>/status``) and one worker's last will does not mark
        the others offline."""
        self.settings, self.prefix, self.inbox = settings, prefix, inbox
        self._on_connected = on_connected
        self._generation = 0  # message ids are per connection: never ack an old one
        self._lock = threading.Lock()
        self.status_topic = f"{prefix}/monitor/{status_name + '/' if status_name else ''}status"
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                             protocol=mqtt.MQTTv5, manual_ack=True)
        client.reconnect_delay_set(min_delay=0.25, max_delay=5)
        client.max_inflight_messages_set(1000)
        client.max_queued_messages_set(0)  # desk states are few and all must go out
        if settings.username:
            client.username_pw_set(settings.username, settings.password)
        if settings.tls:
            client.tls_set(ca_certs=settings.ca_file, cert_reqs=ssl.CERT_REQUIRED)
        client.will_set(self.status_topic, "offline", qos=1, retain=True)
        client.on_connect, client.on_disconnect = self._connected, self._disconnected
        client.on_message = self._message
        self._client = client

    @property
    def connected(self) -> bool:
        return self._client.is_connected()

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        props.ReceiveMaximum = 65535
        log.info("connecting to %s", self.settings.safe_url)
        self._client.connect_async(self.settings.host, self.settings.port, keepalive=15,
                                   clean_start=False, properties=props)
        self._client.loop_start()

    def stop(self) -> None:
        if self.connected:
            info = self._client.publish(self.status_topic, "offline", qos=1, retain=True)
            info.wait_for_publish(2)
        self._client.disconnect()
        self._client.loop_stop()

    def publish(self, topic: str, payload: bytes | str) -> None:
        """Retained, QoS 1; queued by paho while disconnected."""
        self._client.publish(topic, payload, qos=1, retain=True)

    def ack(self, token: object) -> None:
        generation, mid, qos = token  # type: ignore[misc]
        with self._lock:
            if generation == self._generation and qos > 0:
                self._client.ack(mid, qos)

    # --- paho's network thread -------------------------------------------------------------

    def _connected(self, client, _userdata, _flags, reason, _props) -> None:
        if reason.is_failure:
            log.error("broker refused the connection: %s", reason)
            return
        with self._lock:
            self._generation += 1
        client.subscribe(f"{self.prefix}/ingest/#", qos=1)
        client.publish(self.status_topic, "online", qos=1, retain=True)
        log.info("connected to %s", self.settings.safe_url)
        self._on_connected()

    def _disconnected(self, _client, _userdata, _flags, reason, _props) -> None:
        log.warning("disconnected from %s (%s); reconnecting", self.settings.safe_url, reason)

    def _message(self, _client, _userdata, msg: mqtt.MQTTMessage) -> None:
        key = msg.topic.rsplit("/", 1)[-1]
        token = (self._generation, msg.mid, msg.qos)
        self.inbox.put(key, Incoming(msg.topic, msg.payload, token))
