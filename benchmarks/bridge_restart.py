"""Broker restart with 500 MQTT lights (issue 4 target: every light restored within 2 s of
the bridge reconnecting). mosquitto (with persistence, so the watching subscriber keeps its
session) is stopped and started on the same port; the bridge reconnects on its own.

Reported, from the bridge's reconnect (its on-connect callback):
- ``published_all_s``: the last restore command handed to the MQTT client;
- ``received_all_s``: the last of the 500 restore commands received by a subscriber;
and the broker's downtime and the bridge's time to reconnect after the broker came back.

    .venv/bin/python benchmarks/bridge_restart.py [--desks 500] [--restarts 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bridge_bench import Subscriber, state_payload, wait_until
from bridge_latency import COMMAND_FILTERS, NODELAY, MqttFloor

from tests.support.mosquitto import MosquittoBroker


def light_everything(floor: MqttFloor, broker: MosquittoBroker) -> None:
    monitor = Subscriber(broker.host, broker.port, ["bench/none"])
    for i, desk in enumerate(floor.lights):
        state = ("calm", "watch", "alert", "acknowledged")[i % 4]
        monitor.publish(f"floorlight/desk/{desk}/state", state_payload(desk, state),
                        retain=True)
    wait_until(lambda: len(floor.published) == len(floor.lights), 60, "every light lit")
    monitor.close()


def restart_once(floor: MqttFloor, broker: MosquittoBroker, watcher: Subscriber
                 ) -> dict[str, float]:
    with watcher.lock:
        watcher.received.clear()
    connects = len(floor.connected_at)
    down = time.perf_counter()
    broker.stop()
    broker.start()
    up = time.perf_counter()
    wait_until(lambda: len(floor.connected_at) > connects, 60, "the bridge reconnected")
    reconnected = floor.connected_at[-1]
    topics = set(floor.desk_of)

    def all_received() -> float | None:
        with watcher.lock:
            seen = {t: at for t, _, at in watcher.received if at >= reconnected and t in topics}
        return max(seen.values()) if len(seen) == len(topics) else None

    wait_until(all_received, 60, "every light restored")
    published = max(at for at in floor.published.values())
    return {"broker_down_s": round(up - down, 3),
            "reconnect_after_broker_up_s": round(reconnected - up, 3),
            "published_all_s": round(published - reconnected, 3),
            "received_all_s": round(all_received() - reconnected, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--desks", type=int, default=500)
    parser.add_argument("--restarts", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        broker = MosquittoBroker(Path(tmp), persistence=True, extra_config=NODELAY).start()
        try:
            floor = MqttFloor(broker, args.desks)
            floor.start()
            watcher = Subscriber(broker.host, broker.port, COMMAND_FILTERS, session=True)
            light_everything(floor, broker)
            runs: list[dict[str, Any]] = []
            for _ in range(args.restarts):
                runs.append(restart_once(floor, broker, watcher))
                print("restart:", json.dumps(runs[-1]), flush=True)
            worst = max(r["received_all_s"] for r in runs)
            print("summary:", json.dumps({
                "desks": args.desks, "restarts": len(runs), "received_all_worst_s": worst,
                "received_all_median_s": statistics.median(r["received_all_s"] for r in runs)}))
            watcher.close()
            floor.stop()
        finally:
            broker.stop()


if __name__ == "__main__":
    main()
