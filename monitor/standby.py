"""Active or standby: a monitor on a PostgreSQL store is active only while it holds the lease
for its identity (client id and shard, ``store/lease.py``). Without it, it waits as a standby:
no connection under the shared client id (that would knock the active one off the broker),
a ``standby`` heartbeat row and MQTT presence, and a try for the lease every second. With
it: wait out the previous holder's last write, resume every open call from the store,
connect, and run, checking the lease between batches; every write is fenced by it. On losing
it (the store is gone, or our lease connection died), it drops what it held in memory and
leaves the broker (events not yet acknowledged go to the next holder) and waits again."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from monitor.mqtt_link import MonitorLink, StandbyPresence, taken_over_message
from monitor.service import MonitorService
from store.lease import LeaseLost, PostgresLease

log = logging.getLogger("floorlight.monitor")


def serve_with_lease(service: MonitorService, lease: PostgresLease, stop: threading.Event,
                     connect: Callable[[], MonitorLink | None],
                     presence: Callable[[], StandbyPresence | None]) -> str | None:
    """Standby, active, standby again … until ``stop``. Returns why it had to stop on its
    own (a monitor outside the lease took the client id), or None."""
    try:
        while not stop.is_set():
            _wait_for_lease(service, lease, stop, presence)
            if stop.is_set():
                break
            taken = _be_active(service, lease, stop, connect)
            if taken is not None:
                return taken
    finally:
        lease.dispose()
    return None


def _wait_for_lease(service: MonitorService, lease: PostgresLease, stop: threading.Event,
                    presence: Callable[[], StandbyPresence | None]) -> None:
    announced: StandbyPresence | None = None
    waiting = False
    next_beat = 0.0
    try:
        while not stop.is_set():
            if lease.try_acquire():
                if waiting:
                    _standby_row(service, "offline", "took over")
                return
            holder = lease.holder()
            if not waiting:
                waiting = True
                log.warning("standby: %s is active elsewhere (%s); taking over when its lease "
                            "is free", service.name, holder)
                announced = presence()
                if announced is not None:
                    announced.start()
            if time.monotonic() >= next_beat:
                next_beat = time.monotonic() + service.config.heartbeat_s
                _standby_row(service, "standby", holder)
            stop.wait(lease.ping_s)
        if waiting:
            _standby_row(service, "offline", "stopped")
    finally:
        if announced is not None:
            announced.stop()


def _be_active(service: MonitorService, lease: PostgresLease, stop: threading.Event,
               connect: Callable[[], MonitorLink | None]) -> str | None:
    started = time.monotonic()
    link: MonitorLink | None = None
    try:
        lease.barrier()
        service.become_passive()  # nothing from an earlier term: the store is the truth
        service.writer.lease = lease
        service.resume()
        link = connect()
        service.publisher = link
        if link is not None:
            link.start()
        log.warning("active: %s holds the lease (resumed in %.1f s)", service.name,
                    time.monotonic() - started)
        while not stop.is_set():
            lease.check()
            if link is not None and link.taken_over.is_set():
                lease.verify()  # lost it: step down as usual; still ours: not a standby's doing
                link.abandon()
                return taken_over_message(link, "not through this store's lease")
            service.step(0.05)
        link = None  # close() says goodbye, while the lease is still ours (a fenced heartbeat)
        service.close()
        return None
    except LeaseLost as err:
        log.error("lost the lease (%s): %s is no longer active; waiting as a standby",
                  err, service.name)
        if link is not None:
            link.abandon()
        return None
    finally:
        service.writer.lease = None
        service.publisher = None
        service.become_passive()
        lease.release()


def _standby_row(service: MonitorService, status: str, holder: str) -> None:
    info = {"pid": os.getpid(), "shard": str(service.config.shard), "active": holder,
            "model": service.engine.model.version, "heartbeat_s": service.config.heartbeat_s}
    name = replace(service.identity, standby=True).row_name
    service.writer.passive_heartbeat(name, status, info, datetime.now(UTC))
