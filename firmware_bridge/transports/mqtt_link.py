"""One MQTT connection shared by the desk-state source and every MQTT light.

paho's network thread is the reconnect loop (capped exponential backoff via
``reconnect_delay_set``); on every connect the link re-subscribes everything and tells
its listeners, which restore lights and re-announce the bridge."""

from __future__ import annotations

import contextlib
import logging
import ssl
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from firmware_bridge.errors import ConfigError
from store import mqtt_url

Handler = Callable[[str, bytes, bool], None]
"""Called with (topic, payload, retained) on paho's network thread: must not block."""

SUBSCRIBE_BATCH = 200


@dataclass(frozen=True)
class Will:
    topic: str
    payload: str
    retain: bool = True


@dataclass(frozen=True)
class MqttSettings:
    host: str
    port: int = 1883
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: str | None = None
    client_id: str = ""
    keepalive: int = 30
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 30.0

    def __post_init__(self) -> None:
        if not self.host:
            raise ConfigError("MQTT URL has no host", key="mqtt")
        if not 0 < self.port < 65536:
            raise ConfigError(f"bad MQTT port {self.port}", key="mqtt")


def parse_mqtt_url(url: str, *, client_id: str = "") -> MqttSettings:
    """The bridge's connection settings from an MQTT URL (the grammar: ``store/mqtt_url.py``)."""
    try:
        parsed = mqtt_url.parse_mqtt_url(url)
    except mqtt_url.MqttUrlError as err:
        raise ConfigError(str(err), key="mqtt") from None
    return MqttSettings(host=parsed.host, port=parsed.port, username=parsed.username,
                        password=parsed.password, tls=parsed.tls, ca_file=parsed.ca_file,
                        client_id=client_id)


class MqttLink:
    """Routes messages by exact topic (O(1), for hundreds of light status topics) and by
    a few wildcard filters (desk states)."""

    def __init__(self, settings: MqttSettings, *, will: Will | None = None,
                 logger: logging.Logger | None = None, max_queued: int = 10_000) -> None:
        self.settings = settings
        self.log = logger or logging.getLogger(__name__)
        client_id = settings.client_id or f"floorlight-bridge-{uuid.uuid4().hex[:8]}"
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                                   protocol=mqtt.MQTTv311, clean_session=True)
        self._client.reconnect_delay_set(settings.reconnect_min_s, settings.reconnect_max_s)
        self._client.max_inflight_messages_set(1000)
        # Never queue without bound: past this, publish() reports failure and the
        # light's next heartbeat or restore carries the newest state instead.
        self._client.max_queued_messages_set(max_queued)
        if settings.username:
            self._client.username_pw_set(settings.username, settings.password)
        if settings.tls:
            self._client.tls_set(ca_certs=self.settings.ca_file, cert_reqs=ssl.CERT_REQUIRED)
        if will:
            self._client.will_set(will.topic, will.payload, qos=1, retain=will.retain)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._lock = threading.Lock()
        self._exact: dict[str, list[Handler]] = defaultdict(list)
        self._filters: list[tuple[str, Handler]] = []
        self._connect_listeners: list[Callable[[], None]] = []
        self._disconnect_listeners: list[Callable[[str], None]] = []
        self.connects = 0

    # -- wiring -------------------------------------------------------------------------
    def on_connect(self, listener: Callable[[], None]) -> None:
        self._connect_listeners.append(listener)

    def on_disconnect(self, listener: Callable[[str], None]) -> None:
        self._disconnect_listeners.append(listener)

    def watch(self, topic: str, handler: Handler) -> None:
        """Deliver messages on exactly ``topic`` (no wildcards) to ``handler``."""
        if "+" in topic or "#" in topic:
            raise ValueError(f"watch() takes an exact topic, got {topic!r}")
        with self._lock:
            new = topic not in self._exact
            self._exact[topic].append(handler)
        if new and self.connected:
            self._client.subscribe(topic, qos=1)

    def watch_filter(self, topic_filter: str, handler: Handler) -> None:
        """Deliver messages matching a wildcard filter to ``handler``."""
        with self._lock:
            self._filters.append((topic_filter, handler))
        if self.connected:
            self._client.subscribe(topic_filter, qos=1)

    # -- running ------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._client.is_connected()

    def start(self) -> None:
        self._client.connect_async(self.settings.host, self.settings.port,
                                   keepalive=self.settings.keepalive)
        self._client.loop_start()

    def publish(self, topic: str, payload: bytes | str, *, retain: bool = False,
                qos: int = 1) -> bool:
        """Publish if connected; False when the message was not accepted (no connection or
        the bounded queue is full). Never raises for a connection problem."""
        if not self._client.is_connected():
            return False
        info = self._client.publish(topic, payload, qos=qos, retain=retain)
        return info.rc == mqtt.MQTT_ERR_SUCCESS

    def stop(self, *, last: Iterable[tuple[str, str, bool]] = (), timeout: float = 2.0) -> None:
        """Publish ``last`` messages (topic, payload, retain), then disconnect cleanly."""
        for topic, payload, retain in last:
            if self._client.is_connected():
                info = self._client.publish(topic, payload, qos=1, retain=retain)
                with contextlib.suppress(RuntimeError, ValueError):
                    info.wait_for_publish(timeout)
        self._client.disconnect()
        self._client.loop_stop()

    # -- paho callbacks (network thread) ------------------------------------------------
    def _on_connect(self, client: mqtt.Client, userdata: object, flags: object,
                    reason: mqtt.ReasonCode, properties: object) -> None:
        if reason.is_failure:
            self.log.error("MQTT broker refused the connection: %s", reason)
            return
        self.connects += 1
        with self._lock:
            topics = [*dict.fromkeys(f for f, _ in self._filters), *self._exact]
        for start in range(0, len(topics), SUBSCRIBE_BATCH):
            client.subscribe([(t, 1) for t in topics[start:start + SUBSCRIBE_BATCH]])
        self.log.info("connected to MQTT %s:%s (%d subscriptions)", self.settings.host,
                      self.settings.port, len(topics))
        for listener in self._connect_listeners:
            try:
                listener()
            except Exception:  # a listener bug must not kill paho's thread
                self.log.exception("MQTT connect listener failed")

    def _on_disconnect(self, client: mqtt.Client, userdata: object, flags: object,
                       reason: mqtt.ReasonCode, properties: object) -> None:
        self.log.warning("MQTT connection lost (%s); paho reconnects with backoff", reason)
        for listener in self._disconnect_listeners:
            try:
                listener(str(reason))
            except Exception:
                self.log.exception("MQTT disconnect listener failed")

    def _on_message(self, client: mqtt.Client, userdata: object,
                    message: mqtt.MQTTMessage) -> None:
        topic = message.topic
        with self._lock:
            handlers = list(self._exact.get(topic, ()))
            handlers += [h for f, h in self._filters if mqtt.topic_matches_sub(f, topic)]
        for handler in handlers:
            try:
                handler(topic, message.payload, bool(message.retain))
            except Exception:
                self.log.exception("handler for %s failed", topic)
