"""The monitor's MQTT connection: call events in, desk / team / floor states out.

- A persistent session (MQTT 5, ``clean_start=False``, a long session expiry) with QoS 1, so
  events published while the monitor was down are delivered when it returns.
- Manual acknowledgement: an event is acknowledged to the broker only after the batch it was
  in has been committed to the store. A crash in between gets it redelivered, and the
  store's record of seen ``event_id``s makes the second delivery a no-op.
- Availability: ``online`` retained on every connect, ``offline`` as the last will.
- paho's network thread reconnects with capped exponential backoff; on every connect the
  service republishes every desk state (the broker may have lost its retained messages).
- One client id, one monitor: a broker drops the older connection when another connects with
  the same client id, and two such monitors would knock each other off for ever. Each
  connection claims the client id on ``<status topic base>/owner`` (retained) after checking
  that nobody else claimed it since its own last claim; a foreign claim (or MQTT 5's
  "session taken over") sets :attr:`MonitorLink.taken_over` with who took it, and the owner
  of the link stops instead of reconnecting.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import ssl
import threading
import uuid
from collections.abc import Callable
from dataclasses import replace

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from monitor.engine import Incoming
from monitor.inbox import FairInbox
from store.mqtt_url import MqttUrl, MqttUrlError, parse_mqtt_url  # noqa: F401
from store.services import ServiceId, monitor

LONE_MONITOR = monitor()

log = logging.getLogger("floorlight.monitor.mqtt")
SESSION_EXPIRY_S = 7 * 24 * 3600
SESSION_TAKEN_OVER = 142  # MQTT 5 reason code; mosquitto 2.0 just closes the socket instead
DISCONNECT_WITH_WILL = 4  # leave as if dead: the broker publishes our "offline" will


# The grammar has one home; the monitor's names for it stay importable from here.
MqttSettings = MqttUrl


class MonitorLink:
    def __init__(self, settings: MqttSettings, *, prefix: str, client_id: str,
                 inbox: FairInbox, on_connected: Callable[[], None],
                 service: ServiceId = LONE_MONITOR) -> None:
        """``service``: who this is (``store/services.py`` names its availability topic), so
        each shard worker has its own and one worker's last will does not mark the others
        offline."""
        self.settings, self.prefix, self.inbox = settings, prefix, inbox
        self._on_connected = on_connected
        self._generation = 0  # message ids are per connection: never ack an old one
        self._lock = threading.Lock()
        self.status_topic = service.status_topic(prefix)
        self.owner_topic = self.status_topic.rsplit("/", 1)[0] + "/owner"
        self.client_id = client_id
        self._me = {"instance": uuid.uuid4().hex, "pid": os.getpid(),
                    "host": socket.gethostname()}
        self._checked = False  # this connection has seen its own check come back
        self.taken_over = threading.Event()
        self.taken_by = ""
        self._leaving = False
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
        self._leaving = True
        if self.connected and not self.taken_over.is_set():
            info = self._client.publish(self.status_topic, "offline", qos=1, retain=True)
            info.wait_for_publish(2)
        self._client.disconnect()
        self._client.loop_stop()

    def abandon(self) -> None:
        """Leave without a goodbye of our own (another monitor is, or is about to be, the
        owner): the broker publishes the will, which comes before the new owner's
        ``online`` because the broker drops us when it connects."""
        self._leaving = True
        self._client.disconnect(reasoncode=ReasonCode(PacketTypes.DISCONNECT,
                                                      identifier=DISCONNECT_WITH_WILL))
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
            self._checked = False
        # the check is not retained: it comes back after whatever claim the broker holds
        client.subscribe(self.owner_topic, qos=1)
        client.publish(self.owner_topic, json.dumps({**self._me, "check": True}), qos=1)
        client.subscribe(f"{self.prefix}/ingest/#", qos=1)
        client.publish(self.status_topic, "online", qos=1, retain=True)
        log.info("connected to %s", self.settings.safe_url)
        self._on_connected()

    def _disconnected(self, _client, _userdata, _flags, reason, _props) -> None:
        if getattr(reason, "value", None) == SESSION_TAKEN_OVER:
            self._taken("the broker says the session was taken over")
        if self.taken_over.is_set() or self._leaving:
            log.info("disconnected from %s", self.settings.safe_url)
            return
        log.warning("disconnected from %s (%s); reconnecting", self.settings.safe_url, reason)

    def _owner(self, client, msg: mqtt.MQTTMessage) -> None:
        try:
            claim = json.loads(msg.payload)
            instance = claim["instance"]
        except (ValueError, TypeError, KeyError):
            return  # not ours to judge
        if instance == self._me["instance"]:
            if claim.get("check") and not self._checked and not self.taken_over.is_set():
                self._checked = True
                client.publish(self.owner_topic, json.dumps(self._me), qos=1, retain=True)
            return
        if claim.get("check"):
            return  # another monitor checking: only a claim it makes afterwards counts
        # a claim left by a monitor that ran before this one (the first connection's
        # retained message) is history; one made while we held the session is a takeover
        if self._checked or self._generation > 1:
            self._taken(f"pid {claim.get('pid')} on {claim.get('host')}")

    def _taken(self, who: str) -> None:
        if not self.taken_over.is_set():
            self.taken_by = who
            self.taken_over.set()
            log.error("another monitor connected with client id %s (%s): stopping instead of "
                      "fighting over the session", self.client_id, who)

    def _message(self, client, _userdata, msg: mqtt.MQTTMessage) -> None:
        if msg.topic == self.owner_topic:
            if msg.qos:
                client.ack(msg.mid, msg.qos)
            self._owner(client, msg)
            return
        if self.taken_over.is_set():
            return  # never handled, never acknowledged: the session's owner gets it
        key = msg.topic.rsplit("/", 1)[-1]
        token = (self._generation, msg.mid, msg.qos)
        self.inbox.put(key, Incoming(msg.topic, msg.payload, token))


def taken_over_message(link: MonitorLink, how: str) -> str:
    """The one line a monitor stops with when another took its client id."""
    return (f"another monitor connected with client id {link.client_id} ({how}; "
            f"{link.taken_by}), so this one stopped instead of fighting over the session; "
            "give each monitor its own --shard, or run the second as a standby on PostgreSQL")


class StandbyPresence:
    """A passive monitor's own small connection (never the shared client id, which would
    knock the active monitor off): ``standby`` retained on ``<status base>/standby`` while it
    waits, ``offline`` as its will and when it stops waiting."""

    def __init__(self, settings: MqttSettings, *, prefix: str, client_id: str,
                 service: ServiceId = LONE_MONITOR) -> None:
        self.settings = settings
        self.topic = replace(service, standby=True).status_topic(prefix)
        client = mqtt.Client(CallbackAPIVersion.VERSION2,
                             client_id=f"{client_id}-standby-{uuid.uuid4().hex[:8]}",
                             protocol=mqtt.MQTTv5)
        client.reconnect_delay_set(min_delay=0.25, max_delay=5)
        if settings.username:
            client.username_pw_set(settings.username, settings.password)
        if settings.tls:
            client.tls_set(ca_certs=settings.ca_file, cert_reqs=ssl.CERT_REQUIRED)
        client.will_set(self.topic, "offline", qos=1, retain=True)
        client.on_connect = self._connected
        self._client = client

    def start(self) -> None:
        self._client.connect_async(self.settings.host, self.settings.port, keepalive=15,
                                   clean_start=True)
        self._client.loop_start()

    def stop(self) -> None:
        if self._client.is_connected():
            self._client.publish(self.topic, "offline", qos=1, retain=True).wait_for_publish(2)
        self._client.disconnect()
        self._client.loop_stop()

    def _connected(self, client, _userdata, _flags, reason, _props) -> None:
        if not reason.is_failure:
            client.publish(self.topic, "standby", qos=1, retain=True)
