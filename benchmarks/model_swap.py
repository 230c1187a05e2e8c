"""What a model hot swap costs the live monitor.

    .venv/bin/python benchmarks/model_swap.py [--model REGISTRY] [--calls 2000] [--rounds 4]

Copies the registry (default var/models) to a temporary directory, adds its promoted version
a second time under another name (same files), and runs the monitor's service on a temporary
SQLite store with ``--calls`` calls open (ten turns each). Then, ``--rounds`` times, promotes
the other version while the loop keeps applying turns, and reports:

- ``load_check_s``: loading and checking a version (on the watcher thread, off the loop);
- ``swap_pause_ms``: the loop's step that swaps it in (every open call's tracker state
  moved to the new version), i.e. how long the floor waits at a swap;
- ``other_steps_ms``: the other steps during the rounds, median and longest (the loop is
  not held up while a version loads; the longest is usually a store commit);
- ``promote_to_live_s``: from writing ACTIVE to the first batch scored by the new version,
  with the default ``model_poll_s`` (2 s).

Results go to benchmarks/results/model_swap.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

RESULTS = ROOT / "benchmarks" / "results" / "model_swap.json"
TWIN = "v29990101-000000"


def registry_with_twin(source: Path) -> tuple[Path, str, str]:
    from models.artifacts import CARD, active_version

    registry = Path(tempfile.mkdtemp(prefix="fl-swap-")) / "models"
    shutil.copytree(source, registry)
    first = active_version(registry)
    shutil.copytree(registry / first, registry / TWIN)
    card = json.loads((registry / TWIN / CARD).read_text())
    card["version"] = TWIN
    (registry / TWIN / CARD).write_text(json.dumps(card))
    return registry, first, TWIN


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "var" / "models"))
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    result = bench(Path(args.model), args.calls, args.rounds)
    print(json.dumps(result, indent=2))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2))
    return 0


def bench(source: Path, calls: int, rounds: int) -> dict:
    from monitor_import import _open_calls

    from models.artifacts import load_model, promote
    from models.lexicon import load_lexicon
    from monitor.app import build_service
    from monitor.config import MonitorConfig
    from monitor.engine import Incoming
    from monitor.model_watch import check_model

    registry, first, second = registry_with_twin(source)
    lexicon = load_lexicon([ROOT / "data" / "lexicon" / "qa_lexicon.tsv"])
    started = time.perf_counter()
    model = load_model(registry / second)
    check_model(model)
    load_check_s = time.perf_counter() - started

    store = registry.parent / "floor.db"
    service = build_service(load_model(registry), lexicon,
                            MonitorConfig(idle_timeout_s=1e9, reorder_wait_s=1e9),
                            db_url=f"sqlite:///{store}", registry=registry)
    service.feed(Incoming("bench", e) for e in _open_calls(calls, turns=10))
    while len(service.inbox):
        service.step(0)
    open_calls = len(service.engine.calls)
    call_ids = list(service.engine.calls)
    service.models.start()
    pauses, latencies, others = [], [], []
    seq = 11
    for n in range(rounds):
        target = second if n % 2 == 0 else first
        promote(registry, target, who="bench")
        promoted = time.perf_counter()
        while True:
            # one turn of one open call per step: the floor keeps talking while it loads
            call_id = call_ids[seq % len(call_ids)]
            service.feed([Incoming("bench", {
                "v": 1, "type": "utterance", "event_id": f"{call_id}-x{seq}",
                "call_id": call_id, "seq": service.engine.calls[call_id].next_seq,
                "speaker": "customer", "text": "Still waiting, this is taking too long.",
                "ts": "2026-11-23T09:00:00Z"})])
            seq += 1
            before = service.engine.model.version
            step_started = time.perf_counter()
            service.step(0)
            took = time.perf_counter() - step_started
            if service.engine.model.version != before:
                pauses.append(took)
                latencies.append(time.perf_counter() - promoted)
                break
            others.append(took)
    service.models.stop()
    shutil.rmtree(registry.parent, ignore_errors=True)
    return {"open_calls": open_calls, "rounds": rounds,
            "load_check_s": round(load_check_s, 2),
            "swap_pause_ms": {"median": round(1000 * statistics.median(pauses), 1),
                              "max": round(1000 * max(pauses), 1)},
            "other_steps_ms": {"median": round(1000 * statistics.median(others), 1),
                               "max": round(1000 * max(others), 1)},
            "promote_to_live_s": {"median": round(statistics.median(latencies), 2),
                                  "max": round(max(latencies), 2)}}


if __name__ == "__main__":
    sys.exit(main())
