"""No single event stops the monitor or costs a good turn (issue 11): each hostile event from
the field, between good calls, through the real service on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from monitor.config import MonitorConfig
from monitor.engine import Engine
from monitor.service import MonitorService
from store.db import open_store
from store.schema import calls, dead_letters, pending_events, utterances
from store.writer import StoreWriter
from tests.monitor.events import CALM_CALL, ended, incoming, said, started, whole_call

HOSTILE = {
    "lone surrogate in text": '{"v":1,"type":"utterance","event_id":"x-1","call_id":"bad",'
                              '"seq":0,"speaker":"customer","text":"hi \\ud800 there"}',
    "NUL in text": '{"v":1,"type":"utterance","event_id":"x-2","call_id":"bad2","seq":0,'
                   '"speaker":"customer","text":"a\\u0000b"}',
    "deep nesting": '{"v":1,"type":"utterance","x":' + "[" * 100_000 + "]" * 100_000 + "}",
    "huge seq": '{"v":1,"type":"utterance","event_id":"x-3","call_id":"bad3",'
                '"seq":100000000000000000000,"speaker":"agent","text":"hi"}',
    "int64 max seq": '{"v":1,"type":"utterance","event_id":"x-4","call_id":"bad4",'
                     '"seq":9223372036854775807,"speaker":"agent","text":"hi"}',
    "400-digit t": '{"v":1,"type":"utterance","event_id":"x-5","call_id":"bad5","seq":0,'
                   '"speaker":"agent","text":"hi","t":' + "9" * 400 + "}",
    "Infinity t": '{"v":1,"type":"utterance","event_id":"x-6","call_id":"bad6","seq":0,'
                  '"speaker":"agent","text":"hi","t":Infinity}',
    "NaN t_end": '{"v":1,"type":"utterance","event_id":"x-7","call_id":"bad7","seq":0,'
                 '"speaker":"agent","text":"hi","t":1,"t_end":NaN}',
    "invalid UTF-8": b'{"v":1,"type":"utterance","text":"\xff\xfe"}',
    "surrogate in an id": '{"v":1,"type":"call_started","event_id":"x-8","call_id":"\\udc00",'
                          '"agent_id":"a-1"}',
}


def _service(db_url: str, model, lexicon) -> MonitorService:
    service = MonitorService(Engine(model, MonitorConfig(), lexicon), StoreWriter(open_store(
        db_url)))
    service.resume()
    return service


def _count(service: MonitorService, table, *where) -> int:
    with service.writer.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar()


def _good_and_hostile():
    """Two good calls with every hostile event between their turns."""
    first, second = whole_call("good-1"), whole_call("good-2", agent="a-2")
    events: list = []
    for i, bad in enumerate(HOSTILE.values()):
        events += [first[i]] if i < len(first) else []
        events.append(bad)
        events += [second[i]] if i < len(second) else []
    events += first[len(HOSTILE):] + second[len(HOSTILE):]
    return events


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_every_hostile_event_is_a_dead_letter_and_good_calls_land_once(
        backend, request, tmp_path, model, lexicon):
    db_url = f"sqlite:///{tmp_path / 'floor.db'}" if backend == "sqlite" else \
        request.getfixturevalue("pg_url")
    service = _service(db_url, model, lexicon)
    events = _good_and_hostile()
    service.process(incoming(*events))
    service.process(incoming(*events))  # everything redelivered, as a broker would
    good = utterances.c.call_id.in_(["good-1", "good-2"])
    assert _count(service, utterances, good) == 2 * len(CALM_CALL)
    assert _count(service, utterances) == 2 * len(CALM_CALL) + 2  # the two cleaned texts
    assert _count(service, calls, calls.c.status == "ended") == 2
    rejected = len(HOSTILE) - 2
    # one dead letter per hostile event, however often it is delivered
    assert _count(service, dead_letters, ~dead_letters.c.reason.like("%implicitly%")) == \
        rejected
    assert service.engine.counters["duplicates"] >= len(events) - 2
    restarted = _service(db_url, model, lexicon)  # nothing left behind blocks a restart
    restarted.process(incoming(said("good-3", 0, "agent", "Hello again, Dana here.")))
    assert _count(restarted, utterances) == 2 * len(CALM_CALL) + 3
    service.writer.engine.dispose()
    restarted.writer.engine.dispose()


def test_cleaned_text_is_stored_and_scored(tmp_path, model, lexicon):
    service = _service(f"sqlite:///{tmp_path / 'f.db'}", model, lexicon)
    service.process(incoming(HOSTILE["lone surrogate in text"], HOSTILE["NUL in text"]))
    with service.writer.engine.connect() as conn:
        texts = sorted(conn.execute(select(utterances.c.text)).scalars())
    assert texts == ["ab", "hi \ufffd there"]


def test_numbers_out_of_range_are_rejected_with_a_reason(tmp_path, model, lexicon):
    service = _service(f"sqlite:///{tmp_path / 'f.db'}", model, lexicon)
    keys = ["huge seq", "int64 max seq", "400-digit t", "Infinity t", "NaN t_end",
            "deep nesting"]
    service.process(incoming(*(HOSTILE[k] for k in keys)))
    with service.writer.engine.connect() as conn:
        reasons = list(conn.execute(select(dead_letters.c.reason)).scalars())
    assert len(reasons) == len(keys)
    assert sum("seq must be 0 to" in r for r in reasons) == 2
    assert sum("'t'" in r or "t_end" in r or "not a JSON number" in r for r in reasons) == 3
    assert any("nested too deeply" in r for r in reasons)
    assert _count(service, pending_events) == 0


def test_an_event_that_fails_inside_the_pipeline_is_set_aside_alone(tmp_path, model, lexicon):
    """A failure nobody foresaw (here: the scorer raising on one text) costs only that event:
    the batch is applied one by one, the culprit becomes a dead letter and is marked seen."""
    service = _service(f"sqlite:///{tmp_path / 'f.db'}", model, lexicon)
    real_score = model.score

    def score(texts, speakers, **kw):
        if any("POISON" in t for t in texts):
            raise RuntimeError("scorer exploded")
        return real_score(texts, speakers, **kw)

    service.engine.model = type("M", (), {"score": staticmethod(score),
                                          "new_call": model.new_call,
                                          "version": model.version})()
    events = [*whole_call("c-1")[:3], said("c-1", 2, "customer", "POISON here"),
              *[said("c-1", i, s, f"turn {i} {t}") for i, (s, t) in enumerate(CALM_CALL)
                if i > 2], ended("c-1")]
    service.process(incoming(*events))
    with service.writer.engine.connect() as conn:
        seqs = list(conn.execute(select(utterances.c.seq).order_by(utterances.c.seq)).scalars())
        dead = list(conn.execute(select(dead_letters.c.reason)).scalars())
    assert seqs == [0, 1, 3, 4]
    assert any("RuntimeError: scorer exploded" in r for r in dead)
    assert _count(service, calls, calls.c.status == "ended") == 1
    service.process(incoming(said("c-1", 2, "customer", "POISON here")))  # a redelivery
    assert sum("scorer exploded" in r for r in _reasons(service)) == 1


def _reasons(service: MonitorService) -> list[str]:
    with service.writer.engine.connect() as conn:
        return list(conn.execute(select(dead_letters.c.reason)).scalars())


def test_an_unreadable_held_back_event_does_not_block_start_up(tmp_path, model, lexicon):
    db_url = f"sqlite:///{tmp_path / 'f.db'}"
    service = _service(db_url, model, lexicon)
    service.process(incoming(started("c-1"), said("c-1", 1, "customer", "held back")))
    with service.writer.engine.begin() as conn:  # a row written by an older, laxer monitor
        conn.execute(pending_events.insert().values(
            event_id="legacy", call_id="c-1", seq=9223372036854775807,
            received_at=datetime.now(UTC),
            payload=json.dumps({"v": 1, "type": "utterance", "event_id": "legacy",
                                "call_id": "c-1", "seq": 9223372036854775807,
                                "speaker": "agent", "text": "x"})))
    restarted = _service(db_url, model, lexicon)
    assert list(restarted.engine.calls["c-1"].pending) == [1]
    assert any("held-back event cannot be applied" in r for r in _reasons(restarted))
    assert _count(restarted, pending_events) == 1


def test_timestamps_keep_their_instant_and_an_end_before_the_start_is_clamped(
        tmp_path, model, lexicon):
    service = _service(f"sqlite:///{tmp_path / 'f.db'}", model, lexicon)
    service.process(incoming(
        started("c-1", ts="2026-11-23T17:30:00+08:00"), said("c-1", 0, "agent", "Hello there."),
        ended("c-1", ts="2026-11-23T09:00:00+00:00")))
    with service.writer.engine.connect() as conn:
        row = conn.execute(select(calls.c.started_at, calls.c.ended_at)).one()
    assert row.started_at.replace(tzinfo=UTC) == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert row.ended_at.replace(tzinfo=UTC) == row.started_at.replace(tzinfo=UTC)
    assert any("before the call started" in r for r in _reasons(service))


@pytest.mark.parametrize("refused", [
    started("c-1") | {"event_id": "again"},                      # a call already in progress
    said("c-1", 0, "agent", "late copy") | {"event_id": "late"},  # a seq already passed
    ended("never") | {"event_id": "orphan-end"},                 # a call that never started
    said("c-2", 0, "agent", "after the end") | {"event_id": "after"},  # a call already ended
], ids=["second start", "seq passed", "never started", "already ended"])
def test_a_refused_event_redelivered_is_a_duplicate_not_another_dead_letter(
        refused, tmp_path, model, lexicon):
    """Found by the fuzz suite: events the engine refuses (well-formed, but they cannot apply)
    were not marked seen, so every redelivery wrote another dead letter."""
    service = _service(f"sqlite:///{tmp_path / 'f.db'}", model, lexicon)
    service.process(incoming(started("c-1"), said("c-1", 0, "agent", "Hello."),
                             *whole_call("c-2")))
    before = len(_reasons(service))
    for _ in range(3):
        service.process(incoming(refused))
    assert len(_reasons(service)) == before + 1
    assert service.engine.counters["duplicates"] == 2


def test_text_handed_over_as_str_with_a_lone_surrogate_is_cleaned_not_set_aside(
        tmp_path, model, lexicon):
    """Found by the fuzz suite: msgspec cannot read a str holding a lone surrogate (it is not
    UTF-8); such text follows the one text rule like an escaped one."""
    service = _service(f"sqlite:///{tmp_path / 'f.db'}", model, lexicon)
    raw = json.dumps(said("c-1", 0, "customer", "hi \ud800 there"), ensure_ascii=False)
    service.process(incoming(started("c-1"), raw))
    with service.writer.engine.connect() as conn:
        assert list(conn.execute(select(utterances.c.text)).scalars()) == ["hi \ufffd there"]
    assert _reasons(service) == []


@pytest.mark.parametrize("raw", [
    '{"v":1,"type":"utterance","event_id":"x-9","call_id":"c-9","seq":0,"speaker":"\\ud800",'
    '"text":"hi"}',
    '{"v":"\ud800","type":"utterance","event_id":"x-9","call_id":"c-9"}',
    '{"v":1,"type":"call_ended","event_id":"x-9","call_id":"c-9","ts":"2026-11-23\\udc00"}',
], ids=["escaped, in speaker", "as str, in v", "escaped, in ts"])
def test_a_lone_surrogate_outside_text_is_a_dead_letter_with_a_reason(raw, tmp_path, model,
                                                                     lexicon):
    """Found by the fuzz suite: msgspec reads versions, literals and times as UTF-8 and raised
    UnicodeEncodeError, so the event was only set aside by poison isolation."""
    service = _service(f"sqlite:///{tmp_path / 'f.db'}", model, lexicon)
    service.process(incoming(raw))
    service.process(incoming(raw))
    reasons = _reasons(service)
    assert len(reasons) == 1 and "holds a lone surrogate" in reasons[0]
    assert service.engine.counters["quarantined"] == 0


def test_a_reason_quotes_a_senders_value_bounded(tmp_path, model, lexicon):
    """Found while fuzzing the edge: a 100,000-character speaker or type was quoted whole in
    the reason (a log line and a dead-letter row each time)."""
    service = _service(f"sqlite:///{tmp_path / 'f.db'}", model, lexicon)
    service.process(incoming(said("c-1", 0, "robot" * 20_000, "hi"),
                             started("c-2") | {"type": "x" * 100_000}))
    reasons = _reasons(service)
    assert len(reasons) == 2 and all(len(r) < 200 for r in reasons)
    assert any("speaker must be agent or customer, got 'robotrobot" in r for r in reasons)
