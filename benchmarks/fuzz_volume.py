"""Hostile events at volume through the monitor's engine and service on a real SQLite store.

    .venv/bin/python benchmarks/fuzz_volume.py [--hostile 100000] [--seed 11] [--model DIR]

Rounds of the fuzz suite's streams (tests/monitor/hostile.py: valid calls with every hostile
kind mixed in, redelivered, reordered, cut into random batches, a restart now and then, a
4 MB event every 25th round) until ``--hostile`` hostile deliveries have been sent. Reports
the events sent (hostile ones: those built to be refused, redelivered copies included),
crashes (an exception out of the service: must be 0), events set aside by
poison isolation (an unforeseen failure inside), lost and doubled valid turns, and hostile
events without exactly one dead letter. Writes benchmarks/results/fuzz_volume.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from models.artifacts import load_model  # noqa: E402
from models.lexicon import load_lexicon  # noqa: E402
from monitor.config import MonitorConfig  # noqa: E402
from monitor.engine import Engine  # noqa: E402
from monitor.service import MonitorService  # noqa: E402
from store.db import open_store  # noqa: E402
from store.writer import StoreWriter  # noqa: E402
from tests.monitor.hostile import build, last_dead_letter, lost_and_doubled, problems  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "fuzz_volume.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hostile", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--model", default=str(ROOT / "var" / "models"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # every hostile event logs a warning
    model = load_model(Path(args.model))
    lexicon = load_lexicon([ROOT / "data" / "lexicon" / "qa_lexicon.tsv"])
    work = Path(tempfile.mkdtemp(prefix="fl-fuzz-"))
    writer = StoreWriter(open_store(f"sqlite:///{work / 'fuzz.db'}"))
    rnd = random.Random(args.seed)
    totals = dict.fromkeys(("rounds", "events_sent", "hostile_sent", "redeliveries_sent",
                            "valid_turns",
                            "crashes", "set_aside", "lost_valid_turns", "doubled_valid_turns",
                            "dead_letter_mismatches", "duplicates_counted"), 0)
    findings: list[str] = []
    started = time.perf_counter()

    def fresh() -> MonitorService:
        service = MonitorService(Engine(model, MonitorConfig(), lexicon), writer)
        service.resume()
        return service

    service = fresh()
    while totals["hostile_sent"] < args.hostile:
        n = totals["rounds"]
        stream = build(rnd, f"r{n}-", calls=rnd.randint(5, 30), free=rnd.randint(50, 300),
                       inside=3, duplicates=rnd.randint(0, 60), huge=n % 25 == 0)
        with writer.engine.connect() as conn:
            dead_before = last_dead_letter(conn)
        restart_at = rnd.randrange(len(stream.deliveries)) if n % 10 == 0 else None
        at = 0
        while at < len(stream.deliveries):
            if restart_at is not None and at >= restart_at:
                _count(totals, service)
                service, restart_at = fresh(), None
            size = rnd.randint(1, 200)
            try:
                service.process(stream.deliveries[at:at + size])
            except Exception:  # a crash: what the suite exists to rule out
                totals["crashes"] += 1
                findings.append(traceback.format_exc(limit=3))
                service = fresh()
            at += size
        with writer.engine.connect() as conn:
            wrong = problems(conn, stream, dead_before)
            lost, doubled = lost_and_doubled(conn, stream)
        findings += wrong[:3]
        totals["rounds"] += 1
        totals["events_sent"] += len(stream.deliveries)
        totals["hostile_sent"] += sum(i.source.startswith("bad:") for i in stream.deliveries)
        totals["redeliveries_sent"] += stream.duplicates
        totals["valid_turns"] += len(stream.valid_turns)
        totals["lost_valid_turns"] += lost
        totals["doubled_valid_turns"] += doubled
        totals["dead_letter_mismatches"] += sum("dead letter" in w for w in wrong)
    _count(totals, service)
    totals["seconds"] = round(time.perf_counter() - started, 1)
    totals["events_per_s"] = round(totals["events_sent"] / totals["seconds"])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({**totals, "findings": findings[:20]}, indent=2))
    for key, value in totals.items():
        print(f"{key:24} {value:>12,}")
    for finding in findings[:20]:
        print("FINDING:", finding)
    failed = ("crashes", "set_aside", "lost_valid_turns", "doubled_valid_turns",
              "dead_letter_mismatches")
    return 1 if any(totals[key] for key in failed) else 0


def _count(totals: dict, service: MonitorService) -> None:
    """What a service instance counted before it is replaced."""
    totals["set_aside"] += service.engine.counters["quarantined"]
    totals["duplicates_counted"] += service.engine.counters["duplicates"]


if __name__ == "__main__":
    raise SystemExit(main())
