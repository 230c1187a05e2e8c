"""The simulated floor: the event stream it generates (valid per events.md, paced, unique),
chaos on top of it, publishing to a real mosquitto, and the ``floorlight simulate`` command."""

from __future__ import annotations

import itertools
import json
import statistics
import subprocess
import threading
import tracemalloc
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select

from floorlight.cli import main
from monitor.events import CallEnded, CallStarted, EventRejected, Utterance, parse_event
from simulator.chaos import KINDS, Chaos, RawLine
from simulator.csat import draw_csat
from simulator.errors import SimulatorError
from simulator.floor import FloorPace, FloorSimulator, RunReport, make_agents
from simulator.publisher import MqttPublisher, parse_target
from simulator.scripts import Script, ScriptTurn, load_scripts
from store.db import open_store
from store.schema import calls, dead_letters, utterances
from tests.monitor.mqtt import Peer, start_monitor, stop, wait_for
from tests.support.mosquitto import MosquittoBroker

CORPUS = Path(__file__).resolve().parents[2] / "data" / "calls" / "calls.jsonl"
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FIELDS = {
    "call_started": {"v", "type", "event_id", "call_id", "agent_id", "desk_id", "team", "ts",
                     "lang"},
    "utterance": {"v", "type", "event_id", "call_id", "seq", "speaker", "text", "ts", "t",
                  "t_end"},
    "call_ended": {"v", "type", "event_id", "call_id", "ts", "csat"},
}


@pytest.fixture(scope="module")
def scripts() -> list[Script]:
    return load_scripts(CORPUS)


def floor(scripts, **settings) -> FloorSimulator:
    settings = {"agents": 12, "speed": 0.0, "seed": 3, "run_id": "t1", "start": START,
                **settings}
    return FloorSimulator(scripts, **settings)


def by_call(events: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for event in events:
        grouped[event["call_id"]].append(event)
    return grouped


# --- the generated stream --------------------------------------------------------------------

def test_every_call_is_a_whole_valid_call_per_events_md(scripts):
    timed = list(floor(scripts, max_calls=60).events())
    events = [e for _, e in timed]
    parsed = [parse_event(json.dumps(e, ensure_ascii=False)) for e in events]  # the monitor's
    assert len({e["event_id"] for e in events}) == len(events)
    assert [due for due, _ in timed] == sorted(due for due, _ in timed)
    calls_ = by_call(events)
    assert len(calls_) == 60
    for call_events in calls_.values():
        first, *turns, last = call_events
        assert first["type"] == "call_started" and last["type"] == "call_ended"
        assert first["lang"] in ("en", "zh-Hant", "zh-Hans")
        assert first["desk_id"] == first["agent_id"].replace("a-", "d-")
        assert first["team"] in ("billing", "tech", "retention")
        assert [t["seq"] for t in turns] == list(range(len(turns))) and len(turns) >= 8
        assert last["csat"] in (1, 2, 3, 4, 5)
        ts = [datetime.fromisoformat(e["ts"].replace("Z", "+00:00")) for e in call_events]
        assert ts == sorted(ts) and all(e["ts"].endswith("Z") for e in call_events)
        assert all(t["t_end"] > t["t"] for t in turns)
    for event in events:
        assert event["v"] == 1 and set(event) == FIELDS[event["type"]]
    kinds = Counter(type(p) for p in parsed)
    assert kinds[CallStarted] == kinds[CallEnded] == 60 and kinds[Utterance] == len(events) - 120


def test_utterances_replay_the_corpus_turns_when_they_end(scripts):
    corpus = {tuple((t.speaker, t.text, t.t, t.t_end) for t in s.turns) for s in scripts}
    timed = list(floor(scripts, speed=1.0, max_calls=40).events())
    for due, event in timed:
        at = datetime.fromisoformat(event["ts"][:-1]) - START.replace(tzinfo=None)
        assert at.total_seconds() == pytest.approx(due, abs=0.001)
    for events in by_call([e for _, e in timed]).values():
        turns = tuple((e["speaker"], e["text"], e["t"], e["t_end"]) for e in events[1:-1])
        assert turns in corpus
    started = {e["call_id"]: due for due, e in timed if e["type"] == "call_started"}
    for due, event in timed:
        if event["type"] == "utterance" and event["seq"] == 0:
            assert due == pytest.approx(started[event["call_id"]] + event["t_end"])


def test_overlapping_turns_still_go_out_in_seq_order():
    interrupting = Script("x", "en", False, "smooth", (
        ScriptTurn("agent", "So what I can do for you today is", 0.5, 9.0),
        ScriptTurn("customer", "No!", 6.0, 6.8),  # ends before the turn it interrupts
        ScriptTurn("agent", "Sorry, go ahead.", 9.5, 11.0)))
    timed = [(due, e) for due, e in floor([interrupting], agents=1, max_calls=1).events()
             if e["type"] == "utterance"]
    assert [e["seq"] for _, e in timed] == [0, 1, 2]
    assert [due - timed[0][0] for due, _ in timed] == pytest.approx([0.0, 0.0, 2.0])
    assert timed[1][1]["t"] == 6.0  # the conversation's own times are kept


def test_an_agent_is_never_on_two_calls_at_once_and_wraps_up_between(scripts):
    pace = FloorPace()
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    agent_of: dict[str, str] = {}
    opened: dict[str, float] = {}
    for due, event in floor(scripts, agents=5, max_calls=80, pace=pace).events():
        if event["type"] == "call_started":
            agent_of[event["call_id"]], opened[event["call_id"]] = event["agent_id"], due
        elif event["type"] == "call_ended":
            spans[agent_of[event["call_id"]]].append((opened[event["call_id"]], due))
    assert set(spans) == {f"a-{n}" for n in range(1, 6)}
    for agent_spans in spans.values():
        for (_, end), (start, _) in itertools.pairwise(agent_spans):
            assert start - end >= pace.wrap_up_s[0]


def test_speed_divides_every_wait_and_keeps_the_stream(scripts):
    normal = list(floor(scripts, speed=1.0, max_calls=30).events())
    fast = list(floor(scripts, speed=2.0, max_calls=30).events())
    instant = list(floor(scripts, speed=0.0, max_calls=30).events())
    strip = [{k: v for k, v in e.items() if k != "ts"} for _, e in normal]
    assert strip == [{k: v for k, v in e.items() if k != "ts"} for _, e in fast]
    assert [d / 2 for d, _ in normal] == pytest.approx([d for d, _ in fast])
    assert [e for _, e in instant] == [e for _, e in normal]  # speed 0: ts as at speed 1


def test_run_waits_for_due_times_on_the_clock_it_is_given(scripts):
    now = [0.0]
    sent: list[tuple[float, dict]] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    sim = floor(scripts, speed=4.0, max_calls=5)
    due = [d for d, _ in sim.events()]
    report = sim.run(lambda e: sent.append((now[0], e)), clock=lambda: now[0], sleep=sleep)
    assert [t for t, _ in sent] == pytest.approx(due, abs=1e-9)
    assert report.calls_started == report.calls_ended == 5 and report.events == len(due)
    assert report.max_lag_s == pytest.approx(0.0, abs=1e-9)

    def no_sleep(_seconds: float) -> None:
        raise AssertionError("speed 0 must not wait")

    assert floor(scripts, max_calls=5).run(sent.append, sleep=no_sleep).events == len(due)


def test_duration_ends_the_run_and_hangs_up_calls_in_progress(scripts):
    timed = list(floor(scripts, speed=2.0, duration_s=300.0).events())
    assert max(due for due, _ in timed) == pytest.approx(150.0)
    calls_ = by_call([e for _, e in timed])
    cut = [c for c in calls_.values() if "csat" not in c[-1]]
    assert cut and all(c[-1]["type"] == "call_ended" for c in calls_.values())
    assert all(c[-1]["ts"] == "2026-11-23T09:02:30.000Z" for c in cut)


def test_a_stop_hangs_up_the_calls_still_open(scripts):
    stop = threading.Event()
    sent: list[dict] = []

    def sink(event: dict) -> None:
        sent.append(event)
        if len(sent) == 100:
            stop.set()

    report = floor(scripts).run(sink, stop=stop)
    assert report.hung_up > 0 and not report.open_calls
    calls_ = by_call(sent)
    assert all(c[0]["type"] == "call_started" and c[-1]["type"] == "call_ended"
               for c in calls_.values())
    assert sum("csat" not in c[-1] for c in calls_.values()) == report.hung_up


def test_replaying_the_same_corpus_call_never_collides(scripts):
    one_call = scripts[:1]
    first = [e for _, e in floor(one_call, agents=4, max_calls=12, run_id=None).events()]
    second = [e for _, e in floor(one_call, agents=4, max_calls=12, run_id=None).events()]
    ids = [e["event_id"] for e in first + second]
    assert len(set(ids)) == len(ids)
    assert len({e["call_id"] for e in first + second}) == 24


def test_every_corpus_call_is_used_before_any_repeats(scripts):
    en = [s for s in scripts if s.lang == "en"]
    seen = [e["text"] for _, e in floor(en, agents=6, max_calls=len(en)).events()
            if e["type"] == "utterance" and e["seq"] == 0]
    assert len(seen) == len(en)
    assert Counter(seen) == Counter(s.turns[0].text for s in en)


def test_agents_spread_over_teams_and_languages():
    agents = make_agents(12, ["en", "zh-Hans", "zh-Hant"])
    assert [a.agent_id for a in agents[:2]] == ["a-1", "a-2"] and agents[0].desk_id == "d-1"
    for team in ("billing", "tech", "retention"):
        assert {a.lang for a in agents if a.team == team} == {"en", "zh-Hans", "zh-Hant"}


def test_csat_is_lower_after_escalated_calls(scripts):
    import random

    rng = random.Random(5)
    mean = {flag: statistics.mean(draw_csat(s, rng) for s in scripts if s.escalated is flag
                                  for _ in range(10)) for flag in (True, False)}
    assert mean[True] < 2.5 < 3.8 < mean[False]
    ended = [e for _, e in floor(scripts, max_calls=200).events() if e["type"] == "call_ended"]
    assert set(Counter(e["csat"] for e in ended)) == {1, 2, 3, 4, 5}


def test_a_500_agent_floor_is_generated_lazily(scripts):
    def peak_after(events: int) -> int:
        unbounded = floor(scripts, agents=500)  # no calls or duration limit: never ends
        tracemalloc.start()
        try:
            assert sum(1 for _ in itertools.islice(unbounded.events(), events)) == events
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    # memory holds the ~500 calls in progress, and does not grow with the events sent
    assert peak_after(12_000) < 1.25 * peak_after(3_000) < 10 * 2**20


@pytest.mark.parametrize(("settings", "message"), [
    ({"agents": 0}, "agents must be at least 1"),
    ({"speed": -1.0}, "speed must be 0"),
    ({"max_calls": 0}, "calls must be at least 1"),
    ({"duration_s": 0.0}, "duration must be positive"),
])
def test_bad_settings_are_refused_with_the_reason(scripts, settings, message):
    with pytest.raises(SimulatorError, match=message):
        floor(scripts, **settings)


def test_the_floor_takes_corpus_calls_or_a_file_too():
    from models.corpus import read_calls

    calls_ = read_calls(CORPUS, labelled=False)[:5]
    from_calls = FloorSimulator(calls_, agents=2, speed=0, seed=1, run_id="r", start=START,
                                max_calls=5)
    from_file = FloorSimulator.from_file(CORPUS, agents=2, speed=0, seed=1, run_id="r",
                                         start=START, max_calls=5)
    assert len(list(from_calls.events())) > 5 * 8 and next(from_file.events())


def test_a_corpus_line_that_breaks_the_format_is_named(tmp_path):
    path = tmp_path / "calls.jsonl"
    good = {"call_id": "c-1", "lang": "en", "utterances": [
        {"speaker": "agent", "text": "Hello, how can I help?"},
        {"speaker": "customer", "text": "My bill is wrong again."}]}
    path.write_text(json.dumps(good) + "\n" + '{"call_id": "c-2", "utterances": [{"speak\n')
    with pytest.raises(SimulatorError, match=r"calls.jsonl:2: not valid JSON"):
        load_scripts(path)
    path.write_text(json.dumps(good) + "\n")
    (script,) = load_scripts(path)
    turns = script.turns  # no t/t_end in the file: timed at the corpus's own pace
    assert turns[0].t < turns[0].t_end < turns[1].t < turns[1].t_end


# --- chaos -----------------------------------------------------------------------------------

def test_chaos_mixes_every_kind_of_bad_input_and_keeps_the_good_stream(scripts):
    good = [e for _, e in floor(scripts, max_calls=80).events()]
    chaos = Chaos(0.1, seed=1)
    mixed = list(chaos.mix(good))
    assert set(chaos.counts) == set(KINDS) and len(mixed) > len(good)
    kept, rejected = {}, Counter()
    for item in mixed:
        try:
            event = parse_event(item.text if isinstance(item, RawLine) else json.dumps(item))
        except EventRejected:
            rejected["bad"] += 1
            continue
        if event.call_id.startswith("ghost-"):
            rejected["ghost"] += 1
        elif event.event_id in kept:
            rejected["duplicate"] += 1
        else:
            kept[event.event_id] = item
    assert rejected["bad"] == chaos.counts["malformed"] + chaos.counts["wrong_type"]
    assert rejected["ghost"] == chaos.counts["unknown_call"]
    assert rejected["duplicate"] == chaos.counts["duplicate"]
    for call_id, events in by_call(list(kept.values())).items():
        seqs = [e["seq"] for e in events if e["type"] == "utterance"]
        assert sorted(seqs) == list(range(len(seqs))), call_id
    assert kept == {e["event_id"]: e for e in good}  # nothing lost, nothing changed


# --- publishing to a real broker -------------------------------------------------------------

class Subscriber:
    """Records (topic, payload, QoS) of everything under ``floorlight/ingest/#``."""

    def __init__(self, broker, topic: str = "floorlight/ingest/#", *, persistent: bool = False):
        self.received: list[tuple[str, dict | bytes, int]] = []
        self._lock = threading.Lock()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=f"sub-{id(self)}", clean_session=not persistent)
        self.client.reconnect_delay_set(0.1, 1)
        self.client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.on_message = self._message
        self.subscribed = threading.Event()
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        assert self.subscribed.wait(10)

    def _message(self, _c, _u, msg) -> None:
        try:
            payload = json.loads(msg.payload)
        except ValueError:
            payload = msg.payload
        with self._lock:
            self.received.append((msg.topic, payload, msg.qos))

    def events(self) -> list[dict]:
        with self._lock:
            return [p for _, p, _ in self.received if isinstance(p, dict)]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_every_event_arrives_once_on_its_call_topic_with_qos_1(scripts, mosquitto):
    subscriber = Subscriber(mosquitto, "crm/#")
    settings, prefix = parse_target(f"{mosquitto.url}/crm")
    publisher = MqttPublisher(settings, prefix=prefix).start()
    try:
        report = floor(scripts, agents=20, max_calls=40).run(publisher)
        assert publisher.close() == 0
        wait_for(lambda: len(subscriber.received) >= report.events, what="every event")
    finally:
        subscriber.close()
    sent = [e for _, e in floor(scripts, agents=20, max_calls=40).events()]
    assert [p for _, p, _ in subscriber.received] == sent  # one publisher: order is kept
    assert all(topic == f"crm/ingest/{p['call_id']}" and qos == 1
               for topic, p, qos in subscriber.received)


def test_nothing_is_dropped_while_the_broker_is_away(scripts, tmp_path):
    with MosquittoBroker(tmp_path / "broker", persistence=True) as broker:
        subscriber = Subscriber(broker, persistent=True)
        settings, _ = parse_target(broker.url)
        publisher = MqttPublisher(settings, buffer=50).start()
        good = [e for _, e in floor(scripts, max_calls=20).events()]
        try:
            for event in good[:100]:
                publisher(event)
            wait_for(lambda: publisher.pending == 0, what="the first events acknowledged")
            broker.stop()
            wait_for(lambda: not publisher.connected, what="the publisher to notice")
            rest = threading.Thread(target=lambda: [publisher(e) for e in good[100:]])
            rest.start()
            # the buffer fills and the floor pauses: nothing is thrown away
            wait_for(lambda: publisher.pending == 50, what="a full buffer")
            assert rest.is_alive()
            broker.start()
            rest.join(30)
            assert not rest.is_alive() and publisher.close(timeout=20) == 0
            wait_for(lambda: len({e["event_id"] for e in subscriber.events()}) == len(good),
                     what="every event after the restart")
        finally:
            subscriber.close()
    received = subscriber.events()  # QoS 1 may repeat one in flight at the restart
    assert len(received) - len(good) <= 50
    first_seen = list(dict.fromkeys(e["event_id"] for e in received))
    assert first_seen == [e["event_id"] for e in good]  # every one, in order


def test_mqtts_publishes_over_tls_checked_against_the_given_ca(scripts, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    tls = f"certfile {cert}\nkeyfile {key}\n"
    with MosquittoBroker(tmp_path / "broker", extra_config=tls) as broker:
        settings, _ = parse_target(f"mqtts://{broker.host}:{broker.port}?ca={cert}")
        publisher = MqttPublisher(settings).start()
        report = floor(scripts, max_calls=3).run(publisher)
        wait_for(lambda: publisher.pending == 0, what="the broker's acknowledgements")
        assert publisher.close() == 0 and publisher.acknowledged == report.events


def test_credentials_log_in_and_never_reach_the_log(scripts, tmp_path, caplog):
    passwords = tmp_path / "passwords"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(passwords), "sim-user", "s3cr3t-pw"],
                   check=True, capture_output=True)
    config = f"allow_anonymous false\npassword_file {passwords}\n"
    with MosquittoBroker(tmp_path / "broker", extra_config=config) as broker:
        caplog.set_level("DEBUG")
        url = f"mqtt://sim-user:s3cr3t-pw@{broker.host}:{broker.port}/site-a"
        settings, prefix = parse_target(url)
        publisher = MqttPublisher(settings, prefix=prefix).start()
        report = floor(scripts, max_calls=2).run(publisher)
        assert publisher.close() == 0 and publisher.acknowledged == report.events
    assert "sim-user:***@" in caplog.text and "s3cr3t" not in caplog.text


def test_a_stop_ends_the_wait_for_an_absent_broker():
    from tests.support.mosquitto import free_port

    stop = threading.Event()
    absent = parse_target(f"mqtt://127.0.0.1:{free_port()}")[0]
    publisher = MqttPublisher(absent, buffer=2, stop=stop).start()
    publisher({"call_id": "c-1"})
    publisher({"call_id": "c-1"})
    stop.set()
    with pytest.raises(SimulatorError, match="stopped while 2 events wait"):
        publisher({"call_id": "c-1"})
    assert publisher.close(timeout=0) == 2  # reported, not silently lost


def test_a_broker_refusing_the_credentials_stops_the_publisher(tmp_path):
    with MosquittoBroker(tmp_path, extra_config="allow_anonymous false") as broker:
        url = f"mqtt://sim:wrong@{broker.host}:{broker.port}"
        publisher = MqttPublisher(parse_target(url)[0], buffer=1).start()
        event = {"call_id": "c-1", "v": 1}
        with pytest.raises(SimulatorError, match="refused the connection"):
            publisher(event)  # may already fail here if the refusal came first
            publisher(event)  # the buffer holds one: this waits for the refusal
        publisher.close(timeout=0)


@pytest.mark.slow
def test_a_chaotic_floor_through_a_real_monitor_keeps_every_good_event(
        scripts, mosquitto, trained_registry, tmp_path):
    db = f"sqlite:///{tmp_path / 'floor.db'}"
    watcher = Peer(mosquitto, subscribe="floorlight/monitor/status")
    monitor = start_monitor(mosquitto, db, trained_registry, tmp_path / "home")
    chaos = Chaos(0.08, seed=11)
    try:
        wait_for(lambda: watcher.last("floorlight/monitor/status") == "online",
                 what="the monitor online")
        publisher = MqttPublisher(parse_target(mosquitto.url)[0]).start()
        report = RunReport()
        for item in chaos.mix(floor(scripts, agents=4, max_calls=8).paced(report=report)):
            publisher(item)
        assert publisher.close() == 0
        # duplicates are counted by the monitor, not dead-lettered
        bad = sum(n for kind, n in chaos.counts.items()
                  if kind not in ("out_of_order", "duplicate"))
        wait_for(lambda: count(db, dead_letters) >= bad and count(db, calls) >= 8,
                 timeout=60, what="every call and every bad event")
        wait_for(lambda: count(db, utterances) == report.events - 16, timeout=30,
                 what="every turn stored")
    finally:
        stop(monitor)
        watcher.close()
    assert chaos.counts["out_of_order"] and chaos.counts["duplicate"] and bad
    assert count(db, dead_letters) == bad  # the held-back turns were put back in order
    assert count(db, calls, calls.c.status == "ended") == 8


def count(db_url: str, table, *where) -> int:
    engine = open_store(db_url, migrate=False)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(table).where(*where)).scalar()
    finally:
        engine.dispose()


@pytest.mark.parametrize("url", ["http://host", "mqtt://", "mqtt://h:99999", "mqtt://h/a+b"])
def test_bad_urls_are_refused(url):
    with pytest.raises(SimulatorError, match=r"MQTT URL|prefix"):
        parse_target(url)


# --- the command -----------------------------------------------------------------------------

def test_simulate_out_writes_a_jsonl_file_for_ingest(tmp_path, capsys):
    out = tmp_path / "floor.jsonl"
    assert main(["simulate", "--out", str(out), "--speed", "0", "--calls", "7",
                 "--agents", "3", "--seed", "9"]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines]
    assert all(parse_event(line) for line in lines)
    assert sum(e["type"] == "call_ended" for e in events) == 7
    assert {e["agent_id"] for e in events if "agent_id" in e} <= {"a-1", "a-2", "a-3"}
    assert "simulated 7 calls (7 finished)" in capsys.readouterr().err
    assert lines[0].startswith('{"v":1,"type":"call_started"')


def test_simulate_out_dash_writes_standard_output(capsys):
    assert main(["simulate", "--out", "-", "--speed", "0", "--calls", "2", "--chaos",
                 "0.5", "--seed", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    bad = 0
    for line in lines:
        try:
            parse_event(line)
        except EventRejected:
            bad += 1
    assert 0 < bad < len(lines)


def test_simulate_mqtt_publishes_the_floor(mosquitto, capsys):
    subscriber = Subscriber(mosquitto)
    try:
        assert main(["simulate", "--mqtt", mosquitto.url, "--speed", "0", "--calls", "4",
                     "--seed", "2"]) == 0
        err = capsys.readouterr().err
        wait_for(lambda: sum(e["type"] == "call_ended" for e in subscriber.events()) == 4,
                 what="the four calls")
        events = subscriber.events()
    finally:
        subscriber.close()
    assert "simulated 4 calls (4 finished)" in err
    assert len({e["call_id"] for e in events}) == 4


@pytest.mark.parametrize(("argv", "message"), [
    (["--agents", "0"], "agents must be at least 1"),
    (["--agents", "many"], "agents must be a whole number"),
    (["--speed", "-2"], "speed must be 0"),
    (["--duration", "0"], "duration must be positive"),
    (["--chaos", "2"], "chaos rate"),
    (["--mqtt", "mqtt://h", "--out", "-"], "not allowed with argument"),
])
def test_simulate_rejects_bad_arguments(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_:
        main(["simulate", *argv])
    assert exit_.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "message"), [
    (["--mqtt", "tcp://broker:1883"], "bad MQTT URL: MQTT URL must start with mqtt://"),
    (["--mqtt", "mqtt://h", "--prefix", "a/#"], "bad topic prefix"),
    (["--out", "/nonexistent/dir/f.jsonl"], "cannot write"),
    (["--out", "-", "--corpus", "/nonexistent.jsonl"], "cannot open"),
])
def test_simulate_reports_unusable_settings(capsys, argv, message):
    assert main(["simulate", "--speed", "0", "--calls", "1", *argv]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_a_simulated_file_imports_with_floorlight_ingest(trained_registry, tmp_path, capsys):
    out, db = tmp_path / "floor.jsonl", f"sqlite:///{tmp_path / 'floor.db'}"
    assert main(["simulate", "--out", str(out), "--speed", "0", "--calls", "5"]) == 0
    assert main(["ingest", "--db", db, "--model", str(trained_registry), str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    turns = sum(json.loads(line)["type"] == "utterance" for line in lines)
    assert count(db, calls, calls.c.status == "ended", calls.c.csat.is_not(None)) == 5
    assert count(db, utterances) == turns and count(db, dead_letters) == 0


@pytest.mark.slow
def test_simulate_without_a_destination_feeds_the_monitor_in_process(trained_registry,
                                                                     tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'floor.db'}"
    assert main(["simulate", "--speed", "0", "--calls", "3", "--agents", "2", "--db", db,
                 "--model", str(trained_registry), "--seed", "4"]) == 0
    assert "simulated 3 calls (3 finished)" in capsys.readouterr().err
    engine = open_store(db, migrate=False)
    try:
        with engine.connect() as conn:
            statuses = conn.execute(select(calls.c.status, func.count())
                                    .group_by(calls.c.status)).all()
    finally:
        engine.dispose()
    assert dict(statuses) == {"ended": 3}
