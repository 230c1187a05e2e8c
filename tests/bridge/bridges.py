"""Building bridges for tests: the real service wired to a real broker (or a state list)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from firmware_bridge.bridge import Bridge
from firmware_bridge.config import BridgeConfig, parse_light_arg
from firmware_bridge.drivers.virtual_driver import VirtualBoard
from firmware_bridge.sources.mqtt_source import MqttStateSource
from firmware_bridge.transports.mqtt_link import MqttLink, Will, parse_mqtt_url
from tests.bridge.helpers import fast_env, wait_for


def mqtt_bridge(broker: Any, tmp_path: Path, bridges: list[Bridge], lights: list[str],
                *, env_overrides: dict[str, Any] | None = None, startup_grace_s: float = 2.0,
                bridge_kwargs: dict[str, Any] | None = None, **config: Any) -> Bridge:
    settings: dict[str, Any] = dict(
        mqtt_url=broker.url, heartbeat_s=0.5, ttl_s=2,
        lights=tuple(parse_light_arg(text) for text in lights),
        virtual_file=tmp_path / "lights" / "virtual.json",
        health_file=tmp_path / "lights" / "health.json")
    settings.update(config)
    cfg = BridgeConfig(**settings)
    link = MqttLink(dataclasses.replace(parse_mqtt_url(broker.url), reconnect_min_s=0.1,
                                        reconnect_max_s=0.5),
                    will=Will(f"{cfg.prefix}/bridge/status", "offline"))
    env = fast_env(prefix=cfg.prefix, heartbeat_s=cfg.heartbeat_s, ttl_s=cfg.ttl_s, mqtt=link,
                   virtual=VirtualBoard(cfg.virtual_file, min_interval_s=0.05),
                   **(env_overrides or {}))
    bridge = Bridge(cfg, env=env, source=MqttStateSource(link, prefix=cfg.prefix), tick_s=0.05,
                    startup_grace_s=startup_grace_s, **(bridge_kwargs or {}))
    bridge.start()
    bridges.append(bridge)
    wait_for(lambda: link.connected, what="the bridge connected")
    return bridge


def plain_bridge(source: Any, tmp_path: Path, bridges: list[Bridge], lights: list[str],
                 *, startup_grace_s: float = 2.0, bridge_kwargs: dict[str, Any] | None = None,
                 **config: Any) -> Bridge:
    """A bridge with no broker: states from ``source``, lights that need none."""
    settings: dict[str, Any] = dict(
        heartbeat_s=0.5, ttl_s=2, lights=tuple(parse_light_arg(text) for text in lights),
        virtual_file=tmp_path / "lights" / "virtual.json",
        health_file=tmp_path / "lights" / "health.json")
    settings.update(config)
    cfg = BridgeConfig(**settings)
    env = fast_env(prefix=cfg.prefix, heartbeat_s=cfg.heartbeat_s, ttl_s=cfg.ttl_s,
                   virtual=VirtualBoard(cfg.virtual_file, min_interval_s=0.05))
    bridge = Bridge(cfg, env=env, source=source, tick_s=0.05, startup_grace_s=startup_grace_s,
                    **(bridge_kwargs or {}))
    bridge.start()
    bridges.append(bridge)
    return bridge
