"""End-to-end latency of the live monitor: an utterance event published to a real mosquitto on
loopback -> the desk state message received by a subscriber, with the monitor running as its
own process (pinned to one core when ``taskset`` is available) on a SQLite store.

    .venv/bin/python benchmarks/monitor_latency.py [--model DIR] [--calls 500]
        [--rates 167 1000 2000 3000 4000] [--seconds 30]

Each rate is offered for ``--seconds`` by ``--calls`` concurrent calls (500 calls at one turn
every 3 s each = 167 turns/s, the issue's floor). Reports p50 / p99 latency, the rate the
monitor kept up with, and whether a backlog built up (the curve up to saturation). Writes
benchmarks/results/monitor_latency.json.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict, deque
from pathlib import Path

import numpy as np
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from monitor_events import call_events, corpus_calls  # noqa: E402

from tests.support.mosquitto import MosquittoBroker  # noqa: E402

FLOORLIGHT = str(Path(sys.executable).with_name("floorlight"))


class Floor:
    """Calls on ``n`` desks, each turn due ``period`` seconds after the last; a new call
    follows on the same desk a second after the last one ends."""

    def __init__(self, n: int, period: float, run: str) -> None:
        self.calls = corpus_calls()
        self.period, self.run, self.made = period, run, 0
        self.heap: list[tuple[float, int, int, dict]] = []
        self.seq = 0
        start = time.perf_counter() + 1.0
        for desk in range(n):
            self._schedule_call(desk, start + period * desk / n)

    def _schedule_call(self, desk: int, at: float) -> None:
        source = self.calls[(self.made * 7919) % len(self.calls)]
        events = call_events(source, f"{self.run}-{self.made}", f"a-{desk}",
                             _now_dt())
        self.made += 1
        due = at
        for event in events:
            self._push(due, desk, event)
            due += 1.0 if event["type"] == "call_started" else self.period
        self._push(due, desk, None)  # marker: schedule the next call

    def _push(self, due: float, desk: int, event: dict | None) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (due, self.seq, desk, event))

    def due(self, now: float) -> list[tuple[int, dict]]:
        out = []
        while self.heap and self.heap[0][0] <= now:
            due, _, desk, event = heapq.heappop(self.heap)
            if event is None:
                self._schedule_call(desk, due + 1.0)
            else:
                out.append((desk, event))
        return out


def _now_dt():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def offer(broker, rate: float, calls: int, seconds: float, run: str) -> dict:
    sent: dict[str, deque[float]] = defaultdict(deque)
    latencies: list[float] = []
    lock = threading.Lock()
    warm_until = time.perf_counter() + 3.0

    def on_message(_c, _u, msg) -> None:
        now = time.perf_counter()
        desk = msg.topic.split("/")[2]
        with lock:
            waiting = sent.get(desk)
            while waiting:
                t0 = waiting.popleft()
                if t0 >= warm_until:
                    latencies.append(now - t0)

    sub = _client(broker, on_message)
    sub.subscribe("floorlight/desk/+/state", qos=1)
    pub = _client(broker)
    time.sleep(0.5)
    floor = Floor(calls, calls / rate, run)
    end = time.perf_counter() + seconds
    offered = 0
    while (now := time.perf_counter()) < end:
        for desk, event in floor.due(now):
            pub.publish(f"floorlight/ingest/{event['call_id']}", json.dumps(event), qos=1)
            if event["type"] == "utterance":
                offered += 1
                with lock:
                    sent[f"a-{desk}"].append(time.perf_counter())
        time.sleep(0.001)
    time.sleep(3.0)  # let the tail arrive
    with lock:
        backlog = sum(len(q) for q in sent.values())
        lat = np.array(latencies) * 1000
    for client in (sub, pub):
        client.disconnect()
        client.loop_stop()
    return {"offered_turns_per_s": round(offered / seconds, 1), "calls": calls,
            "samples": len(lat), "p50_ms": _pct(lat, 50), "p90_ms": _pct(lat, 90),
            "p99_ms": _pct(lat, 99), "max_ms": _pct(lat, 100),
            "unanswered_after_3s": backlog}


def drain(broker, model: str, work: Path, turns: int) -> dict:
    """Sustained throughput without the load generator in the way: a backlog of ``turns``
    is queued at the broker for the monitor's persistent session while it is stopped, then
    the monitor (alone on its core) is started and timed until every turn is stored."""
    import sqlite3

    from monitor_events import floor_stream

    db = work / "drain.db"
    monitor = start_monitor(broker, f"sqlite:///{db}", model, work)
    time.sleep(8)  # connected once: the broker now keeps its session
    monitor.terminate()
    monitor.wait(30)
    pub = _client(broker)
    events = list(floor_stream(turns, 500, run="drain"))
    infos = [pub.publish(f"floorlight/ingest/{event['call_id']}", json.dumps(event), qos=1)
             for event in events]
    for info in infos:
        info.wait_for_publish(60)  # all at the broker before anything else starts
    pub.disconnect()
    pub.loop_stop()
    expected = sum(e["type"] == "utterance" for e in events)
    cpu_before = _children_cpu()
    started = time.perf_counter()
    monitor = start_monitor(broker, f"sqlite:///{db}", model, work)
    try:
        stored, first = 0, None  # steady rate: from the first stored turn (model loaded)
        while stored < expected:
            time.sleep(0.2)
            with sqlite3.connect(db) as conn:
                stored = conn.execute("select count(*) from utterances").fetchone()[0]
            if first is None and stored:
                first = (time.perf_counter(), stored)
        seconds = time.perf_counter() - started
        steady = (expected - first[1]) / (time.perf_counter() - first[0])
    finally:
        monitor.terminate()
        monitor.wait(30)
    cpu = _children_cpu() - cpu_before  # the monitor's own CPU time, start-up included
    return {"backlog_turns": expected, "seconds_incl_startup": round(seconds, 1),
            "turns_per_s_incl_startup": round(expected / seconds),
            "turns_per_s_steady": round(steady),
            # on a busy shared machine wall time waits for the CPU; CPU time does not
            "monitor_cpu_s": round(cpu, 1), "turns_per_cpu_s_incl_startup": round(expected / cpu)}


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _pct(values: np.ndarray, q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if len(values) else None


def _client(broker, on_message=None) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    client.max_inflight_messages_set(1000)
    if on_message:
        client.on_message = on_message
    client.connect(broker.host, broker.port)
    client.loop_start()
    return client


def start_monitor(broker, db: str, model: str, home: Path) -> subprocess.Popen:
    cmd = [FLOORLIGHT, "monitor", "--mqtt", broker.url, "--model", model,
           "--log-level", "WARNING"]  # the store URL (may hold a password): environment
    if shutil.which("taskset") and os.cpu_count() and os.cpu_count() > 1:
        cmd = ["taskset", "-c", "1", *cmd]  # one core for the monitor, one for the load
    env = {**os.environ, "FLOORLIGHT_HOME": str(home), "FLOORLIGHT_DB": db,
           "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1"}
    with open(home / "monitor.log", "ab") as log:
        return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "var" / "models"))
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rates", type=float, nargs="+", default=[167, 1000, 2000, 3000])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--drain", type=int, default=0, metavar="TURNS",
                        help="also time draining a backlog of this many turns (e.g. 50000)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fl-latency-"))
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {0})  # load generator and broker on core 0, monitor on core 1
    results = []
    tuned = "max_inflight_messages 0\nset_tcp_nodelay true"  # no Nagle delay per hop
    with MosquittoBroker(work / "broker", extra_config=tuned) as broker:
        monitor = start_monitor(broker, f"sqlite:///{work / 'floor.db'}", args.model, work)
        try:
            time.sleep(8)  # model load
            for i, rate in enumerate(args.rates):
                result = offer(broker, rate, args.calls, args.seconds, f"r{i}")
                results.append(result)
                print(json.dumps(result), flush=True)
        finally:
            monitor.terminate()
            monitor.wait(30)
        if args.drain:
            result = drain(broker, args.model, work, args.drain)
            results.append(result)
            print(json.dumps(result), flush=True)
    out = ROOT / "benchmarks" / "results" / "monitor_latency.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\n{'offered/s':>10} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'unanswered':>10}")
    for r in results:
        if "backlog_turns" in r:
            continue
        print(f"{r['offered_turns_per_s']:>10} {r['p50_ms']!s:>8} {r['p90_ms']!s:>8} "
              f"{r['p99_ms']!s:>8} {r['unanswered_after_3s']:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
