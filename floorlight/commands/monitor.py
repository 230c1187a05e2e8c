"""``floorlight monitor [--mqtt URL] [--db URL] [--config FILE]``: the live monitor.

With a broker: call events from ``<prefix>/ingest/<call_id>`` (QoS 1, persistent session),
desk / team / floor states and the monitor's availability published retained. Without one
(the embedded default): events are read as JSON Lines from standard input and desk states go
to the store only; at the end of the input the monitor stops once every event is stored, so
``floorlight monitor < events.jsonl`` returns like ``floorlight ingest``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time

from floorlight import settings
from floorlight.commands._common import fail, model_path
from floorlight.commands._monitoring import add_store_arguments, setup
from floorlight.credentials import add_url_arguments
from models.artifacts import registry_of
from monitor.app import build_service, read_events, serve, take_lease


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("monitor", help="the live monitor service")
    add_url_arguments(parser, "mqtt", help="broker URL: mqtt://[user@]host[:port] or "
                      "mqtts://… (default: $FLOORLIGHT_MQTT; none: store only, events from "
                      "standard input)")
    add_store_arguments(parser)
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    mqtt_url = args.mqtt or settings.default_mqtt_url()
    # a bad setting, URL, model or store raises its package's error: one line (floorlight/cli.py)
    model, lexicon, config, db_url = setup(args)
    lease = take_lease(db_url, config, standby=bool(mqtt_url))
    service = build_service(model, lexicon, config, db_url=db_url, mqtt_url=mqtt_url,
                            registry=registry_of(model_path(args.model)))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if not mqtt_url:
        threading.Thread(target=_feed_stdin, args=(service, stop), daemon=True).start()
    stopped_because = serve(service, stop, lease=lease, mqtt_url=mqtt_url)
    return fail(stopped_because, 3) if stopped_because else 0


def _feed_stdin(service, stop: threading.Event) -> None:
    """Standard input into the service; at its end, ``stop`` once the inbox is empty. The
    loop finishes the batch it took before it looks at ``stop`` again, so every event read
    is stored; a call left open is kept in the store and resumed by the next start."""
    for item in read_events(sys.stdin.buffer, "stdin"):
        service.feed([item])
    while len(service.inbox) and not stop.is_set():
        time.sleep(0.05)
    stop.set()
