"""Publishing simulated call events to a broker: ``<prefix>/ingest/<call_id>``, QoS 1.

Nothing is dropped while the broker is away: an event stays in the publisher until the broker
has acknowledged it (PUBACK). A semaphore of ``buffer`` slots, taken per event and given back on
its PUBACK, bounds what is kept: when it is full, :meth:`MqttPublisher.publish` blocks, so the
floor pauses (events go out late, never lost) until the broker is back, with a warning.

Order is kept, across reconnects too: one network thread of ours is the only user of the paho
client (paho's external-loop API, not ``loop_start``). After a reconnect paho first resends
what was in flight, in order, inside the CONNACK handling; only then does the thread hand paho
the events queued meanwhile. (With paho's own thread, a publish racing the resend could jump
ahead, and a call's ``call_started`` could arrive after its first utterance.) Reconnects back
off exponentially from 0.25 s to 10 s.
"""

from __future__ import annotations

import contextlib
import json
import logging
import select
import socket
import ssl
import threading
import time
import uuid
from collections import deque
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode

from monitor.mqtt_link import MqttSettings, MqttUrlError, parse_mqtt_url
from simulator.chaos import RawLine
from simulator.errors import SimulatorError

DEFAULT_PREFIX = "floorlight"
MIN_DELAY_S, MAX_DELAY_S = 0.25, 10.0
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
    """A sink for :meth:`FloorSimulator.run`: ``start()``, call it per event, ``close()``.
    ``stop`` (optional) ends a wait for room in a full buffer with a :class:`SimulatorError`."""

    def __init__(self, settings: MqttSettings, *, prefix: str = DEFAULT_PREFIX,
                 client_id: str | None = None, buffer: int = 20_000,
                 stop: threading.Event | None = None,
                 log: logging.Logger | None = None) -> None:
        if buffer < 1:
            raise SimulatorError(f"buffer must be at least 1 event, got {buffer}")
        self.settings, self.prefix, self.buffer = settings, check_prefix(prefix), buffer
        self.log = log or logging.getLogger("floorlight.simulate")
        self.published = self.acknowledged = 0
        self._slots = threading.Semaphore(buffer)
        self._queue: deque[tuple[str, str]] = deque()  # not yet handed to paho
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._closing = threading.Event()
        self._stop = stop  # set: stop waiting for room in a full buffer
        self._fatal: str | None = None
        self._delay, self._was_connected = MIN_DELAY_S, False
        self._thread: threading.Thread | None = None
        self._client = self._make_client(client_id or f"floorlight-sim-{uuid.uuid4().hex[:8]}")

    def _make_client(self, client_id: str) -> mqtt.Client:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                             protocol=mqtt.MQTTv311, clean_session=True)
        client.max_inflight_messages_set(0)  # no window: the buffer semaphore is the bound
        client.max_queued_messages_set(0)
        if self.settings.username:
            client.username_pw_set(self.settings.username, self.settings.password)
        if self.settings.tls:
            client.tls_set(ca_certs=self.settings.ca_file, cert_reqs=ssl.CERT_REQUIRED)
        client.on_connect, client.on_disconnect = self._connected, self._disconnected
        client.on_publish = self._acked
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
        self._thread = threading.Thread(target=self._network, name="simulate-mqtt",
                                        daemon=True)
        self._thread.start()
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
        self._queue.append((f"{self.prefix}/ingest/{call_id}", payload))
        self.published += 1
        self._wake()

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
        self._closing.set()
        self._wake()
        if self._thread is not None:
            self._thread.join(10)  # a connection attempt in progress times out within 5 s
        if self._thread is None or not self._thread.is_alive():
            self._wake_r.close()
            self._wake_w.close()
        return left

    def _take_slot(self) -> None:
        warned = False
        while not self._slots.acquire(timeout=0.5):
            self._raise_if_fatal()
            if self._stop is not None and self._stop.is_set():
                raise SimulatorError(f"stopped while {self.buffer} events wait for "
                                     f"{self.settings.safe_url}")
            if not warned:
                warned = True
                self.log.warning("%d events wait for %s (buffer full): the floor pauses until "
                                 "the broker takes them", self.buffer, self.settings.safe_url)
        self._raise_if_fatal()

    def _raise_if_fatal(self) -> None:
        if self._fatal:
            raise SimulatorError(self._fatal)

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # a full pipe is awake already
            self._wake_w.send(b"\0")

    # --- our network thread: the only one that touches the paho client -----------------------

    def _network(self) -> None:
        try:
            while not self._closing.is_set() and not self._fatal:
                if self._client.socket() is None:
                    self._connect()
                else:
                    self._service()
        finally:
            if self._client.socket() is not None:
                self._client.disconnect()
                self._client.loop_write()

    def _connect(self) -> None:
        try:
            self._client.reconnect()
            return
        except OSError as err:  # refused, unreachable, TLS failure, name not found
            self.log.warning("cannot reach %s (%s): buffering, retrying in %.2g s",
                             self.settings.safe_url, err.strerror or err, self._delay)
        self._closing.wait(self._delay)
        self._delay = min(self._delay * 2, MAX_DELAY_S)

    def _service(self) -> None:
        client = self._client
        sock = client.socket()
        writing = [sock] if client.want_write() else []
        buffered = isinstance(sock, ssl.SSLSocket) and sock.pending()  # select cannot see it
        readable, writable, _ = select.select([sock, self._wake_r], writing, [],
                                              0.0 if buffered else 1.0)
        if buffered:
            readable.append(sock)
        if self._wake_r in readable:
            with contextlib.suppress(BlockingIOError):
                while self._wake_r.recv(4096):
                    pass
        if sock in readable:
            client.loop_read()  # CONNACK (and paho's resend), PUBACKs
        if writable and client.socket() is not None:
            client.loop_write()
        if client.socket() is not None:
            client.loop_misc()  # keepalive pings
        if client.is_connected():
            self._hand_over()
        elif client.socket() is None:  # lost or refused: back off before knocking again
            self._closing.wait(self._delay)
            self._delay = min(self._delay * 2, MAX_DELAY_S)

    def _hand_over(self) -> None:
        """Queued events to paho, in order; paho keeps any it cannot send for the resend."""
        while self._queue and self._client.is_connected():
            topic, payload = self._queue.popleft()
            info = self._client.publish(topic, payload, qos=1)
            if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
                self._fatal = f"cannot publish on {topic}: {mqtt.error_string(info.rc)}"

    # --- paho callbacks (run in our network thread) ------------------------------------------

    def _connected(self, client, _userdata, _flags, reason, _props) -> None:
        if reason.is_failure:
            text = str(reason)
            if any(word in text.lower() for word in FATAL_REFUSALS):
                self._fatal = f"{self.settings.safe_url} refused the connection: {text}"
            self.log.error("%s refused the connection: %s", self.settings.safe_url, text)
            return
        self.log.log(logging.WARNING if self._was_connected else logging.INFO,
                     "connected to %s (%d events waiting)", self.settings.safe_url, self.pending)
        self._was_connected, self._delay = True, MIN_DELAY_S

    def _disconnected(self, _client, _userdata, _flags, reason, _props) -> None:
        if not self._closing.is_set() and reason.is_failure:
            self.log.warning("lost %s (%s): buffering, reconnecting", self.settings.safe_url,
                             reason)

    def _acked(self, _client, _userdata, _mid, _reason, _props) -> None:
        self.acknowledged += 1
        self._slots.release()
