"""Simulated floor throughput at 500 agents and ``--speed 0`` (no waiting), one run.

    .venv/bin/python benchmarks/simulator_throughput.py [--agents 500] [--calls 6000]

Three figures, each over the same stream (``--calls`` whole calls from the bundled corpus):
- ``generate``: events/s produced by ``FloorSimulator.events()`` alone;
- ``jsonl``: events/s written as JSON Lines to a file (``--out FILE``);
- ``mqtt``: events/s published to a real local mosquitto (QoS 1) until the broker has
  acknowledged every one, with a subscriber process on ``floorlight/ingest/#`` counting what
  arrives (it must be every event).

Prints the rates and writes benchmarks/results/simulator_throughput.json. The machine is
shared, so treat the figures as one run's, not a promise.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import paho.mqtt.client as mqtt  # noqa: E402
from paho.mqtt.enums import CallbackAPIVersion  # noqa: E402

from simulator.floor import FloorSimulator  # noqa: E402
from simulator.publisher import MqttPublisher, parse_target  # noqa: E402
from simulator.scripts import load_scripts  # noqa: E402
from tests.support.mosquitto import MosquittoBroker  # noqa: E402


def simulator(args: argparse.Namespace) -> FloorSimulator:
    scripts = load_scripts(ROOT / "data" / "calls" / "calls.jsonl")
    return FloorSimulator(scripts, agents=args.agents, speed=0.0, seed=1,
                          max_calls=args.calls)


def generate(args: argparse.Namespace) -> tuple[int, float]:
    start = time.perf_counter()
    count = sum(1 for _ in simulator(args).events())
    return count, time.perf_counter() - start


def jsonl(args: argparse.Namespace, workdir: Path) -> tuple[int, float]:
    start = time.perf_counter()
    count = 0
    with open(workdir / "floor.jsonl", "w", encoding="utf-8") as out:
        for event in simulator(args).paced():
            out.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
    return count, time.perf_counter() - start


def count_messages(host: str, port: int, expected: int) -> None:
    """The subscriber, in a process of its own (so it does not share the publisher's GIL):
    prints ``ready`` once subscribed, then ``done <count> <wall time>`` at ``expected``."""
    state = {"count": 0}
    done = threading.Event()

    def message(*_args) -> None:
        state["count"] += 1
        if state["count"] == expected:
            print(f"done {state['count']} {time.time()}", flush=True)
            done.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-sub")
    client.on_connect = lambda c, *_: c.subscribe("floorlight/ingest/#", qos=1)
    client.on_subscribe = lambda *_: print("ready", flush=True)
    client.on_message = message
    client.connect(host, port)
    client.loop_start()
    if not done.wait(600):
        print(f"done {state['count']} {time.time()}", flush=True)
    client.disconnect()
    client.loop_stop()


def publish(args: argparse.Namespace, workdir: Path, expected: int) -> dict:
    with MosquittoBroker(workdir / "broker") as broker:
        counter = subprocess.Popen([sys.executable, __file__, "--count", broker.host,
                                    str(broker.port), str(expected)],
                                   stdout=subprocess.PIPE, text=True)
        assert counter.stdout is not None and counter.stdout.readline().strip() == "ready"
        publisher = MqttPublisher(parse_target(broker.url)[0]).start()
        while not publisher.connected:
            time.sleep(0.01)
        start, wall_start = time.perf_counter(), time.time()
        report = simulator(args).run(publisher)
        handed_over = time.perf_counter() - start
        unacked = publisher.close(timeout=120)
        acked = time.perf_counter() - start
        _, received, wall_end = counter.stdout.readline().split()
        counter.wait(30)
    return {"events": report.events, "unacknowledged": unacked, "received": int(received),
            "handed_over_per_s": round(report.events / handed_over),
            "acknowledged_per_s": round(report.events / acked),
            "received_per_s": round(int(received) / (float(wall_end) - wall_start))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--calls", type=int, default=6000)
    parser.add_argument("--count", nargs=3, help=argparse.SUPPRESS)  # the subscriber process
    args = parser.parse_args()
    if args.count:
        count_messages(args.count[0], int(args.count[1]), int(args.count[2]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        events, gen_s = generate(args)
        _, file_s = jsonl(args, Path(tmp))
        mqtt_figures = publish(args, Path(tmp), events)
    results = {"agents": args.agents, "calls": args.calls, "events": events,
               "generate_events_per_s": round(events / gen_s),
               "jsonl_events_per_s": round(events / file_s), "mqtt": mqtt_figures,
               "load_average_1m_after": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}
    print(f"{events:,} events from {args.calls:,} calls at {args.agents} agents, speed 0")
    print(f"generate   {results['generate_events_per_s']:>10,} events/s")
    print(f"jsonl      {results['jsonl_events_per_s']:>10,} events/s")
    print(f"mqtt QoS 1 {mqtt_figures['acknowledged_per_s']:>10,} events/s acknowledged "
          f"({mqtt_figures['received']:,} of {events:,} received by a subscriber, "
          f"{mqtt_figures['received_per_s']:,}/s)")
    out = ROOT / "benchmarks" / "results" / "simulator_throughput.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
