"""Desk state received → light command out, with 500 desks configured (issue 4 targets:
p99 <= 20 ms for both):

- serial: 500 Floorlight boards on real ptys (one emulator loop answering pings and
  acking every command); measured from the state message handed to the bridge to the
  command line *arriving at the board* (so it includes the pty and the emulator);
- MQTT: 500 lights (WLED, Tasmota, Home Assistant, Floorlight-MQTT, a quarter each) on a
  real mosquitto; measured inside the bridge (the desk-state handler called → the light
  command handed to the client) and end to end (the monitor's publish → the command
  received by a subscriber, two broker hops).

    .venv/bin/python benchmarks/bridge_latency.py [--desks 500] [--rate 250] [--seconds 20]
                                                   [--only serial|mqtt]

Figures are from one run on whatever machine runs it (this one is shared: 2 cores).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bridge_bench import (
    CYCLE,
    STATE_OF_COLOR,
    FeedSource,
    FirmwareFloor,
    Subscriber,
    figures,
    pace,
    state_payload,
    wait_until,
)

from firmware_bridge.bridge import Bridge
from firmware_bridge.config import BridgeConfig, parse_light_arg
from firmware_bridge.drivers.base import BuildEnv
from firmware_bridge.sources.mqtt_source import MqttStateSource
from firmware_bridge.transports.mqtt_link import MqttLink, Will, parse_mqtt_url
from tests.support.mosquitto import MosquittoBroker

QUIET = logging.getLogger("bench.bridge")
QUIET.setLevel(logging.ERROR)


class Schedule:
    """Which desk changes next (every desk once per round, shuffled) and to what."""

    def __init__(self, desks: list[str], seed: int = 4) -> None:
        self.desks, self.rng = desks, random.Random(seed)
        self.order: list[str] = []
        self.step = dict.fromkeys(desks, 0)

    def next(self) -> tuple[str, str]:
        if not self.order:
            self.order = self.rng.sample(self.desks, len(self.desks))
        desk = self.order.pop()
        self.step[desk] += 1
        return desk, CYCLE[self.step[desk] % len(CYCLE)]


def serial_latency(desks: int, rate: float, seconds: float) -> dict[str, Any]:
    lock, pending, samples = threading.Lock(), {}, []

    def on_command(desk: str, command: dict, t: float) -> None:
        with lock:
            wanted = pending.get(desk)
            if wanted and STATE_OF_COLOR.get(command.get("color")) == wanted[0]:
                samples.append(t - wanted[1])
                del pending[desk]

    floor = FirmwareFloor(desks, on_command)
    config = BridgeConfig(lights=tuple(parse_light_arg(f"{d}=floorlight-serial:{p}")
                                       for d, p in floor.paths.items()))
    source = FeedSource()
    bridge = Bridge(config, env=BuildEnv(logger=QUIET), source=source, startup_grace_s=3600)
    bridge.start()
    try:
        wait_until(lambda: all(d.connects for d in bridge.drivers.values()), 120,
                   "every board verified by ping")
        schedule = Schedule(list(floor.paths))

        def step(_: int) -> None:
            desk, state = schedule.next()
            with lock:
                pending[desk] = (state, time.perf_counter())
            source.feed(desk, state_payload(desk, state))

        sent = pace(rate, seconds, step)
        wait_until(lambda: not pending, 10, "the last commands")
        coalesced = sum(d.coalesced for d in bridge.drivers.values())
        return {"desks": desks, "states_sent": sent, "rate_per_s": rate, "coalesced": coalesced,
                **figures(samples)}
    finally:
        bridge.stop()
        floor.close()


KINDS = ("wled", "tasmota", "homeassistant", "floorlight-mqtt")


def mqtt_lights(desks: int) -> dict[str, tuple[str, str]]:
    """desk → (light argument, command topic)."""
    lights = {}
    for i in range(desks):
        desk, kind = f"d-{i}", KINDS[i % len(KINDS)]
        arg, topic = {
            "wled": (f"wled:wled/{desk}", f"wled/{desk}/api"),
            "tasmota": (f"tasmota:{desk}_lamp", f"cmnd/{desk}_lamp/Backlog"),
            "homeassistant": (f"homeassistant:home/{desk}/set", f"home/{desk}/set"),
            "floorlight-mqtt": ("floorlight-mqtt:", f"floorlight/desk/{desk}/light/set"),
        }[kind]
        lights[desk] = (f"{desk}={arg}", topic)
    return lights


NODELAY = "set_tcp_nodelay true"
"""What a deployment's mosquitto.conf should say: without it the broker's small packets to
the bridge wait for delayed ACKs (Nagle), tens of ms per hop, whatever the bridge does."""
COMMAND_FILTERS = ["wled/+/api", "cmnd/+/Backlog", "home/+/set", "floorlight/desk/+/light/set"]


class MqttFloor:
    """The real bridge with ``desks`` MQTT lights, instrumented: ``inside`` gets the time
    from the desk-state handler being called to the light command handed to paho, and
    ``published`` the last time each command topic was published."""

    def __init__(self, broker: MosquittoBroker, desks: int) -> None:
        self.lights = mqtt_lights(desks)
        self.desk_of = {topic: desk for desk, (_, topic) in self.lights.items()}
        self.inside: list[float] = []
        self.published: dict[str, float] = {}
        self.connected_at: list[float] = []
        config = BridgeConfig(mqtt_url=broker.url, lights=tuple(
            parse_light_arg(arg) for arg, _ in self.lights.values()))
        self.link = MqttLink(parse_mqtt_url(broker.url), logger=QUIET,
                             will=Will(f"{config.prefix}/bridge/status", "offline"))
        self._instrument_publish()
        self.link.on_connect(lambda: self.connected_at.append(time.perf_counter()))
        source = MqttStateSource(self.link, prefix=config.prefix, logger=QUIET)
        self._instrument_handler(source)
        env = BuildEnv(prefix=config.prefix, mqtt=self.link, logger=QUIET)
        self.bridge = Bridge(config, env=env, source=source, startup_grace_s=3600)

    def _instrument_publish(self) -> None:
        publish, self._local = self.link.publish, threading.local()

        def timed(topic: str, payload: bytes | str, *, retain: bool = False,
                  qos: int = 1) -> bool:
            ok = publish(topic, payload, retain=retain, qos=qos)
            if topic in self.desk_of:
                now = time.perf_counter()
                self._local.t1 = self.published[topic] = now
            return ok

        self.link.publish = timed  # type: ignore[method-assign]

    def _instrument_handler(self, source: MqttStateSource) -> None:
        handler = source._on_state

        def timed(topic: str, payload: bytes, retained: bool) -> None:
            self._local.t1 = None
            t0 = time.perf_counter()
            handler(topic, payload, retained)
            if self._local.t1 is not None and not retained:
                self.inside.append(self._local.t1 - t0)

        source._on_state = timed  # type: ignore[method-assign]

    def start(self) -> None:
        self.bridge.start()
        wait_until(lambda: self.link.connected, 30, "the bridge connected")

    def stop(self) -> None:
        self.bridge.stop()


def mqtt_latency(broker: MosquittoBroker, desks: int, rate: float, seconds: float
                 ) -> dict[str, Any]:
    floor = MqttFloor(broker, desks)
    floor.start()
    lock, pending, e2e = threading.Lock(), {}, []
    subscriber = Subscriber(broker.host, broker.port, COMMAND_FILTERS)

    def on_message(topic: str, payload: bytes, t: float) -> None:
        desk = floor.desk_of.get(topic)
        with lock:
            if desk in pending:
                e2e.append(t - pending.pop(desk))

    subscriber.on_message = on_message
    monitor = Subscriber(broker.host, broker.port, ["bench/none"])
    try:
        schedule = Schedule(list(floor.lights))

        def step(_: int) -> None:
            desk, state = schedule.next()
            with lock:
                pending[desk] = time.perf_counter()
            monitor.publish(f"floorlight/desk/{desk}/state", state_payload(desk, state),
                            retain=True)

        sent = pace(rate, seconds, step)
        wait_until(lambda: not pending, 10, "the last commands")
        return {"desks": desks, "states_sent": sent, "rate_per_s": rate,
                "inside_bridge": figures(floor.inside), "end_to_end": figures(e2e)}
    finally:
        monitor.close()
        subscriber.close()
        floor.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--desks", type=int, default=500)
    parser.add_argument("--rate", type=float, default=250.0, help="desk states per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--only", choices=("serial", "mqtt"))
    parser.add_argument("--nagle", action="store_true",
                        help="leave mosquitto's default set_tcp_nodelay false (Nagle on the "
                             "broker's sockets adds up to ~40 ms per hop; see README)")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    if args.only in (None, "serial"):
        results["serial"] = serial_latency(args.desks, args.rate, args.seconds)
        print("serial:", json.dumps(results["serial"]), flush=True)
    if args.only in (None, "mqtt"):
        with tempfile.TemporaryDirectory() as tmp, MosquittoBroker(
                Path(tmp), extra_config="" if args.nagle else NODELAY) as broker:
            results["mqtt"] = mqtt_latency(broker, args.desks, args.rate, args.seconds)
        print("mqtt:", json.dumps(results["mqtt"]), flush=True)


if __name__ == "__main__":
    main()
