"""Batch import and open-call memory of the monitor.

    .venv/bin/python benchmarks/monitor_import.py import [--turns 1000000] [--model DIR]
    .venv/bin/python benchmarks/monitor_import.py open-calls [--calls 2000] [--model DIR]

``import`` writes a JSON Lines file of call events (whole calls from the bundled corpus, 500
at a time, interleaved) and times ``floorlight ingest`` on it into a fresh SQLite file,
reporting wall time, turns/s and the peak RSS of the ingest process.

``open-calls`` runs the monitor's engine and store in this process with ``--calls`` calls
open at once (ten turns each, none ended) and reports the peak RSS, next to the RSS after
loading the model alone; like ``floorlight monitor`` it refuses pandas and pytest
(``floorlight/lean.py``). Results go to benchmarks/results/monitor_import.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from monitor_events import floor_stream  # noqa: E402

FLOORLIGHT = str(Path(sys.executable).with_name("floorlight"))
RESULTS = ROOT / "benchmarks" / "results" / "monitor_import.json"


def bench_import(turns: int, model: str) -> dict:
    work = Path(tempfile.mkdtemp(prefix="fl-import-"))
    events = work / "events.jsonl"
    with events.open("w", encoding="utf-8") as out:
        for event in floor_stream(turns, 500, run="imp"):
            out.write(json.dumps(event, ensure_ascii=False) + "\n")
    env = {**os.environ, "FLOORLIGHT_HOME": str(work), "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1"}
    started = time.perf_counter()
    done = subprocess.run([FLOORLIGHT, "ingest", str(events), "--db",
                           f"sqlite:///{work / 'floor.db'}", "--model", model,
                           "--log-level", "WARNING"], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak, cpu = child.ru_maxrss / 1024, child.ru_utime + child.ru_stime
    return {"turns": turns, "file_mb": round(events.stat().st_size / 2**20, 1),
            "seconds": round(seconds, 1), "turns_per_s": round(turns / seconds),
            # CPU time is what a busy shared machine distorts least (wall time waits for it)
            "cpu_seconds": round(cpu, 1), "turns_per_cpu_s": round(turns / cpu),
            "peak_rss_mb": round(peak), "db_mb": round((work / "floor.db").stat().st_size
                                                      / 2**20), "summary": done.stdout.strip()}


def bench_open_calls(calls: int, model_dir: str) -> dict:
    # This process stands in for ``floorlight monitor``, which keeps pandas and pytest out.
    from floorlight.lean import refuse_unused_libraries

    refuse_unused_libraries()
    from models.artifacts import load_model
    from models.lexicon import load_lexicon
    from monitor.config import MonitorConfig
    from monitor.engine import Engine, Incoming
    from store.db import open_store
    from store.writer import StoreWriter

    model = load_model(Path(model_dir))
    lexicon = load_lexicon([ROOT / "data" / "lexicon" / "qa_lexicon.tsv"])
    baseline = _rss_mb()
    work = Path(tempfile.mkdtemp(prefix="fl-open-"))
    writer = StoreWriter(open_store(f"sqlite:///{work / 'floor.db'}"))
    engine = Engine(model, MonitorConfig(idle_timeout_s=1e9), lexicon)
    batch: list[Incoming] = []
    for event in _open_calls(calls, turns=10):
        batch.append(Incoming("bench", event))
        if len(batch) == 1000:
            writer.write(engine.handle(batch, writer))
            batch = []
    writer.write(engine.handle(batch, writer))
    return {"open_calls": len(engine.calls), "rss_after_model_mb": round(baseline),
            "peak_rss_mb": round(_peak_mb()), "rss_now_mb": round(_rss_mb())}


def _open_calls(calls: int, turns: int):
    """``calls`` calls interleaved, each stopped after ``turns`` turns (no call_ended)."""
    from datetime import UTC, datetime

    from monitor_events import call_events, corpus_calls

    corpus = [c for c in corpus_calls() if len(c["utterances"]) >= turns]
    scripts = [call_events(corpus[i % len(corpus)], f"open-{i}", f"a-{i}",
                           datetime.now(UTC))[: turns + 1] for i in range(calls)]
    for step in range(turns + 1):
        for script in scripts:
            yield script[step]


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["import", "open-calls"])
    parser.add_argument("--turns", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--model", default=str(ROOT / "var" / "models"))
    args = parser.parse_args()
    result = bench_import(args.turns, args.model) if args.what == "import" else \
        bench_open_calls(args.calls, args.model)
    print(json.dumps(result, indent=2))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    saved[args.what] = result
    RESULTS.write_text(json.dumps(saved, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
