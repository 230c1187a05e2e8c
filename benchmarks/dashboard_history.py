"""History page queries over a large store: 100,000 calls / 3,000,000 turns on SQLite.

Builds the store once with bulk inserts (tests/dashboard/store_factory.py, rows derived
from the bundled call corpus, 30 turns per call over 90 days) under benchmarks/results/,
then times, from one run:
  - the one-off catch-up that derives call facts for every finished call (migration 0003's
    pre-aggregation), and an incremental refresh with nothing new;
  - every query the history page makes (median of 5 runs), over the whole 90 days, for one
    team, and for one agent; plus the threshold view's recent-history query.

    .venv/bin/python benchmarks/dashboard_history.py [--calls 100000] [--turns 30] [--rebuild]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from store import facts, queries
from store.db import open_store
from store.schema import calls, utterances

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo's tests package
from tests.dashboard.store_factory import StoreSpec, build_store

RESULTS = Path(__file__).resolve().parent / "results"


def _time(fn, repeats: int = 5) -> float:
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def build(path: Path, n_calls: int, turns: int, rebuild: bool) -> tuple[str, float | None]:
    url = f"sqlite:///{path}"
    if path.exists() and not rebuild:
        return url, None
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    start = time.perf_counter()
    build_store(path, StoreSpec(finished=n_calls, live=300, desks=500, days=90, seed=11,
                                facts=False,
                                turns_per_call=turns, dead_letters=50))
    return url, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--turns", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"history-{args.calls}x{args.turns}.db"
    url, build_s = build(path, args.calls, args.turns, args.rebuild)
    engine = open_store(url)
    with engine.connect() as conn:
        n_calls = conn.execute(select(func.count()).select_from(calls)).scalar_one()
        n_turns = conn.execute(select(func.count()).select_from(utterances)).scalar_one()
    start = time.perf_counter()
    derived = facts.backfill(engine)
    catch_up = time.perf_counter() - start
    incremental = _time(lambda: facts.backfill(engine))
    span = queries.history_span(engine)
    whole = queries.HistoryFilter(span.first_day, span.last_day)
    filters = {"90 days": whole,
               "90 days, one team": queries.HistoryFilter(span.first_day, span.last_day,
                                                          team="billing"),
               "90 days, one agent": queries.HistoryFilter(span.first_day, span.last_day,
                                                           agent="a-007")}
    page_queries = {
        "daily_stats": queries.daily_stats,
        "cue_breakdown": queries.cue_breakdown,
        "ack_latency": queries.ack_latency,
        "qa_histogram": queries.qa_histogram,
        "technique_rates": queries.technique_rates,
        "agent_outcomes(apology)": lambda e, f: queries.agent_outcomes(e, f, "apology"),
    }
    report = {"calls": n_calls, "turns": n_turns, "build_s": build_s,
              "facts_catch_up_s": round(catch_up, 2), "facts_derived": derived,
              "facts_incremental_s": round(incremental, 4),
              "history_span_s": round(_time(lambda: queries.history_span(engine)), 4),
              "queries_s": {}}
    for label, flt in filters.items():
        report["queries_s"][label] = {
            name: round(_time(lambda q=q, f=flt: q(engine, f)), 4)
            for name, q in page_queries.items()}
    now = datetime.combine(span.last_day or date.today(), datetime.min.time(), UTC) \
        + timedelta(days=1)
    report["recent_call_escalations(7 days)_s"] = round(
        _time(lambda: queries.recent_call_escalations(engine, days=7, now=now)), 4)
    slowest = max(v for block in report["queries_s"].values() for v in block.values())
    report["slowest_query_s"] = slowest
    report["target_s"] = 0.5
    print(json.dumps(report, indent=2))
    (RESULTS / "dashboard_history.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
