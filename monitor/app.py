"""Wiring: a monitor service over a store URL, optionally an MQTT broker, and the batch
importer. The CLI and ``floorlight up`` call these; tests call them too."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from models.artifacts import FloorlightModel
from models.lexicon import Lexicon
from monitor.broker_queue import queue_warning
from monitor.config import MonitorConfig
from monitor.engine import Engine, Incoming
from monitor.inbox import FairInbox
from monitor.model_watch import ModelWatcher
from monitor.mqtt_link import MonitorLink, StandbyPresence, parse_mqtt_url, taken_over_message
from monitor.service import MonitorService
from monitor.standby import serve_with_lease
from store.db import open_store
from store.lease import FileLease, PostgresLease, lease_for
from store.writer import StoreWriter

log = logging.getLogger("floorlight.monitor")
STOP_GRACE_S = 5.0  # after a stop, how long the source may take to wind down


def build_service(model: FloorlightModel, lexicon: Lexicon, config: MonitorConfig, *,
                  db_url: str, mqtt_url: str | None = None,
                  registry: Path | None = None) -> MonitorService:
    """``registry``: follow its promotions and rollbacks while running (None: ``model`` runs
    until the process ends, e.g. a version pinned with ``--model DIR``)."""
    writer = StoreWriter(open_store(db_url))
    engine = Engine(model, config, lexicon)
    inbox = FairInbox()
    watcher = ModelWatcher(registry, model, poll_s=config.model_poll_s) if registry else None
    service = MonitorService(engine, writer, inbox, models=watcher)
    if mqtt_url:
        warning = queue_warning(config)
        if warning:
            log.warning(warning)
        service.publisher = make_link(service, mqtt_url)
    return service


def make_link(service: MonitorService, mqtt_url: str) -> MonitorLink:
    config = service.config
    return MonitorLink(parse_mqtt_url(mqtt_url), prefix=config.prefix,
                       client_id=config.session_id, inbox=service.inbox,
                       on_connected=service.request_republish, service=service.identity)


def make_presence(service: MonitorService, mqtt_url: str) -> StandbyPresence:
    config = service.config
    return StandbyPresence(parse_mqtt_url(mqtt_url), prefix=config.prefix,
                           client_id=config.session_id, service=service.identity)


def take_lease(db_url: str, config: MonitorConfig, *,
               standby: bool) -> PostgresLease | FileLease | None:
    """The lease this monitor runs under. SQLite: the file lock, taken now (a second monitor
    on the file is refused here, ``LeaseHeld``). PostgreSQL: the advisory-lock lease, taken
    by :func:`serve` (it may wait as a standby), if ``standby`` makes sense: only a broker
    session can be taken over, events from stdin or the simulator belong to their process."""
    lease = lease_for(db_url, config.session_id)
    if isinstance(lease, FileLease):
        lease.acquire()
        return lease
    return lease if standby else None


def serve(service: MonitorService, stop: threading.Event, *,
          lease: PostgresLease | FileLease | None = None,
          mqtt_url: str | None = None) -> str | None:
    """Run until ``stop`` is set: resume from the store, connect, loop, say goodbye. With a
    PostgreSQL lease the monitor may be a standby first (``monitor/standby.py``); a file
    lease must already be held. Returns why it stopped on its own (another monitor took its
    MQTT client id), or None."""
    if service.models is not None:  # follows the registry as standby too: ready on takeover
        service.models.start()
    if isinstance(lease, PostgresLease):
        service.publisher = None  # links are made per term as the active monitor
        return serve_with_lease(
            service, lease, stop, lambda: make_link(service, mqtt_url) if mqtt_url else None,
            lambda: make_presence(service, mqtt_url) if mqtt_url else None)
    link = service.publisher if isinstance(service.publisher, MonitorLink) else None
    service.resume()
    if link is not None:
        link.start()
    try:
        while not stop.is_set():
            if link is not None and link.taken_over.is_set():
                link.abandon()
                service.publisher = None
                return taken_over_message(link, "the broker dropped this one for it")
            service.step(0.05)
    finally:
        service.close()
        if isinstance(lease, FileLease):
            lease.release()
    return None


def run_inprocess(events: Iterable[dict], *, db_url: str | None,
                  stop: threading.Event | None = None, model: FloorlightModel | None = None,
                  lexicon: Lexicon | None = None, config: MonitorConfig | None = None,
                  mqtt_url: str | None = None, registry: Path | None = None) -> MonitorService:
    """The monitor fed from this process (the simulator): events are consumed as the iterable
    yields them (it may pace itself); returns when it is exhausted and every event has been
    applied, or when ``stop`` is set. Defaults: the promoted model, the bundled lexicon, the
    default store; ``registry``: follow its promotions (see :func:`build_service`)."""
    model, lexicon, db_url = _defaults(model, lexicon, db_url)
    config = config or MonitorConfig()
    lease = take_lease(db_url, config, standby=False)
    try:
        return _run_inprocess(events, build_service(model, lexicon, config, db_url=db_url,
                                                    mqtt_url=mqtt_url, registry=registry), stop)
    finally:
        if isinstance(lease, FileLease):
            lease.release()


def _run_inprocess(events: Iterable[dict], service: MonitorService,
                   stop: threading.Event | None) -> MonitorService:
    stop = stop or threading.Event()
    done = threading.Event()

    def feed() -> None:
        try:  # a paced source watches ``stop`` itself and ends its calls before it returns
            for event in events:
                service.feed([Incoming("simulator", event)])
        finally:
            done.set()

    service.resume()
    if isinstance(service.publisher, MonitorLink):
        service.publisher.start()
    if service.models is not None:
        service.models.start()
    threading.Thread(target=feed, name="simulator-feed", daemon=True).start()
    stopped_at: float | None = None
    try:
        while not (done.is_set() and not len(service.inbox)):
            if stop.is_set():
                stopped_at = stopped_at or time.monotonic()
                if time.monotonic() - stopped_at > STOP_GRACE_S:
                    log.warning("stopping with the source still running")
                    break
            service.step(0.05)
        service.step(0.0)
    finally:
        service.close()
    return service


def _defaults(model: FloorlightModel | None, lexicon: Lexicon | None,
              db_url: str | None) -> tuple[FloorlightModel, Lexicon, str]:
    if model is None or lexicon is None or db_url is None:
        from floorlight import settings  # where a bare call finds the runtime files
        from models.artifacts import load_model
        from models.lexicon import load_lexicon

        model = model or load_model(settings.models_dir())
        lexicon = lexicon or load_lexicon([settings.DATA_DIR / "lexicon" / "qa_lexicon.tsv"])
        db_url = db_url or settings.default_db_url()
    return model, lexicon, db_url


def read_events(stream: IO[bytes], source: str) -> Iterator[Incoming]:
    """JSON Lines in, one raw event per non-blank line, named ``source:line``. Lines stay
    bytes: invalid UTF-8 is the event's problem (a dead letter), never the reader's."""
    for number, line in enumerate(stream, 1):
        if line.strip():
            yield Incoming(f"{source}:{number}", line)


@dataclass
class ImportReport:
    events: int = 0
    turns: int = 0
    calls_ended: int = 0
    dead_letters: int = 0
    duplicates: int = 0


def import_events(model: FloorlightModel, lexicon: Lexicon, config: MonitorConfig,
                  db_url: str, events: Iterable[Incoming], *, batch: int = 2000,
                  progress=None) -> ImportReport:
    """Batch import (``floorlight ingest``): the live pipeline without waits or publishing.
    Gaps still open at the end of the input are skipped and reported."""
    writer = StoreWriter(open_store(db_url))
    engine = Engine(model, replace(config, reorder_wait_s=float("inf")), lexicon)
    service = MonitorService(engine, writer)
    service.resume()
    report, chunk = ImportReport(), []
    for item in events:
        chunk.append(item)
        if len(chunk) >= batch:
            _import_chunk(service, chunk, report, progress)
            chunk = []
    if chunk:
        _import_chunk(service, chunk, report, progress)
    flushed = engine.flush()
    if flushed:
        writer.write(flushed)
    report.turns = engine.counters["turns"]
    report.calls_ended = engine.counters["calls_ended"]
    report.dead_letters = engine.counters["dead_letters"]
    report.duplicates = engine.counters["duplicates"]
    return report


def _import_chunk(service: MonitorService, chunk: list[Incoming], report: ImportReport,
                  progress) -> None:
    service.process(chunk)
    report.events += len(chunk)
    if progress is not None:
        progress(len(chunk))
