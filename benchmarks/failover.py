"""Standby failover: an active and a standby ``floorlight monitor`` on one PostgreSQL store
and one mosquitto (all real processes on loopback); calls are published without pause, the
active monitor is killed with SIGKILL mid-stream, and publishing goes on. Repeated ``--runs``
times, each run killing whichever monitor is active and starting a fresh standby.

    .venv/bin/python benchmarks/failover.py [--runs 20] [--calls 20] [--rate 200] [--model DIR]

Per run: the takeover time (SIGKILL -> the new active's retained ``online`` on
``floorlight/monitor/status``), the time until the first turn published after the kill is
stored, and, once every call of the run has ended, the turns lost (published, never stored)
and doubled (stored more than once). Without ``--model`` (and no ``var/models``) a tiny model
is trained on the test fixtures first: the model does not change what is measured. Writes
benchmarks/results/failover.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from store.db import open_store  # noqa: E402
from store.schema import calls, services, utterances  # noqa: E402
from tests.monitor.events import whole_call  # noqa: E402
from tests.support.mosquitto import MosquittoBroker  # noqa: E402
from tests.support.postgres import PostgresServer, wait_ready  # noqa: E402

FLOORLIGHT = str(Path(sys.executable).with_name("floorlight"))
STATUS = "floorlight/monitor/status"


class Watcher:
    """Publishes events and notes when the monitor's status topic says ``online``."""

    def __init__(self, broker: MosquittoBroker) -> None:
        self.online_at: list[float] = []
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=f"bench-{uuid.uuid4().hex[:8]}")
        self.client.max_inflight_messages_set(1000)
        self.client.on_connect = lambda c, *_: c.subscribe(STATUS, qos=1)
        self.client.on_message = self._message
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def _message(self, _c, _u, msg) -> None:
        if msg.payload == b"online":
            self.online_at.append(time.monotonic())

    def send(self, event: dict):
        return self.client.publish(f"floorlight/ingest/{event['call_id']}",
                                   json.dumps(event), qos=1)


def start_monitor(broker: MosquittoBroker, db: str, model: str, home: Path) -> subprocess.Popen:
    home.mkdir(parents=True, exist_ok=True)
    log = open(home / "monitor.log", "ab")  # noqa: SIM115 - the child keeps it
    return subprocess.Popen([FLOORLIGHT, "monitor", "--mqtt", broker.url, "--db", db,
                             "--model", model], env={**os.environ, "FLOORLIGHT_HOME": str(home)},
                            stdout=log, stderr=subprocess.STDOUT)


def wait_for(predicate, timeout: float, what: str) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return time.monotonic()
        time.sleep(0.02)
    raise SystemExit(f"timed out after {timeout} s waiting for {what}")


def stream(run: int, n_calls: int) -> list[dict]:
    calls_ = [whole_call(f"r{run}-c{i}", agent=f"a-{i}") for i in range(n_calls)]
    return [e for step in zip(*calls_, strict=True) for e in step]


def one_run(run: int, args, store, watcher: Watcher, active: subprocess.Popen) -> dict:
    events = stream(run, args.calls)
    turns = [e for e in events if e["type"] == "utterance"]
    kill_after = len(events) // 3
    killed_at = first_after = None
    for n, event in enumerate(events):
        if n == kill_after:
            active.send_signal(signal.SIGKILL)
            active.wait()
            killed_at = time.monotonic()
        if first_after is None and killed_at is not None and event["type"] == "utterance":
            first_after = event
        watcher.send(event)
        time.sleep(1 / args.rate)
    online = wait_for(lambda: any(t > killed_at for t in watcher.online_at), 60,
                      "the standby to take over")
    prefix = f"r{run}-c%"

    def stored(*where):
        with store.connect() as conn:
            return conn.execute(select(func.count()).select_from(utterances)
                                .where(utterances.c.call_id.like(prefix), *where)).scalar()

    flowing = wait_for(lambda: stored(utterances.c.call_id == first_after["call_id"],
                                      utterances.c.seq == first_after["seq"]) > 0, 60,
                       "the first turn after the kill")
    with store.connect() as conn:
        ended = select(func.count()).select_from(calls).where(
            calls.c.call_id.like(prefix), calls.c.status == "ended")
        wait_for(lambda: conn.execute(ended).scalar() == args.calls, 90, "every call ended")
        distinct = conn.execute(select(func.count()).select_from(
            select(utterances.c.call_id, utterances.c.seq).distinct()
            .where(utterances.c.call_id.like(prefix)).subquery())).scalar()
    total = stored()
    return {"takeover_s": round(online - killed_at, 3),
            "first_turn_stored_s": round(flowing - killed_at, 3),
            "published": len(turns), "lost": len(turns) - distinct, "doubled": total - distinct}


def standby_ready(store) -> bool:
    with store.connect() as conn:
        status = conn.execute(select(services.c.status).where(
            services.c.name == "monitor-standby")).scalar()
    return status == "standby"


def tiny_model(work: Path) -> str:
    from models.training import TrainConfig, train

    fixtures = ROOT / "tests" / "fixtures"
    registry = work / "models"
    train([fixtures / "mini_utterances.jsonl", fixtures / "mini_calls.jsonl"], registry,
          lexicon=[ROOT / "data" / "lexicon" / "qa_lexicon.tsv"],
          config=TrainConfig(review_sentences=200, augment=True))
    return str(registry)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--calls", type=int, default=20, help="calls per run (7 events each)")
    parser.add_argument("--rate", type=float, default=200.0, help="events published per s")
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="failover-"))
    model = args.model or (str(ROOT / "var" / "models") if (ROOT / "var" / "models").is_dir()
                           else tiny_model(work))
    with PostgresServer() as pg, MosquittoBroker(work / "broker") as broker:
        wait_ready(pg.url)
        admin = create_engine(pg.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE failover"))
        admin.dispose()
        db = pg.url.rsplit("/", 1)[0] + "/failover"
        store = open_store(db)
        watcher = Watcher(broker)
        active = start_monitor(broker, db, model, work / "m0")
        wait_for(lambda: watcher.online_at, 60, "the first monitor online")
        standby = start_monitor(broker, db, model, work / "m1")
        processes = [active, standby]
        results = []
        try:
            for run in range(args.runs):
                wait_for(lambda: standby_ready(store), 60, "the standby")
                result = one_run(run, args, store, watcher, active)
                results.append(result)
                print(f"run {run + 1:2d}: takeover {result['takeover_s']:.2f} s, first turn "
                      f"stored {result['first_turn_stored_s']:.2f} s, lost {result['lost']}, "
                      f"doubled {result['doubled']} of {result['published']}", flush=True)
                active, standby = standby, start_monitor(broker, db, model,
                                                         work / f"m{run + 2}")
                processes.append(standby)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.terminate()
                    process.wait(10)
            store.dispose()
    shutil.rmtree(work, ignore_errors=True)
    takeovers = [r["takeover_s"] for r in results]
    flowing = [r["first_turn_stored_s"] for r in results]
    summary = {
        "runs": len(results),
        "takeover_s": {"min": min(takeovers), "median": statistics.median(takeovers),
                       "max": max(takeovers)},
        "first_turn_stored_s": {"min": min(flowing), "median": statistics.median(flowing),
                                "max": max(flowing)},
        "turns_published": sum(r["published"] for r in results),
        "turns_lost": sum(r["lost"] for r in results),
        "turns_doubled": sum(r["doubled"] for r in results),
        "runs_detail": results,
    }
    out = ROOT / "benchmarks" / "results" / "failover.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")
    t = summary["takeover_s"]
    print(f"takeover after SIGKILL over {len(results)} runs: min {t['min']:.2f} s, median "
          f"{t['median']:.2f} s, max {t['max']:.2f} s; turns lost {summary['turns_lost']}, "
          f"doubled {summary['turns_doubled']} of {summary['turns_published']}")


if __name__ == "__main__":
    main()
