"""Who is running: the one registry of Floorlight's services (monitors with their shards and
standbys, bridges) and the one judgement of whether the floor's states are fresh.

Services announce themselves twice: a row in table ``services`` (a heartbeat) and a retained
availability word on MQTT. Both names are derived here and nowhere else:

=============================  ========================  ======================================
service                        row name                  availability topic (under ``prefix``)
=============================  ========================  ======================================
the monitor (one worker)       ``monitor``               ``monitor/status``
shard worker I of N            ``monitor-IofN``          ``monitor/monitor-IofN/status``
its standby                    ``monitor-IofN-standby``  ``monitor/monitor-IofN/standby``
a lone monitor's standby       ``monitor-standby``       ``monitor/standby``
a bridge                       —                         ``bridge/status``
=============================  ========================  ======================================

The dashboard (rows), the bridge's store source (rows), its MQTT source (topics) and Home
Assistant's availability (topics) all read :func:`liveness`. Pure Python on purpose: the
bridge imports it without the store's database layer (architecture.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MONITOR, BRIDGE = "monitor", "bridge"
HEARTBEAT_S = 5.0
"""How often a monitor writes its heartbeat row unless configured otherwise."""
SILENT_AFTER_HEARTBEATS = 3
"""A service whose newest heartbeat is older than this many of its own intervals is taken for
dead (a killed process cannot write ``offline``)."""

ONLINE, OFFLINE, STANDBY = "online", "offline", "standby"
SILENT, MISSING = "silent", "missing"  # judged here, never written

_ROW = re.compile(r"^monitor(?:-(\d+)of(\d+))?(-standby)?$")


@dataclass(frozen=True, order=True)
class ServiceId:
    """One running service's identity. ``shards == 1`` is the lone monitor."""

    role: str = MONITOR
    shard: int = 0
    shards: int = 1
    standby: bool = False

    @property
    def sharded(self) -> bool:
        return self.shards > 1

    @property
    def worker(self) -> ServiceId:
        """The active worker this standby stands in for (itself, for a worker)."""
        return ServiceId(self.role, self.shard, self.shards)

    @property
    def row_name(self) -> str:
        if self.role == BRIDGE:
            return BRIDGE
        name = f"{MONITOR}-{self.shard}of{self.shards}" if self.sharded else MONITOR
        return f"{name}-standby" if self.standby else name

    def status_topic(self, prefix: str) -> str:
        if self.role == BRIDGE:
            return f"{prefix}/{BRIDGE}/status"
        base = f"{prefix}/{MONITOR}/" + (f"{self.worker.row_name}/" if self.sharded else "")
        return base + ("standby" if self.standby else "status")

    def __str__(self) -> str:
        return self.row_name


def monitor(shard: int = 0, shards: int = 1, *, standby: bool = False) -> ServiceId:
    if not 0 <= shard < shards:
        raise ValueError(f"shard {shard} of {shards}: need 0 <= shard < shards")
    return ServiceId(MONITOR, shard, shards, standby)


BRIDGE_ID = ServiceId(BRIDGE)


def from_row_name(name: str) -> ServiceId | None:
    """The service a ``services`` row belongs to; None for a name of no service we know."""
    match = _ROW.match(name)
    if match is None:
        return BRIDGE_ID if name == BRIDGE else None
    index, count, standby = match.groups()
    if index is None:
        return monitor(standby=bool(standby))
    try:
        return monitor(int(index), int(count), standby=bool(standby))
    except ValueError:
        return None


def from_topic(prefix: str, topic: str) -> ServiceId | None:
    """The service an availability topic belongs to; None for any other topic."""
    if topic == BRIDGE_ID.status_topic(prefix):
        return BRIDGE_ID
    head = f"{prefix}/{MONITOR}/"
    if not topic.startswith(head):
        return None
    parts = topic[len(head):].split("/")
    if parts == ["status"]:
        return monitor()
    if parts == ["standby"]:
        return monitor(standby=True)
    if len(parts) == 2 and parts[1] in ("status", "standby"):
        service = from_row_name(parts[0])
        if service is not None and service.sharded and not service.standby:
            return ServiceId(MONITOR, service.shard, service.shards, parts[1] == "standby")
    return None


def status_filters(prefix: str) -> tuple[str, ...]:
    """MQTT subscriptions that see every service's availability."""
    return (f"{prefix}/{MONITOR}/status", f"{prefix}/{MONITOR}/standby",
            f"{prefix}/{MONITOR}/+/status", f"{prefix}/{MONITOR}/+/standby",
            BRIDGE_ID.status_topic(prefix))


@dataclass(frozen=True)
class Sighting:
    """What one service last said about itself. ``heard_at`` is None for a retained MQTT
    word (the broker keeps it current: a dead client's will replaces it)."""

    service: ServiceId
    status: str
    heard_at: datetime | None = None
    heartbeat_s: float = HEARTBEAT_S
    info: dict | None = None

    def state(self, now: datetime) -> str:
        """``online``, ``silent`` (online but no heartbeat for too long), or what it said."""
        if self.status == ONLINE and self.heard_at is not None and \
                (now - self.heard_at).total_seconds() > SILENT_AFTER_HEARTBEATS * self.heartbeat_s:
            return SILENT
        return self.status


@dataclass(frozen=True)
class Worker:
    """One shard's active worker as judged now (``state`` may be ``missing``)."""

    service: ServiceId
    state: str
    sighting: Sighting | None

    @property
    def live(self) -> bool:
        return self.state == ONLINE


@dataclass(frozen=True)
class Liveness:
    """The monitors the floor needs now (every shard of the current layout) and how each is."""

    workers: tuple[Worker, ...]
    standbys: tuple[Sighting, ...]
    bridges: tuple[Sighting, ...]

    @property
    def registered(self) -> bool:
        """Whether any monitor has ever announced itself here."""
        return bool(self.workers)

    @property
    def down(self) -> tuple[Worker, ...]:
        return tuple(w for w in self.workers if not w.live)

    @property
    def fresh(self) -> bool:
        """Desk states can be vouched for: every shard's worker is online (or no monitor is
        known at all: states written by something else are taken as they are)."""
        return not self.down

    def problem(self) -> str:
        """One line naming each monitor that is down, or ``""``."""
        return "; ".join(f"{w.service} is {w.state}" for w in self.down)

    def availability_topics(self, prefix: str) -> tuple[str, ...]:
        """What Home Assistant must see ``online`` for the floor to be available."""
        workers = [w.service for w in self.workers] or [monitor()]
        return tuple(s.status_topic(prefix) for s in workers)


def liveness(sightings: Iterable[Sighting], now: datetime) -> Liveness:
    """Judge the services from their sightings, oldest first (later ones win).

    The current layout is the shard count of the most recently heard worker that is online
    (else of the most recently heard worker), so rows left over from an earlier layout (a
    lone ``monitor`` before a scale-out) neither count as down nor as up."""
    latest: dict[ServiceId, Sighting] = {}
    for sighting in sightings:
        latest.pop(sighting.service, None)  # re-insert: dict order is hearing order
        latest[sighting.service] = sighting
    workers = [s for s in latest.values() if s.service.role == MONITOR and not s.service.standby]
    layout = _layout(workers, now)
    expected = [monitor(i, layout) for i in range(layout)] if workers else []
    judged = tuple(Worker(w, latest[w].state(now) if w in latest else MISSING, latest.get(w))
                   for w in expected)
    standbys = tuple(s for s in latest.values() if s.service.standby
                     and s.service.shards == layout)
    bridges = tuple(s for s in latest.values() if s.service.role == BRIDGE)
    return Liveness(judged, standbys, bridges)


def _layout(workers: Sequence[Sighting], now: datetime) -> int:
    pool = [w for w in workers if w.state(now) == ONLINE] or list(workers)
    if not pool:
        return 1
    if all(w.heard_at is not None for w in pool):
        pool.sort(key=lambda w: w.heard_at)  # type: ignore[arg-type, return-value]
    return pool[-1].service.shards


def from_rows(rows: Iterable[Any]) -> list[Sighting]:
    """Sightings from ``services`` rows (anything with ``name``, ``status``, ``info`` and an
    aware ``updated_at``), oldest first; rows of no known service are left out."""
    out = []
    for row in rows:
        service = from_row_name(row.name)
        if service is None:
            continue
        info = row.info if isinstance(row.info, dict) else {}
        try:
            beat = float(info.get("heartbeat_s") or HEARTBEAT_S)
        except (TypeError, ValueError):
            beat = HEARTBEAT_S
        out.append(Sighting(service, row.status, row.updated_at, beat, info))
    return sorted(out, key=lambda s: s.heard_at or datetime.min.replace(tzinfo=UTC))
