"""``floorlight simulate [--mqtt URL] [--agents N] [--speed X]``: a simulated live floor.

Where the events go: ``--mqtt URL`` publishes them (``<prefix>/ingest/<call_id>``, QoS 1);
``--out FILE|-`` writes JSON Lines (with ``--speed 0``: a file for ``floorlight ingest``);
neither runs the monitor in this process, storing into ``--db``."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from floorlight import settings
from floorlight.commands._common import add_model_argument, fail, model_path, open_model
from floorlight.credentials import add_url_arguments
from models.errors import ModelError
from simulator.chaos import KINDS, Chaos, RawLine
from simulator.errors import SimulatorError
from simulator.floor import FloorSimulator, RunReport
from simulator.publisher import DEFAULT_PREFIX, MqttPublisher, check_prefix, parse_target
from simulator.scripts import load_scripts
from store.errors import StoreError

log = logging.getLogger("floorlight.simulate")
Item = dict | RawLine


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("simulate", help="a simulated live floor (demos, load tests)")
    where = parser.add_mutually_exclusive_group()
    add_url_arguments(where, "mqtt", help="publish to a broker: mqtt://[user@]host[:port]"
                      "[/prefix] or mqtts://…[?ca=FILE] (default: $FLOORLIGHT_MQTT)")
    where.add_argument("--out", default=None, metavar="FILE|-",
                       help="write JSON Lines instead (- for standard output)")
    parser.add_argument("--agents", type=_count("agents"), default=12,
                        help="agents on the floor (default 12)")
    parser.add_argument("--speed", type=_speed, default=1.0,
                        help="2.0 = twice as fast; 0 = no waiting (default 1.0)")
    parser.add_argument("--calls", type=_count("calls"), default=None,
                        help="stop after this many calls (they finish normally)")
    parser.add_argument("--duration", type=_seconds, default=None, metavar="S",
                        help="stop after S seconds of floor time, hanging up calls in progress")
    parser.add_argument("--seed", type=int, default=None, help="random seed (repeatable pace)")
    parser.add_argument("--prefix", default=None,
                        help=f"MQTT topic prefix (default: the URL's path, else {DEFAULT_PREFIX})")
    parser.add_argument("--corpus", type=Path, default=None,
                        help="whole calls to replay (default: data/calls/calls.jsonl)")
    parser.add_argument("--chaos", type=_rate, nargs="?", const=0.02, default=None,
                        metavar="RATE", help="mix in bad input (duplicates, out-of-order seq, "
                        "malformed JSON, unknown calls) at RATE per event (default 0.02)")
    parser.add_argument("--buffer", type=_count("buffer"), default=20_000,
                        help="events kept for an absent broker before the floor pauses")
    add_url_arguments(parser, "db", help="store URL for the in-process monitor (no --mqtt "
                      "/ --out; default: $FLOORLIGHT_DB, else $FLOORLIGHT_HOME/floorlight.db)")
    add_model_argument(parser)
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if not args.out:  # an explicit file wins over a broker named in the environment
        args.mqtt = args.mqtt or settings.default_mqtt_url()
    try:
        simulator = _simulator(args)
        with _stop_on_signals() as stop:
            if args.mqtt:
                report = _to_broker(args, simulator, stop)
            elif args.out:
                report = _to_file(args, simulator, stop)
            else:
                return _in_process(args, simulator, stop)
    except SimulatorError as err:
        return fail(str(err))
    print(_summary(report), file=sys.stderr)
    return 0


def _simulator(args: argparse.Namespace) -> FloorSimulator:
    scripts = load_scripts(args.corpus or settings.DATA_DIR / "calls" / "calls.jsonl")
    return FloorSimulator(scripts, agents=args.agents, speed=args.speed, seed=args.seed,
                          max_calls=args.calls, duration_s=args.duration)


def _to_broker(args: argparse.Namespace, simulator: FloorSimulator,
               stop: threading.Event) -> RunReport:
    broker, url_prefix = parse_target(args.mqtt)
    prefix = check_prefix(args.prefix) if args.prefix is not None else url_prefix
    publisher = MqttPublisher(broker, prefix=prefix or DEFAULT_PREFIX, buffer=args.buffer,
                              stop=stop)
    publisher.start()
    try:
        report = _drive(args, simulator, publisher, stop)
    finally:  # after a stop, a broker that is still away gets a short last chance
        left = publisher.close(timeout=3.0 if stop.is_set() else 10.0)
    if left:
        raise SimulatorError(f"{left} events were not acknowledged by the broker")
    return report


def _to_file(args: argparse.Namespace, simulator: FloorSimulator,
             stop: threading.Event) -> RunReport:
    live = args.speed > 0  # a reader downstream (a pipe into the monitor) sees each at once
    if args.out == "-":
        return _drive(args, simulator, _line_writer(sys.stdout, flush=live), stop)
    try:
        with open(args.out, "w", encoding="utf-8") as out:
            return _drive(args, simulator, _line_writer(out, flush=live), stop)
    except OSError as err:
        raise SimulatorError(f"{args.out}: cannot write: {err.strerror}") from err


def _in_process(args: argparse.Namespace, simulator: FloorSimulator,
                stop: threading.Event) -> int:
    try:
        from models.artifacts import registry_of
        from monitor.app import run_inprocess
    except ImportError as err:
        return fail("this build has no in-process monitor (monitor.app.run_inprocess: "
                    f"{err}); use --mqtt URL with `floorlight monitor`, or --out FILE")
    report = RunReport()
    try:
        model = open_model(args.model)
        events = simulator.paced(stop=stop, report=report)
        if args.chaos:  # in-process events are dicts: no malformed JSON lines here
            kinds = [k for k in KINDS if k != "malformed"]
            events = Chaos(args.chaos, seed=args.seed, kinds=kinds).mix(events)
        run_inprocess(events, db_url=args.db or settings.default_db_url(), stop=stop,
                      model=model, registry=registry_of(model_path(args.model)))
    except (ModelError, StoreError) as err:
        return fail(str(err))
    print(_summary(report), file=sys.stderr)
    return 0


def _drive(args: argparse.Namespace, simulator: FloorSimulator,
           sink: Callable[[Item], None], stop: threading.Event) -> RunReport:
    report = RunReport()
    chaos = Chaos(args.chaos, seed=args.seed) if args.chaos else None
    started = time.monotonic()
    items: Iterable[Item] = simulator.paced(stop=stop, report=report)
    for item in chaos.mix(items) if chaos is not None else items:
        sink(item)
    log.info("%d events in %.1f s", report.events, time.monotonic() - started)
    if chaos is not None:
        log.info("chaos: %s", ", ".join(f"{k} {n}" for k, n in sorted(chaos.counts.items())))
    return report


def _line_writer(stream: IO[str], *, flush: bool) -> Callable[[Item], None]:
    def write(item: Item) -> None:
        stream.write((item.text if isinstance(item, RawLine) else
                      json.dumps(item, ensure_ascii=False, separators=(",", ":"))) + "\n")
        if flush:
            stream.flush()
    return write


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """The first Ctrl-C / SIGTERM stops the floor cleanly (open calls are hung up, the buffer
    is flushed); a second one interrupts at once. The old handlers come back afterwards."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handle(signum, _frame) -> None:
        stop.set()
        signal.signal(signum, signal.default_int_handler)

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _summary(report: RunReport) -> str:
    finished = report.calls_ended - report.hung_up
    cut = f", {report.hung_up} hung up at the stop" if report.hung_up else ""
    return (f"simulated {report.calls_started} calls ({finished} finished{cut}), "
            f"{report.events} events; at most {report.max_lag_s:.2f} s behind schedule")


def _count(what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{what} must be a whole number, got {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{what} must be at least 1, got {value}")
        return value
    return parse


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _speed(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"speed must be 0 (no waiting) or more, got {value}")
    return value


def _seconds(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"duration must be positive, got {value}")
    return value


def _rate(text: str) -> float:
    value = _number(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"chaos rate must be within (0, 1], got {value}")
    return value
