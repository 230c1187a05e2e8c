"""Fail-safes over MQTT with real processes: the bridge's last will when ``floorlight
bridge`` is SIGKILLed, and a broker restart on the same port after which the bridge
reconnects (retrying with backoff while the broker is away) and restores every light."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from tests.bridge.bridges import mqtt_bridge
from tests.bridge.helpers import MqttRecorder, retained, wait_for
from tests.support.mosquitto import MosquittoBroker

FLOORLIGHT = str(Path(sys.executable).with_name("floorlight"))
STATUS = "floorlight/bridge/status"


def state(desk: str, value: str) -> str:
    return json.dumps({"v": 1, "desk_id": desk, "state": value})


def test_last_will_when_the_bridge_process_is_killed(mosquitto, tmp_path: Path) -> None:
    recorder = MqttRecorder(mosquitto)
    recorder.publish("floorlight/desk/d1/state", state("d1", "alert"), retain=True)
    log = (tmp_path / "bridge.log").open("wb")
    bridge = subprocess.Popen(
        [FLOORLIGHT, "bridge", "--mqtt", mosquitto.url, "--light", "d1=wled:wled/a1",
         "--light", "d2=tasmota:lamp2"],
        env={**os.environ, "FLOORLIGHT_HOME": str(tmp_path)}, stdout=log, stderr=log)
    try:
        recorder.wait(STATUS, lambda m: m.payload == b"online" and m.retain, timeout=30)
        command = json.loads(recorder.wait("wled/a1/api").payload)
        # The WLED fail-safe rides on every command: dark a minute after the last one.
        assert command["nl"] == {"on": True, "dur": 1, "mode": 0, "tbri": 0}
        assert command["seg"][0]["fx"] == 1
        bridge.send_signal(signal.SIGKILL)
        bridge.wait(10)
        recorder.wait(STATUS, lambda m: m.payload == b"offline" and m.retain)
        assert retained(mosquitto, STATUS) == {STATUS: b"offline"}
    finally:
        if bridge.poll() is None:
            bridge.kill()
            bridge.wait(10)
        log.close()
        recorder.close()


class RefusingBroker:
    """Stands on the broker's port while it is down: accepts each connection attempt,
    counts it and hangs up, as a broker that is starting or failing would."""

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.attempts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.attempts += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


LIGHTS = {**{f"w{i}": f"wled:wled/w{i}" for i in range(8)},
          **{f"t{i}": f"tasmota:lamp_t{i}" for i in range(4)},
          **{f"f{i}": "floorlight-mqtt:" for i in range(4)}}


def command_topic(desk: str) -> str:
    kind, _, address = LIGHTS[desk].partition(":")
    return {"wled": f"{address}/api", "tasmota": f"cmnd/{address}/Backlog",
            "floorlight-mqtt": f"floorlight/desk/{desk}/light/set"}[kind]


def test_broker_restart_every_light_restored(tmp_path: Path, bridges) -> None:
    broker = MosquittoBroker(tmp_path / "broker", persistence=True).start()
    try:
        recorder = MqttRecorder(broker, session=True)
        desks = sorted(LIGHTS)
        states = {desk: ("alert", "calm", "watch")[i % 3] for i, desk in enumerate(desks)}
        # Heartbeats far off: whatever a light receives after the restart is the restore.
        bridge = mqtt_bridge(broker, tmp_path, bridges, [f"{d}={k}" for d, k in LIGHTS.items()],
                             heartbeat_s=15.0, ttl_s=30)
        for desk in desks:
            recorder.publish(f"floorlight/desk/{desk}/state", state(desk, states[desk]),
                             retain=True)
        wait_for(lambda: all(recorder.on(command_topic(d)) for d in desks), what="all lit")
        before = {d: recorder.on(command_topic(d))[-1].payload for d in desks}
        recorder.clear()
        broker.stop()
        refusing = RefusingBroker(broker.host, broker.port)
        wait_for(lambda: refusing.attempts >= 3, what="the bridge retrying")
        refusing.close()
        assert not bridge.env.mqtt.connected
        broker.start()

        wait_for(lambda: bridge.env.mqtt.connects == 2, what="the bridge reconnected")
        wait_for(lambda: all(recorder.on(command_topic(d)) for d in desks), what="all restored")
        for desk in desks:
            restored = recorder.on(command_topic(desk))[-1]
            if desk.startswith("f"):  # the firmware's command carries a new seq
                assert _without_seq(restored.payload) == _without_seq(before[desk])
            else:
                assert restored.payload == before[desk]
        recorder.wait(STATUS, lambda m: m.payload == b"online")
        recorder.close()
    finally:
        broker.stop()


def _without_seq(payload: bytes) -> dict:
    data = json.loads(payload)
    data.pop("seq")
    return data
