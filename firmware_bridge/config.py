"""Bridge configuration: a TOML file and ``--light DESK=KIND:ADDRESS`` arguments, checked
at start-up. A mistake stops the bridge with the file, line and key named; nothing here
reads the environment (entry points pass paths and URLs in)."""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from firmware_bridge.errors import BadMessage, ConfigError
from firmware_bridge.looks import (
    DEFAULT_LOOKS,
    LOOK_KEYS,
    Look,
    LookBook,
    QuietHours,
    look_from_mapping,
)
from firmware_bridge.states import STALE, STATES, Subject
from firmware_bridge.tomllines import find_line

BRIDGE_KEYS = ("prefix", "mqtt", "heartbeat_s", "ttl_s", "unknown_desks",
               "homeassistant_discovery", "virtual_file", "health_file", "requests_dir",
               "source_timeout_s")
LIGHT_KEYS = ("light", "kind", "address", "looks")
QUIET_KEYS = ("start", "end", "brightness", "exempt")
TOP_KEYS = ("bridge", "looks", "quiet_hours", "desks", "floor", "teams")
UNKNOWN_DESKS = ("auto", "virtual", "ignore")


@dataclass(frozen=True)
class LightSpec:
    """One light: whose state it shows, what kind it is and where it is."""

    subject: Subject
    kind: str
    address: str = ""
    origin: str = ""

    def __str__(self) -> str:
        return f"{self.subject.label}={self.kind}:{self.address}"


@dataclass(frozen=True)
class BridgeConfig:
    prefix: str = "floorlight"
    mqtt_url: str | None = None
    heartbeat_s: float = 10.0
    ttl_s: int = 30
    lights: tuple[LightSpec, ...] = ()
    looks: LookBook = field(default_factory=LookBook)
    unknown_desks: str = "auto"
    homeassistant_discovery: bool = False
    virtual_file: Path | None = None
    health_file: Path | None = None
    requests_dir: Path | None = None
    source_timeout_s: float | None = None

    def __post_init__(self) -> None:
        if not self.prefix or set(self.prefix) & set("+#") or self.prefix.endswith("/"):
            raise ConfigError(f"bad topic prefix {self.prefix!r}", key="bridge.prefix")
        if not 1 <= self.ttl_s <= 3600:
            raise ConfigError("ttl_s must be 1..3600", key="bridge.ttl_s")
        # "Well inside every TTL": two heartbeats fit in the firmware's TTL, and WLED's
        # one-minute nightlight is refreshed at least twice a minute.
        if not 0.1 <= self.heartbeat_s <= min(self.ttl_s / 2, 30):
            raise ConfigError(f"heartbeat_s must be at most half of ttl_s ({self.ttl_s}) "
                              "and at most 30 s", key="bridge.heartbeat_s")
        if self.unknown_desks not in UNKNOWN_DESKS:
            raise ConfigError(f"unknown_desks must be one of {', '.join(UNKNOWN_DESKS)}",
                              key="bridge.unknown_desks")
        seen: dict[Subject, LightSpec] = {}
        for spec in self.lights:
            if spec.subject in seen:
                raise ConfigError(f"{spec.subject} has two lights ({seen[spec.subject].origin}"
                                  f" and {spec.origin})", key=spec.subject.label)
            seen[spec.subject] = spec

    @property
    def auto_virtual(self) -> bool:
        """Whether a desk with no configured light gets a virtual one."""
        if self.unknown_desks == "auto":
            return not self.lights
        return self.unknown_desks == "virtual"

    @property
    def stale_after_s(self) -> float:
        return self.source_timeout_s if self.source_timeout_s is not None else float(self.ttl_s)


def parse_light_arg(text: str, *, kinds: Mapping[str, Any] | None = None) -> LightSpec:
    """``DESK=KIND:ADDRESS`` (DESK may be ``floor`` or ``team/<name>``)."""
    subject_text, eq, rest = text.partition("=")
    if not eq or not subject_text or not rest:
        raise ConfigError(f"--light {text!r}: expected DESK=KIND:ADDRESS", key="--light")
    kind, _, address = rest.partition(":")
    try:
        subject = Subject.parse(subject_text)
    except BadMessage as err:
        raise ConfigError(f"--light {text!r}: {err}", key="--light") from err
    return _checked_spec(subject, kind, address, "--light", kinds)


def _checked_spec(subject: Subject, kind: str, address: str, origin: str,
                  kinds: Mapping[str, Any] | None, line: int | None = None) -> LightSpec:
    if kinds is None:
        from firmware_bridge.lights import light_kinds
        kinds = light_kinds()
    if kind not in kinds:
        hint = _did_you_mean(kind, kinds)
        raise ConfigError(f"unknown light kind {kind!r}{hint}; known: {', '.join(sorted(kinds))}",
                          source=origin, line=line, key="kind")
    try:
        address = kinds[kind].check_address(address)
    except ValueError as err:
        raise ConfigError(f"{subject}: bad {kind} address: {err}", source=origin, line=line,
                          key="address") from err
    where = f"{origin}:{line}" if line else origin
    return LightSpec(subject, kind, address, where)


def _did_you_mean(word: str, options: Any) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Reader:
    """Walks the parsed TOML, naming the file, line and key of any mistake."""

    def __init__(self, text: str, source: str, kinds: Mapping[str, Any] | None) -> None:
        self.text, self.source, self.kinds = text, source, kinds

    def fail(self, table: tuple[str, ...], key: str | None, message: str) -> ConfigError:
        dotted = ".".join((*table, key) if key else table)
        return ConfigError(f"{message} [{dotted}]" if dotted else message, source=self.source,
                           line=find_line(self.text, table, key), key=dotted)

    def table(self, data: Any, path: tuple[str, ...], allowed: tuple[str, ...] | None
              ) -> Mapping[str, Any]:
        if not isinstance(data, Mapping):
            raise self.fail(path[:-1], path[-1], f"'{path[-1]}' must be a table")
        for key in data if allowed is not None else ():
            if key not in allowed:
                raise self.fail(path, key, f"unknown key {key!r}{_did_you_mean(key, allowed)}")
        return data

    def value(self, data: Mapping[str, Any], path: tuple[str, ...], key: str, kind: type,
              default: Any) -> Any:
        if key not in data:
            return default
        value = data[key]
        ok = isinstance(value, kind) and not (kind in (int, float) and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            raise self.fail(path, key, f"'{key}' must be {kind.__name__}, got {value!r}")
        return value

    def looks(self, data: Any, path: tuple[str, ...], base: Mapping[str, Look]
              ) -> dict[str, Look]:
        states = (*STATES, STALE)
        looks: dict[str, Look] = {}
        for state, table in self.table(data, path, states).items():
            table = self.table(table, (*path, state), LOOK_KEYS)
            for key in LOOK_KEYS:
                try:
                    look_from_mapping({key: table[key]}, base[state]) if key in table else None
                except (ValueError, TypeError) as err:
                    raise self.fail((*path, state), key, str(err)) from err
            looks[state] = look_from_mapping(table, base[state])
        return looks

    def light(self, subject: Subject, data: Any, path: tuple[str, ...]) -> LightSpec:
        data = self.table(data, path, LIGHT_KEYS)
        line = find_line(self.text, path)
        if "light" in data:
            if "kind" in data or "address" in data:
                raise self.fail(path, "light", "give either 'light' or 'kind' + 'address'")
            text = self.value(data, path, "light", str, "")
            kind, _, address = text.partition(":")
            line = find_line(self.text, path, "light")
        elif "kind" in data:
            kind = self.value(data, path, "kind", str, "")
            address = self.value(data, path, "address", str, "")
            line = find_line(self.text, path, "kind")
        else:
            raise self.fail(path, None, f"{subject} needs 'light = \"KIND:ADDRESS\"'")
        return _checked_spec(subject, kind, address, self.source, self.kinds, line)

    def quiet(self, data: Any) -> QuietHours:
        path = ("quiet_hours",)
        data = self.table(data, path, QUIET_KEYS)
        times = {}
        for key in ("start", "end"):
            raw = self.value(data, path, key, str, None)
            if raw is None:
                raise self.fail(path, None, f"quiet_hours needs '{key}' (\"HH:MM\")")
            try:
                times[key] = time.fromisoformat(raw)
            except ValueError as err:
                raise self.fail(path, key, f"'{key}' must be HH:MM, got {raw!r}") from err
        exempt = self.value(data, path, "exempt", list, ["alert"])
        try:
            return QuietHours(times["start"], times["end"],
                              self.value(data, path, "brightness", int, 40), frozenset(exempt))
        except (ValueError, TypeError) as err:
            raise self.fail(path, None, str(err)) from err


def parse_config(text: str, *, source: str = "<config>", base_dir: Path | None = None,
                 kinds: Mapping[str, Any] | None = None) -> BridgeConfig:
    """Parse and check a bridge configuration (TOML text)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"not valid TOML: {err}", source=source) from err
    r = _Reader(text, source, kinds)
    r.table(data, (), TOP_KEYS)
    bridge = r.table(data.get("bridge", {}), ("bridge",), BRIDGE_KEYS)
    defaults = {**DEFAULT_LOOKS, **r.looks(data.get("looks", {}), ("looks",), DEFAULT_LOOKS)}
    lights: list[LightSpec] = []
    overrides: dict[Subject, dict[str, Look]] = {}

    def add(subject: Subject, table: Any, path: tuple[str, ...]) -> None:
        lights.append(r.light(subject, table, path))
        if isinstance(table, Mapping) and "looks" in table:
            overrides[subject] = r.looks(table["looks"], (*path, "looks"), defaults)

    for desk, table in r.table(data.get("desks", {}), ("desks",), None).items():
        try:
            subject = Subject("desk", desk)
        except BadMessage as err:
            raise r.fail(("desks",), desk, str(err)) from err
        add(subject, table, ("desks", desk))
    if "floor" in data:
        add(Subject("floor"), data["floor"], ("floor",))
    for team, table in r.table(data.get("teams", {}), ("teams",), None).items():
        add(Subject("team", team), table, ("teams", team))

    def path_value(key: str) -> Path | None:
        raw = r.value(bridge, ("bridge",), key, str, None)
        return None if raw is None else (base_dir or Path()).joinpath(raw)

    b = ("bridge",)
    try:
        return BridgeConfig(
            prefix=r.value(bridge, b, "prefix", str, "floorlight"),
            mqtt_url=r.value(bridge, b, "mqtt", str, None),
            heartbeat_s=r.value(bridge, b, "heartbeat_s", float, 10.0),
            ttl_s=r.value(bridge, b, "ttl_s", int, 30),
            lights=tuple(lights),
            looks=LookBook(defaults, overrides,
                           r.quiet(data["quiet_hours"]) if "quiet_hours" in data else None),
            unknown_desks=r.value(bridge, b, "unknown_desks", str, "auto"),
            homeassistant_discovery=r.value(bridge, b, "homeassistant_discovery", bool, False),
            virtual_file=path_value("virtual_file"),
            health_file=path_value("health_file"),
            requests_dir=path_value("requests_dir"),
            source_timeout_s=r.value(bridge, b, "source_timeout_s", float, None),
        )
    except ConfigError as err:
        if err.line is None and err.key:
            table, _, key = err.key.rpartition(".")
            raise r.fail(tuple(table.split(".")) if table else (), key, str(err)) from err
        raise


def load_config(path: Path, *, kinds: Mapping[str, Any] | None = None) -> BridgeConfig:
    """Read and check a configuration file; relative paths in it are relative to the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"cannot read configuration: {err}", source=str(path)) from err
    return parse_config(text, source=str(path), base_dir=path.parent, kinds=kinds)
