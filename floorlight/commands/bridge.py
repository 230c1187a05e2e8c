"""``floorlight bridge``: desk states in, desk lights out (see firmware_bridge/README.md)."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from floorlight import settings
from floorlight.commands._common import fail
from floorlight.credentials import add_url_arguments, exposed, has_password


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bridge", help="drive desk lights from desk states",
        description="Subscribe to desk states (MQTT) and keep every desk's light showing "
                    "its state, with heartbeats, reconnects and fail-safes.")
    add_light_arguments(parser)
    parser.add_argument("--states", metavar="FILE",
                        help="read desk states as JSON lines from FILE ('-' for stdin) "
                             "instead of MQTT")
    add_url_arguments(parser, "db", help="read desk states from the store at URL (default "
                      "when no MQTT broker is configured: $FLOORLIGHT_DB or "
                      "$FLOORLIGHT_HOME/floorlight.db)")
    parser.add_argument("--virtual-file", type=Path, default=None,
                        help="virtual lights file (default: $FLOORLIGHT_HOME/lights/virtual.json)")
    parser.add_argument("--health-file", type=Path, default=None,
                        help="light health file (default: $FLOORLIGHT_HOME/lights/health.json)")
    parser.add_argument("--run-for", type=float, default=None, metavar="SECONDS",
                        help="stop after this long (demos and tests); default: until signalled")
    parser.set_defaults(func=run)


def add_light_arguments(parser: argparse.ArgumentParser) -> None:
    add_url_arguments(parser, "mqtt", help="MQTT broker, mqtt://[user@]host[:port] (default: "
                      "the configuration file's, else $FLOORLIGHT_MQTT)")
    parser.add_argument("--config", type=Path, help="bridge configuration (TOML)")
    parser.add_argument("--light", action="append", default=[], metavar="DESK=KIND:ADDRESS",
                        help="a light (repeatable); DESK may be 'floor' or 'team/NAME'")
    parser.add_argument("--prefix", default=None, help="topic prefix (default: floorlight)")


def build_config(args: argparse.Namespace):  # -> BridgeConfig
    """Configuration file + command line (the command line wins). Raises ConfigError."""
    from firmware_bridge.config import BridgeConfig, load_config, parse_light_arg

    config = load_config(args.config) if args.config else BridgeConfig()
    _private_if_secret(args.config, config.mqtt_url)
    extra = tuple(parse_light_arg(text) for text in args.light)
    changes: dict[str, object] = {"lights": config.lights + extra}
    if args.mqtt:
        changes["mqtt_url"] = args.mqtt
    elif not config.mqtt_url and settings.default_mqtt_url():
        changes["mqtt_url"] = settings.default_mqtt_url()
    if args.prefix:
        changes["prefix"] = args.prefix
    return dataclasses.replace(config, **changes)


def _private_if_secret(path: Path | None, mqtt_url: str | None) -> None:
    """A configuration file whose broker URL holds a password is refused when group or
    others may read it (the rule of :mod:`floorlight.credentials`)."""
    from firmware_bridge.errors import ConfigError

    if path is None or not mqtt_url or not has_password(mqtt_url):
        return
    problem = exposed(path)
    if problem:
        raise ConfigError(f"{problem}; [bridge] mqtt holds a broker password",
                          key="bridge.mqtt")


def _lines(path: str) -> Iterator[str]:
    if path == "-":
        yield from sys.stdin
        return
    with open(path, encoding="utf-8") as handle:
        yield from handle


def _source(args: argparse.Namespace, prefix: str, link: Any, log: logging.Logger) -> Any:
    """JSON lines if asked; else the store if asked or if there is no broker; else MQTT."""
    from firmware_bridge.sources.mqtt_source import MqttStateSource
    from firmware_bridge.sources.polling import IterableSource, PollingSource

    if args.states:
        return IterableSource(_lines(args.states), logger=log)
    if args.db or link is None:
        from floorlight.commands._bridge_store import POLL_S, StoreDeskStates

        url = args.db or settings.default_db_url()
        log.info("reading desk states from the store every %.2f s", POLL_S)
        return PollingSource(StoreDeskStates(url), interval_s=POLL_S, logger=log)
    return MqttStateSource(link, prefix=prefix, logger=log)


def run(args: argparse.Namespace) -> int:
    from firmware_bridge.errors import LightError

    try:
        return _run(args)
    except LightError as err:
        return fail(str(err))


def _run(args: argparse.Namespace) -> int:
    from firmware_bridge.bridge import Bridge
    from firmware_bridge.drivers.base import BuildEnv
    from firmware_bridge.drivers.virtual_driver import VirtualBoard
    from firmware_bridge.transports.mqtt_link import MqttLink, Will, parse_mqtt_url
    from store.services import BRIDGE_ID

    config = build_config(args)
    lights_dir = settings.home_dir() / "lights"
    config = dataclasses.replace(
        config,
        virtual_file=args.virtual_file or config.virtual_file or lights_dir / "virtual.json",
        health_file=args.health_file or config.health_file or lights_dir / "health.json",
        requests_dir=config.requests_dir or lights_dir / "requests")
    log = logging.getLogger("firmware_bridge")
    link = None
    if config.mqtt_url:
        link = MqttLink(parse_mqtt_url(config.mqtt_url),
                        will=Will(BRIDGE_ID.status_topic(config.prefix), "offline"), logger=log)
    source = _source(args, config.prefix, link, log)
    env = BuildEnv(prefix=config.prefix, heartbeat_s=config.heartbeat_s, ttl_s=config.ttl_s,
                   mqtt=link, virtual=VirtualBoard(config.virtual_file, logger=log), logger=log)
    bridge = Bridge(config, env=env, source=source)
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    bridge.start()
    try:
        stop.wait(args.run_for)
    except KeyboardInterrupt:
        pass
    finally:
        bridge.stop()
        signal.signal(signal.SIGTERM, previous)
    return 0
