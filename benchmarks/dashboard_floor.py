"""The live floor with 500 desks and 300 live calls: server-side time of a full rerun of
the page script and of one live-refresh fragment, from one run.

The page records its own run times (``time.perf_counter`` around the page function and
around the fragment body, kept in session state); the app runs in Streamlit's AppTest, i.e.
the real script, widgets and element serialisation, without a browser. Each case is
measured with the data caches cleared before every run (every query hits SQLite, as after a
cache TTL expires, the realistic case for a live refresh) and with warm caches.

    .venv/bin/python benchmarks/dashboard_floor.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo's tests package
from tests.dashboard.conftest import sign_in
from tests.dashboard.store_factory import StoreSpec, build_store

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
RESULTS = Path(__file__).resolve().parent / "results"


def _summary(values: list[float]) -> dict:
    ms = sorted(v * 1000 for v in values)
    return {"median_ms": round(statistics.median(ms), 1), "p90_ms": round(
        ms[min(len(ms) - 1, int(0.9 * len(ms)))], 1), "max_ms": round(ms[-1], 1), "n": len(ms)}


def measure(url: str, runs: int, *, cold: bool) -> dict:
    os.environ["FLOORLIGHT_DB"] = url
    at = AppTest.from_file(str(APP), default_timeout=120)
    sign_in(at, url, "bench", "supervisor")  # a signed-in supervisor (re-read every run)
    at.run()  # first run: imports, engine, page registration
    at.session_state["_timings"] = {}
    walls = []
    for _ in range(runs):
        if cold:
            st.cache_data.clear()
        start = time.perf_counter()
        at.run()
        walls.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    timings = at.session_state["_timings"]
    return {"page": _summary(timings["page"]), "fragment": _summary(timings["fragment"]),
            "apptest_wall": _summary(walls)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--finished", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FLOORLIGHT_HOME"] = tmp
        info = build_store(Path(tmp) / "floor.db", StoreSpec(
            finished=args.finished, live=300, desks=500, days=30, seed=3))
        report = {"desks": len(info.desks), "live_calls": len(info.live_calls),
                  "open_alerts": len(info.open_alert_ids),
                  "cold_cache": measure(info.url, args.runs, cold=True),
                  "warm_cache": measure(info.url, args.runs, cold=False),
                  "targets_ms": {"page": 300, "fragment": 100}}
    print(json.dumps(report, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dashboard_floor.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
