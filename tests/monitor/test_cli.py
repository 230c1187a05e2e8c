"""``floorlight ingest`` and ``floorlight monitor`` as commands: exit codes, messages, what
lands in the store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from store.db import open_store
from store.schema import calls, dead_letters, utterances
from tests.monitor.events import whole_call

pytestmark = pytest.mark.slow
FLOORLIGHT = str(Path(sys.executable).with_name("floorlight"))


def floorlight(*args: str, home: Path, stdin: str | None = None,
               env: dict[str, str] | None = None):
    env = {**os.environ, "FLOORLIGHT_HOME": str(home), **(env or {})}
    return subprocess.run([FLOORLIGHT, *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=120)


def test_ingest_imports_a_file_and_reports_bad_lines(trained_registry, tmp_path):
    events = [json.dumps(e) for n in range(3) for e in whole_call(f"c-{n}")]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join([events[0], "{not json", *events[1:], events[3], ""]) + "\n")
    db = f"sqlite:///{tmp_path / 'floor.db'}"
    done = floorlight("ingest", str(path), "--db", db, "--model", str(trained_registry),
                      home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "imported 23 events (15 turns scored, 3 calls ended)" in done.stdout
    assert "1 dead letters, 1 duplicates ignored" in done.stdout
    store = open_store(db, migrate=False)
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(utterances)).scalar() == 15
        bad = conn.execute(select(dead_letters.c.source, dead_letters.c.reason)).all()
    assert (f"{path}:2", "malformed JSON: Expecting property name enclosed in double quotes "
            "at line 1 col 2") in [tuple(b) for b in bad]
    # importing the same file again changes nothing: every line is a counted duplicate
    again = floorlight("ingest", str(path), "--db", db, "--model", str(trained_registry),
                       home=tmp_path)
    assert "0 dead letters, 23 duplicates ignored" in again.stdout
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(calls)).scalar() == 3
    store.dispose()


def test_ingest_reads_stdin(trained_registry, tmp_path):
    stdin = "\n".join(json.dumps(e) for e in whole_call("c-1"))
    done = floorlight("ingest", "-", "--db", f"sqlite:///{tmp_path / 'f.db'}", "--model",
                      str(trained_registry), home=tmp_path, stdin=stdin)
    assert done.returncode == 0 and "5 turns scored" in done.stdout


def test_rejected_events_leave_no_pii_in_the_log_or_the_dead_letters(trained_registry,
                                                                      tmp_path):
    bad = ['{"v":1,"type":"utterance","event_id":"x1","call_id":"c-1","seq":0,'
           '"speaker":"5555555555554444","text":"hi"}',
           '{"v":1,"type":"utterance","event_id":"x2","call_id":"c-1","seq":"\\u0034111'
           '\\u00201111 1111 1111","speaker":"agent","text":"call 07700 900123"}']
    stdin = "\n".join([json.dumps(whole_call("c-1")[0]), *bad])
    db = f"sqlite:///{tmp_path / 'f.db'}"
    done = floorlight("ingest", "-", "--db", db, "--model", str(trained_registry),
                      home=tmp_path, stdin=stdin)
    assert done.returncode == 0 and "2 dead letters" in done.stdout, done.stderr
    assert "rejected event x1" in done.stderr and "[CARD]" in done.stderr
    store = open_store(db, migrate=False)
    with store.connect() as conn:
        dead = " ".join(f"{r.reason} {r.payload}" for r in conn.execute(select(dead_letters)))
    store.dispose()
    for text in (done.stderr, done.stdout, dead):
        assert "5555" not in text and "4111" not in text and "\\u0034" not in text
        assert "07700" not in text


def test_clear_errors_for_bad_arguments(trained_registry, tmp_path):
    missing = floorlight("ingest", str(tmp_path / "nope.jsonl"), "--model",
                         str(trained_registry), home=tmp_path)
    assert missing.returncode == 2 and "nope.jsonl: No such file" in missing.stderr
    config = tmp_path / "monitor.toml"
    config.write_text('prefix = "fl"\nreorder_wait = 3\n')
    bad = floorlight("monitor", "--config", str(config), "--model", str(trained_registry),
                     home=tmp_path)
    assert bad.returncode == 2 and "unknown key 'reorder_wait'" in bad.stderr
    url = floorlight("monitor", "--mqtt", "http://x@host", "--model",
                     str(trained_registry), home=tmp_path)
    assert url.returncode == 2 and "mqtt:// or mqtts://" in url.stderr
    url = floorlight("monitor", "--mqtt", "http://x:secret@host", "--model",
                     str(trained_registry), home=tmp_path)
    assert url.returncode == 2 and "holds a password" in url.stderr
    assert "secret" not in url.stderr
    no_model = floorlight("ingest", "-", "--model", str(tmp_path / "empty"), home=tmp_path,
                          stdin="")
    assert no_model.returncode == 2 and no_model.stderr.startswith("floorlight:")
    db = floorlight("ingest", "-", "--model", str(trained_registry), home=tmp_path, stdin="",
                    env={"FLOORLIGHT_DB": "postgresql://u:pw-123@127.0.0.1:1/x"})
    assert db.returncode == 2 and "pw-123" not in db.stderr and "***" in db.stderr


def test_monitor_without_a_broker_reads_stdin_into_the_store(trained_registry, tmp_path):
    import signal
    import time

    db = f"sqlite:///{tmp_path / 'floor.db'}"
    env = {**os.environ, "FLOORLIGHT_HOME": str(tmp_path)}
    monitor = subprocess.Popen([FLOORLIGHT, "monitor", "--db", db, "--model",
                                str(trained_registry)], env=env, stdin=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    for event in whole_call("c-1"):
        monitor.stdin.write(json.dumps(event) + "\n")
    monitor.stdin.flush()
    deadline = time.monotonic() + 60
    ended = 0
    while time.monotonic() < deadline and not ended:
        time.sleep(0.3)
        try:
            store = open_store(db, migrate=False)
        except Exception:  # not created yet
            continue
        with store.connect() as conn:
            ended = conn.execute(select(func.count()).select_from(calls).where(
                calls.c.status == "ended")).scalar()
        store.dispose()
    monitor.send_signal(signal.SIGTERM)
    _out, err = monitor.communicate(timeout=30)
    assert ended == 1, err[-2000:]
    assert monitor.returncode == 0


def test_monitor_given_a_file_on_stdin_stops_at_its_end_with_every_event_stored(
        trained_registry, tmp_path):
    # `floorlight monitor < events.jsonl` (monitor/README.md) must return by itself; before,
    # it kept running after the end of input. A call the file leaves open stays open.
    events = [e for n in range(3) for e in whole_call(f"c-{n}")] + whole_call("c-open")[:3]
    db = f"sqlite:///{tmp_path / 'floor.db'}"
    done = floorlight("monitor", "--db", db, "--model", str(trained_registry), home=tmp_path,
                      stdin="".join(json.dumps(e) + "\n" for e in events))
    assert done.returncode == 0, done.stderr[-2000:]
    store = open_store(db, migrate=False)
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(utterances)).scalar() == 17
        status = dict(conn.execute(select(calls.c.call_id, calls.c.status)).all())
    store.dispose()
    assert status == {"c-0": "ended", "c-1": "ended", "c-2": "ended", "c-open": "open"}


@pytest.mark.parametrize("command", ["monitor", "ingest", "dashboard"])
def test_a_damaged_store_file_is_one_line_on_every_command(trained_registry, tmp_path, command):
    path = tmp_path / "floor.db"
    path.write_bytes(b"these are somebody's notes, not a database\n" * 50)
    args = {"monitor": ["monitor"], "ingest": ["ingest", "-"], "dashboard": ["dashboard"]}
    extra = [] if command == "dashboard" else ["--model", str(trained_registry)]
    done = floorlight(*args[command], "--db", f"sqlite:///{path}", *extra, home=tmp_path,
                      stdin="")
    assert done.returncode == 2
    lines = [x for x in done.stderr.splitlines() if x.strip()]
    assert lines == [f"floorlight: sqlite:///{path} is not a SQLite database or is damaged "
                     "(file is not a database); move it aside or choose another --db"]


@pytest.mark.parametrize("command", ["monitor", "ingest"])
def test_a_store_folder_that_cannot_be_made_is_one_line(trained_registry, tmp_path, command):
    (tmp_path / "taken").write_text("a file where the folder should be")
    args = ["monitor"] if command == "monitor" else ["ingest", "-"]
    done = floorlight(*args, "--db", f"sqlite:///{tmp_path / 'taken' / 'floor.db'}", "--model",
                      str(trained_registry), home=tmp_path, stdin="")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"floorlight: cannot create the folder {tmp_path / 'taken'} for the store: a file of "
        "that name is in the way"]
