"""Publishing simulated call events to a broker: ``<prefix>/ingest/<call_id>``, QoS 1.

Nothing is dropped while the broker is away. paho keeps every QoS 1 message it has not had a
PUBACK for and resends it after reconnecting (its network thread reconnects with capped
exponential backoff). What bounds that buffer is a semaphore of ``buffer`` slots, taken per
publish and given back on PUBACK: when it is full, :meth:`MqttPublisher.publish` blocks, so the
floor pauses (events go out late, never lost) until the broker is back, with a warning.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time
import uuid
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode

from monitor.mqtt_link import MqttSettings, MqttUrlError, parse_mqtt_url
from monitor.simulator_chaos import RawLine
from monitor.simulator_corpus import SimulatorError

DEFAULT_PREFIX = "floorlight"
# Connection refusals that retrying cannot fix (MQTT 3.1.1 return codes 4 and 5 and their
# MQTT 5 equivalents): stop with a message instead of knocking forever.
FATAL_REFUSALS = ("bad user name or password", "not authorized", "not authorised")


def parse_target(url: str) -> tuple[MqttSettings, str | None]:
    """``mqtt://[user:pass@]host[:port][/prefix][?ca=FILE]`` (``mqtts://`` for TLS): the
    broker and the topic prefix named in the URL's path, if any."""
    try:
        settings = parse_mqtt_url(url)
    except MqttUrlError as err:
        raise SimulatorError(f"bad MQTT URL: {err}") from None
    prefix = urlsplit(url).path.strip("/") or None
    if prefix is not None:
        check_prefix(prefix)
    return settings, prefix


def check_prefix(prefix: str) -> str:
    if not prefix or any(c in prefix for c in "+#\0") or prefix.startswith("/"):
        raise SimulatorError(f"bad topic prefix {prefix!r}: non-empty, without + # or NUL")
    return prefix


class MqttPublisher:
    """A sink for :meth:`FloorSimulator.run`: ``start()``, call it per event, ``close()``."""

    def __init__(self, settings: MqttSettings, *, prefix: str = DEFAULT_PREFIX,
                 client_id: str | None = None, buffer: int = 20_000,
                 log: logging.Logger | None = None) -> None:
        if buffer < 1:
            raise SimulatorError(f"buffer must be at least 1 event, got {buffer}")
        self.settings, self.prefix, self.buffer = settings, check_prefix(prefix), buffer
        self.log = log or logging.getLogger("floorlight.simulate")
        self.published = self.acknowledged = 0
        self._slots = threading.Semaphore(buffer)
        self._fatal: str | None = None
        self._was_connected = False
        self._client = self._make_client(client_id or f"floorlight-sim-{uuid.uuid4().hex[:8]}")

    def _make_client(self, client_id: str) -> mqtt.Client:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                             protocol=mqtt.MQTTv311, clean_session=True)
        client.reconnect_delay_set(min_delay=0.25, max_delay=10)
        client.max_inflight_messages_set(0)  # no window: the buffer semaphore is the bound
        client.max_queued_messages_set(0)  # unbounded in paho: our semaphore bounds it
        if self.settings.username:
            client.username_pw_set(self.settings.username, self.settings.password)
        if self.settings.tls:
            client.tls_set(ca_certs=self.settings.ca_file, cert_reqs=ssl.CERT_REQUIRED)
        client.on_connect, client.on_disconnect = self._connected, self._disconnected
        client.on_connect_fail, client.on_publish = self._connect_failed, self._acked
        return client

    @property
    def pending(self) -> int:
        """Events handed over but not yet acknowledged by the broker."""
        return self.published - self.acknowledged

    @property
    def connected(self) -> bool:
        return self._client.is_connected()

    def start(self) -> MqttPublisher:
        self.log.info("publishing to %s under %s/ingest/", self.settings.safe_url, self.prefix)
        self._client.connect_async(self.settings.host, self.settings.port, keepalive=15)
        self._client.loop_start()
        return self

    def __call__(self, item: dict | RawLine) -> None:
        self.publish(item)

    def publish(self, item: dict | RawLine) -> None:
        """QoS 1 to ``<prefix>/ingest/<call_id>``; blocks while the buffer is full."""
        if isinstance(item, RawLine):
            call_id, payload = item.call_id, item.text
        else:
            call_id = item["call_id"]
            payload = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
        self._take_slot()
        info = self._client.publish(f"{self.prefix}/ingest/{call_id}", payload, qos=1)
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            self._slots.release()
            why = mqtt.error_string(info.rc)
            raise SimulatorError(f"cannot queue an event for {call_id}: {why}")
        self.published += 1

    def close(self, timeout: float = 10.0) -> int:
        """Wait up to ``timeout`` s for the broker to acknowledge everything, disconnect, and
        return how many events it never acknowledged (0 when all arrived)."""
        deadline = time.monotonic() + timeout
        while self.pending and not self._fatal and time.monotonic() < deadline:
            time.sleep(0.02)
        left = self.pending
        if left:
            self.log.error("%d events were never acknowledged by %s", left,
                           self.settings.safe_url)
        self._client.disconnect()
        self._client.loop_stop()
        return left

    def _take_slot(self) -> None:
        warned = False
        while not self._slots.acquire(timeout=0.5):
            self._raise_if_fatal()
            if not warned:
                warned = True
                self.log.warning("%d events wait for %s (buffer full): the floor pauses until "
                                 "the broker takes them", self.buffer, self.settings.safe_url)
        self._raise_if_fatal()

    def _raise_if_fatal(self) -> None:
        if self._fatal:
            raise SimulatorError(self._fatal)

    # --- paho's network thread -------------------------------------------------------------

    def _connected(self, client, _userdata, _flags, reason, _props) -> None:
        if reason.is_failure:
            text = str(reason)
            if any(word in text.lower() for word in FATAL_REFUSALS):
                self._fatal = f"{self.settings.safe_url} refused the connection: {text}"
                client.disconnect()  # retrying with the same credentials cannot succeed
            self.log.error("%s refused the connection: %s", self.settings.safe_url, text)
            return
        self.log.log(logging.WARNING if self._was_connected else logging.INFO,
                     "connected to %s (%d events waiting)", self.settings.safe_url, self.pending)
        self._was_connected = True

    def _disconnected(self, _client, _userdata, _flags, reason, _props) -> None:
        if not self._fatal and reason.is_failure:
            self.log.warning("lost %s (%s): buffering, reconnecting", self.settings.safe_url,
                             reason)

    def _connect_failed(self, _client, _userdata) -> None:
        self.log.warning("cannot reach %s: buffering, retrying", self.settings.safe_url)

    def _acked(self, _client, _userdata, _mid, _reason, _props) -> None:
        self.acknowledged += 1
        self._slots.release()
