"""``floorlight up``: the embedded default in one command.

Trains the bundled model when no model is promoted yet (and sanity-checks it on the
hand-labelled development sample, never trained on), then runs the product as one process
group: the simulated floor feeding the monitor in-process (SQLite store), the bridge driving
virtual desk lights from the store, and the dashboard. Ctrl-C stops them all.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from floorlight import settings
from floorlight.commands._common import default_lexicon, fail, run_guarded
from floorlight.credentials import add_url_arguments, child_environment
from models.artifacts import active_version

FLOORLIGHT = [sys.executable, "-m", "floorlight"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("up", help="run the product on its embedded default")
    parser.add_argument("--agents", type=int, default=12, help="simulated agents (default 12)")
    parser.add_argument("--speed", type=float, default=1.0,
                        help="simulated time per real second (default 1.0: real time)")
    parser.add_argument("--port", type=int, default=8501, help="dashboard port (default 8501)")
    parser.add_argument("--host", default="127.0.0.1", help="dashboard address")
    add_url_arguments(parser, "db", help="store URL (default: $FLOORLIGHT_DB, else SQLite "
                      "in $FLOORLIGHT_HOME)")
    parser.add_argument("--duration", type=float, default=None, metavar="S",
                        help="stop after S seconds (default: run until Ctrl-C)")
    parser.add_argument("--no-dashboard", action="store_true", help="run headless")
    parser.add_argument("--devset", type=Path, default=settings.REPO_ROOT.parent / "shared"
                        / "devset", help="development sample to sanity-check a new model on")
    parser.set_defaults(func=lambda args: run_guarded(_run, args))


def ensure_model(registry: Path, devset: Path | None = None) -> Path:
    """The promoted model's registry, training the bundled default first if there is none."""
    if active_version(registry) is not None:
        return registry
    from floorlight.commands.train import default_data, summary
    from models.training import TrainConfig, train

    print(f"no promoted model in {registry}: training the bundled default (a few minutes; "
          "this happens once) …", flush=True)
    started = time.monotonic()

    def progress(step: str, fraction: float) -> None:
        print(f"  {fraction:4.0%}  {time.monotonic() - started:5.0f} s  {step}", flush=True)

    version = train(default_data(), registry, lexicon=default_lexicon(), config=TrainConfig(),
                    progress=progress)
    print(summary(json.loads((version / "card.json").read_text())))
    if devset is not None:
        _sanity_check(registry, devset)
    return registry


def _sanity_check(registry: Path, devset: Path) -> None:
    from floorlight.commands.evaluate import render_calls, render_utterances
    from models.artifacts import load_model
    from models.training import evaluate_file

    model = load_model(registry)
    for name in ("utterances.jsonl", "calls.jsonl"):
        path = devset / name
        if path.exists():
            kind, metrics = evaluate_file(model, path)
            print(f"\n== development sample (never trained on): {path} ==")
            print(render_calls(metrics) if kind == "calls" else render_utterances(metrics))


def _run(args: argparse.Namespace) -> int:
    dashboard = None
    if not args.no_dashboard:
        from dashboard.config import sign_in_enabled
        from dashboard.launch import command

        try:  # a non-local --host with sign-in off is refused before anything starts
            dashboard = command(args.port, args.host, sign_in=sign_in_enabled(os.environ))
        except ValueError as err:
            return fail(str(err))
    ensure_model(settings.models_dir(), args.devset)
    db_url = args.db or settings.default_db_url()
    children = _start(args, db_url, dashboard)
    stopping = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.append(True))
    deadline = time.monotonic() + args.duration if args.duration else None
    try:
        while not stopping and all(c.poll() is None for c in children.values()):
            if deadline is not None and time.monotonic() >= deadline:
                break
            time.sleep(0.2)
    finally:
        _stop(children)
    failed = [name for name, c in children.items() if c.returncode not in (0, -15, None)]
    if failed and not stopping and deadline is None:
        print(f"floorlight up: {', '.join(failed)} stopped unexpectedly", file=sys.stderr)
        return 1
    return 0


def _start(args: argparse.Namespace, db_url: str,
           dashboard: list[str] | None) -> dict[str, subprocess.Popen]:
    # The store URL reaches every child in its environment (a command line is public); no
    # broker: the embedded default runs the monitor in-process and lights from the store.
    env = child_environment({**os.environ, "FLOORLIGHT_HOME": str(settings.home_dir())},
                            db=db_url, mqtt=None)
    children = {
        "simulator+monitor": [*FLOORLIGHT, "simulate", "--agents", str(args.agents),
                              "--speed", str(args.speed)],
        "bridge (virtual lights)": [*FLOORLIGHT, "bridge"],
    }
    if dashboard is not None:
        children["dashboard"] = dashboard
    started = {}
    for name, argv in children.items():
        started[name] = subprocess.Popen(argv, env=env)
        if name == "simulator+monitor":  # the bridge and dashboard read what it registers
            _wait_for_monitor(db_url, started[name])
    if dashboard is not None:
        from dashboard.config import sign_in_enabled
        from floorlight.commands.users import announce_first_admin

        print(f"\nFloorlight is up: dashboard at http://{args.host}:{args.port} "
              f"(store {settings.home_dir()}); Ctrl-C stops everything.\n", flush=True)
        if sign_in_enabled(os.environ):
            announce_first_admin(db_url)
    return started


def _wait_for_monitor(db_url: str, monitor: subprocess.Popen, timeout_s: float = 60.0) -> None:
    """Until the monitor has made the store and sent its first heartbeat, so that the bridge
    starting next does not warn about a monitor that is only starting up."""
    from sqlalchemy.exc import SQLAlchemyError

    from store.db import open_store
    from store.errors import StoreError
    from store.queries import service_rows

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and monitor.poll() is None:
        try:
            engine = open_store(db_url, migrate=False)
            try:
                if any(s.name.startswith("monitor") for s in service_rows(engine)):
                    return
            finally:
                engine.dispose()
        except (StoreError, SQLAlchemyError):
            pass  # not made yet
        time.sleep(0.25)


def _stop(children: dict[str, subprocess.Popen]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    for child in children.values():
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
