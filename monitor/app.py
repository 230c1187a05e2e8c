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
from monitor.config import MonitorConfig
from monitor.engine import Engine, Incoming
from monitor.inbox import FairInbox
from monitor.model_watch import ModelWatcher
from monitor.mqtt_link import MonitorLink, parse_mqtt_url
from monitor.service import MonitorService
from store.db import open_store
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
        settings = parse_mqtt_url(mqtt_url)
        client_id = config.client_id if config.shard.count == 1 else \
            f"{config.client_id}-{config.shard.index}of{config.shard.count}"
        shard = None if config.shard.count == 1 else service.name
        link = MonitorLink(settings, prefix=config.prefix, client_id=client_id, inbox=inbox,
                           on_connected=service.request_republish, status_name=shard)
        service.publisher = link
    return service


def serve(service: MonitorService, stop: threading.Event) -> None:
    """Run until ``stop`` is set: resume from the store, connect, loop, say goodbye."""
    service.resume()
    if isinstance(service.publisher, MonitorLink):
        service.publisher.start()
    if service.models is not None:
        service.models.start()
    try:
        service.run(stop)
    finally:
        service.close()


def run_inprocess(events: Iterable[dict], *, db_url: str | None,
                  stop: threading.Event | None = None, model: FloorlightModel | None = None,
                  lexicon: Lexicon | None = None, config: MonitorConfig | None = None,
                  mqtt_url: str | None = None, registry: Path | None = None) -> MonitorService:
    """The monitor fed from this process (the simulator): events are consumed as the iterable
    yields them (it may pace itself); returns when it is exhausted and every event has been
    applied, or when ``stop`` is set. Defaults: the promoted model, the bundled lexicon, the
    default store; ``registry``: follow its promotions (see :func:`build_service`)."""
    model, lexicon, db_url = _defaults(model, lexicon, db_url)
    service = build_service(model, lexicon, config or MonitorConfig(), db_url=db_url,
                            mqtt_url=mqtt_url, registry=registry)
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
