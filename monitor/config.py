"""The monitor's settings: defaults that run a floor as-is, overridable from a TOML file.

```toml
prefix = "floorlight"          # MQTT topic prefix
redact = true                  # PII redaction before anything is stored or published
max_text_chars = 5000          # longer turns are dead-lettered (their seq is consumed)
reorder_wait_s = 2.0           # how long a gap in seq is waited for before it is skipped
idle_timeout_s = 900           # a call with no event for this long is closed as timed_out
shard = "0/1"                  # this worker owns calls with crc32(call_id) % N == I
floor_agents = 200             # agents on the floor (default: those under [agents])
outage_minutes = 60            # how long a monitor outage must lose nothing
broker_config = "/etc/mosquitto/conf.d/floorlight.conf"  # read for max_queued_messages
broker_queue_limit = 500000    # or say the broker's limit directly
model_poll_s = 2.0             # how often the model registry's ACTIVE pointer is looked at

[agents.a-17]                  # optional agent -> desk / team map
desk = "d-17"
team = "billing"
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from monitor.errors import MonitorConfigError
from store.services import HEARTBEAT_S


@dataclass(frozen=True)
class Shard:
    index: int = 0
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        try:
            index, count = (int(part) for part in text.split("/"))
        except ValueError:
            raise MonitorConfigError(f"shard must look like I/N (e.g. 0/2), got {text!r}") from None
        if count < 1 or not 0 <= index < count:
            raise MonitorConfigError(f"shard {text!r}: need 0 <= I < N")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(frozen=True)
class AgentPlace:
    desk: str | None = None
    team: str | None = None


@dataclass(frozen=True)
class MonitorConfig:
    prefix: str = "floorlight"
    redact: bool = True
    max_text_chars: int = 5000
    reorder_wait_s: float = 2.0
    idle_timeout_s: float = 900.0
    ack_poll_s: float = 0.5
    heartbeat_s: float = HEARTBEAT_S
    model_poll_s: float = 2.0  # a promotion reaches the floor within this, plus loading it
    batch_max: int = 512
    per_call_batch_max: int = 16  # a flooding call gets this many turns a batch, others go too
    client_id: str = "floorlight-monitor"
    floor_agents: int = 0  # 0: the agents listed under [agents]
    outage_minutes: float = 60.0
    broker_config: str = ""
    broker_queue_limit: int = 0  # 0: read broker_config, else mosquitto's stock 1,000
    shard: Shard = Shard()
    agents: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    @property
    def session_id(self) -> str:
        """The MQTT client id of this worker's persistent session, and the identity its
        lease is for: a shard worker has its own (``floorlight-monitor-0of2``)."""
        if self.shard.count == 1:
            return self.client_id
        return f"{self.client_id}-{self.shard.index}of{self.shard.count}"

    def place(self, agent_id: str) -> AgentPlace:
        return self.agents.get(agent_id, AgentPlace())


_SCALARS = {f.name: f.type for f in fields(MonitorConfig) if f.name not in ("shard", "agents")}
_TYPES = {"str": str, "bool": bool, "int": int, "float": (int, float)}


def load_config(path: Path | None, **overrides: Any) -> MonitorConfig:
    """Defaults, then ``path`` (TOML), then non-None ``overrides``."""
    config = MonitorConfig()
    if path is not None:
        config = _from_toml(path)
    given = {k: v for k, v in overrides.items() if v is not None}
    if "shard" in given and isinstance(given["shard"], str):
        given["shard"] = Shard.parse(given["shard"])
    return replace(config, **given)


def _from_toml(path: Path) -> MonitorConfig:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise MonitorConfigError(f"{path}: cannot read ({err.strerror})") from None
    except tomllib.TOMLDecodeError as err:
        raise MonitorConfigError(f"{path}: {err}") from None
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "agents":
            values["agents"] = MappingProxyType(_agents(path, value))
        elif key == "shard":
            values["shard"] = Shard.parse(str(value))
        elif key in _SCALARS:
            values[key] = _checked(path, key, value)
        else:
            known = ", ".join(sorted([*_SCALARS, "agents", "shard"]))
            raise MonitorConfigError(f"{path}: unknown key {key!r} (known: {known})")
    return MonitorConfig(**values)


def _checked(path: Path, key: str, value: Any) -> Any:
    expected = _TYPES[_SCALARS[key]]
    if isinstance(value, bool) and expected is not bool:
        raise MonitorConfigError(f"{path}: {key} must be {_SCALARS[key]}, got {value!r}")
    if not isinstance(value, expected):
        raise MonitorConfigError(f"{path}: {key} must be {_SCALARS[key]}, got {value!r}")
    if isinstance(value, int | float) and not isinstance(value, bool) and value <= 0:
        raise MonitorConfigError(f"{path}: {key} must be positive, got {value!r}")
    return float(value) if _SCALARS[key] == "float" else value


def _agents(path: Path, table: Any) -> dict[str, AgentPlace]:
    if not isinstance(table, dict):
        raise MonitorConfigError(f"{path}: agents must be a table of [agents.<agent_id>]")
    places = {}
    for agent, entry in table.items():
        if not isinstance(entry, dict) or set(entry) - {"desk", "team"}:
            raise MonitorConfigError(f"{path}: agents.{agent} takes only desk and team")
        places[agent] = AgentPlace(entry.get("desk"), entry.get("team"))
    return places
