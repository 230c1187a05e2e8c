"""Property-based fuzzing of the engine and the real service (issue 11): arbitrary streams of
valid calls mixed with hostile events (tests/monitor/hostile.py), redelivered, reordered and
cut into batches at random, with a restart somewhere in between, on real SQLite and
PostgreSQL. Whatever the stream: the service is still up, every valid turn is stored exactly
once, every hostile event has exactly one dead letter, and redeliveries are counted.

Budget: a bounded number of examples per backend (see ``EXAMPLES``), no deadline; the file
runs in well under a minute. benchmarks/fuzz_volume.py drives the same streams at volume."""

from __future__ import annotations

import itertools
import json
import os
from datetime import UTC

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from models.corpus import MAX_T
from models.text import clean_text
from monitor.config import MonitorConfig
from monitor.engine import Engine
from monitor.events import (
    BAD_ID,
    MAX_ID,
    MAX_SEQ,
    EventRejected,
    Utterance,
    event_from_dict,
    parse_event,
)
from monitor.service import MonitorService
from store.db import open_store
from store.schema import utterances
from store.writer import StoreWriter
from tests.monitor.events import incoming, whole_call
from tests.monitor.hostile import build, last_dead_letter, problems

# the CI budget; FLOORLIGHT_FUZZ_EXAMPLES=2000 hunts longer on a workstation
EXAMPLES = {"sqlite": 40, "postgres": 20}
DEEPER = int(os.environ.get("FLOORLIGHT_FUZZ_EXAMPLES", "0"))
ODD_CHARS = ["\ud800", "\udfff", "\udc00x", "\x00", "\x1b", "\x7f", "\u2028", "\ufeff", "\ufffd",
             "\U0001f600", "謝", "\t", "\r\n"]

# turn texts: any Unicode, lone surrogates and control characters included, that the one
# text rule leaves non-empty (an empty or over-long text is a hostile event of its own)
texts = st.lists(st.one_of(st.characters(), st.sampled_from(ODD_CHARS)), min_size=1,
                 max_size=40).map("".join).filter(lambda t: clean_text(t).strip() != "")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                max_size=3),
    max_leaves=6)


@pytest.fixture
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fuzz.db'}"
    return request.getfixturevalue("pg_url")


def _service(writer: StoreWriter, model, lexicon) -> MonitorService:
    service = MonitorService(Engine(model, MonitorConfig(), lexicon), writer)
    service.resume()
    return service


def _fuzz(backend: str):
    return settings(max_examples=DEEPER or EXAMPLES[backend], deadline=None, derandomize=False,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


@pytest.mark.parametrize("store_url", ["sqlite", "postgres"], indirect=True)
def test_hostile_streams_cost_no_valid_turn_and_leave_one_dead_letter_each(
        store_url, model, lexicon):
    writer = StoreWriter(open_store(store_url))
    examples = itertools.count()
    backend = "sqlite" if store_url.startswith("sqlite") else "postgres"

    @_fuzz(backend)
    @given(data=st.data())
    def check(data) -> None:
        ns = f"f{next(examples)}-"  # one store for all examples: each has its own ids
        rnd = data.draw(st.randoms(use_true_random=False), label="choices")
        stream = build(rnd, ns, calls=data.draw(st.integers(0, 4), label="calls"),
                       free=data.draw(st.integers(0, 12), label="hostile"),
                       duplicates=data.draw(st.integers(0, 6), label="redeliveries"),
                       texts=data.draw(st.lists(texts, min_size=1, max_size=4), label="texts"),
                       values=data.draw(st.lists(json_values, min_size=1, max_size=6),
                                        label="values"))
        with writer.engine.connect() as conn:
            dead_before = last_dead_letter(conn)
        service, duplicates, set_aside = _service(writer, model, lexicon), 0, 0
        restart_at = rnd.randrange(len(stream.deliveries) + 1)
        at = 0
        while at < len(stream.deliveries):
            if at >= restart_at:  # a restart: carry on from what the store holds
                duplicates += service.engine.counters["duplicates"]
                set_aside += service.engine.counters["quarantined"]
                service, restart_at = _service(writer, model, lexicon), len(stream.deliveries)
            size = rnd.randint(1, 30)
            service.process(stream.deliveries[at:at + size])
            at += size
        duplicates += service.engine.counters["duplicates"]
        set_aside += service.engine.counters["quarantined"]
        service.housekeeping()
        with writer.engine.connect() as conn:
            assert problems(conn, stream, dead_before) == []
        assert duplicates == stream.duplicates
        assert set_aside == 0  # every refusal was foreseen: none needed poison isolation
        canary = whole_call(f"{ns}canary")  # still up: a good call after the stream lands
        service.process(incoming(*canary))
        with writer.engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(utterances).where(
                utterances.c.call_id == f"{ns}canary")).scalar()
        assert stored == len(canary) - 2

    check()
    writer.engine.dispose()


# --- the edge alone: any bytes or any object in, an event or a reason out ----------------------

MAX_REASON = 300  # a reason is a log line and a dead-letter row: it quotes a value, bounded
FIELDS = ["v", "type", "event_id", "call_id", "agent_id", "desk_id", "team", "lang", "ts",
          "seq", "speaker", "text", "t", "t_end", "csat"]
field_values = st.one_of(
    json_values, st.sampled_from(["utterance", "call_started", "call_ended", "agent",
                                  "customer", "en", "zh-Hant", "2026-11-23T09:00:00+08:00"]),
    st.integers(-2, 2**64), st.floats(),
    st.lists(st.sampled_from([*ODD_CHARS, "a", " ", "+", "/"]), max_size=130).map("".join),
    st.integers(100, 5000).map(lambda n: "y" * n))
event_like = st.dictionaries(st.sampled_from(FIELDS), field_values, max_size=len(FIELDS)).map(
    lambda d: {"v": 1, "type": "utterance", "event_id": "e", "call_id": "c", **d})


def _holds_the_contract(event) -> None:
    """What every accepted event promises the engine."""
    assert event.ts.tzinfo is UTC
    for key in ("event_id", "call_id", "agent_id", "desk_id", "team"):
        value = getattr(event, key, None)
        assert value is None or (0 < len(value) <= MAX_ID and not BAD_ID.search(value)
                                 and value == value.strip())
    if isinstance(event, Utterance):
        assert 0 <= event.seq <= MAX_SEQ and event.text == clean_text(event.text)
        assert all(v is None or 0 <= v <= MAX_T for v in (event.t, event.t_end))
        assert event.t is None or event.t_end is None or event.t <= event.t_end


@settings(max_examples=DEEPER or 300, deadline=None)
@given(raw=st.one_of(st.binary(max_size=300), st.text(max_size=300),
                     event_like.map(lambda d: json.dumps(d, ensure_ascii=False)),
                     event_like.map(lambda d: json.dumps(d).encode())))
def test_any_input_is_an_event_that_keeps_the_contract_or_a_reason(raw) -> None:
    try:
        event = parse_event(raw)
    except EventRejected as err:
        assert 0 < len(err.reason) <= MAX_REASON
        return
    _holds_the_contract(event)


@settings(max_examples=DEEPER or 300, deadline=None)
@given(obj=event_like)
def test_any_object_is_an_event_that_keeps_the_contract_or_a_reason(obj) -> None:
    try:
        event = event_from_dict(obj)
    except EventRejected as err:
        assert 0 < len(err.reason) <= MAX_REASON
        return
    _holds_the_contract(event)
