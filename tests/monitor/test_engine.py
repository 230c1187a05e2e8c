"""The monitor's engine against a real SQLite store: every event applied exactly once, in
seq order, with bad input dead-lettered and good input around it untouched."""

from __future__ import annotations

from sqlalchemy import func, select

from store.schema import alerts, calls, dead_letters, desk_states, pending_events, utterances
from tests.monitor.events import ended, incoming, said, started, whole_call


def run(engine, writer, *events):
    changes = engine.handle(incoming(*events), writer)
    writer.write(changes)
    return changes


def rows(writer, query):
    with writer.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def count(writer, table, *where):
    with writer.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar()


def reasons(writer):
    return [r["reason"] for r in rows(writer, select(dead_letters).order_by(dead_letters.c.id))]


def test_a_whole_call_is_stored_scored_and_closed(make_engine, writer):
    engine = make_engine()
    changes = run(engine, writer, *whole_call("c-1", team="billing", desk_id="d-9"))
    call = rows(writer, select(calls))[0]
    assert call["status"] == "ended" and call["turns"] == 5 and call["csat"] == 4
    assert call["desk_id"] == "d-9" and call["team"] == "billing"
    assert call["scorecard"]["v"] == 1 and 0 <= call["qa_score"] <= 100
    assert call["scorecard"]["items"]["greeting"]["passed"] is True
    turns = rows(writer, select(utterances).order_by(utterances.c.seq))
    assert [t["seq"] for t in turns] == [0, 1, 2, 3, 4]
    assert all(t["sentiment"] in ("negative", "neutral", "positive") for t in turns)
    assert all(0 <= t["risk"] <= 1 for t in turns)
    assert changes.desks["d-9"].state == "off"
    desk = rows(writer, select(desk_states))[0]
    assert desk["state"] == "off" and desk["desk_id"] == "d-9"
    assert reasons(writer) == []


def test_desk_defaults_to_the_agent_and_is_calm_during_the_call(make_engine, writer):
    engine = make_engine()
    changes = run(engine, writer, started("c-1", "a-7"), said("c-1", 0, "agent", "Hello!"))
    desk = changes.desks["a-7"]
    # A desk opens calm, and an agent's greeting carries no customer signal: its risk stays
    # far below the tracker's watch threshold, so the desk is calm, not merely "not alert".
    assert desk.state == "calm" and desk.reason is None
    assert desk.risk < engine.calls["c-1"].tracker._tracker.thresholds_["watch_in"]
    assert desk.call_id == "c-1" and desk.agent_id == "a-7"
    payload = desk.payload().decode()
    assert '"desk_id": "a-7"' in payload and '"v": 1' in payload


def test_duplicates_are_applied_once_within_and_across_batches(make_engine, writer):
    engine = make_engine()
    first = said("c-1", 0, "customer", "hello")
    run(engine, writer, started("c-1"), first, first)
    run(engine, writer, first, started("c-1"))
    assert count(writer, utterances) == 1
    assert engine.counters["duplicates"] == 3
    assert reasons(writer) == []  # redeliveries are counted, not each a dead-letter row


def test_out_of_order_turns_wait_in_the_store_and_apply_in_seq_order(make_engine, writer):
    engine = make_engine()
    run(engine, writer, started("c-1"), said("c-1", 1, "customer", "second"))
    assert count(writer, utterances) == 0
    assert count(writer, pending_events) == 1
    run(engine, writer, said("c-1", 0, "agent", "first"))
    assert [r["text"] for r in rows(writer, select(utterances).order_by(utterances.c.id))] == \
        ["first", "second"]
    assert count(writer, pending_events) == 0


def test_a_gap_is_skipped_after_the_wait_and_reported(make_engine, writer, clock):
    engine = make_engine(reorder_wait_s=2.0)
    run(engine, writer, started("c-1"), said("c-1", 0, "agent", "hi"),
        said("c-1", 2, "customer", "third"))
    writer.write(engine.tick())
    assert count(writer, utterances) == 1  # still waiting
    clock.advance(2.5)
    writer.write(engine.tick())
    assert count(writer, utterances) == 2
    assert reasons(writer) == ["gap: seq 1 never arrived; skipped"]
    assert rows(writer, select(calls))[0]["gaps"] == 1
    assert engine.counters["gaps"] == 1  # reported in the heartbeat and the dashboard banner
    run(engine, writer, said("c-1", 1, "agent", "too late"))
    assert reasons(writer)[-1] == "utterance seq 1 arrived after its place in the call was passed"


def test_call_end_flushes_held_back_turns_with_the_gap_reported(make_engine, writer):
    engine = make_engine()
    run(engine, writer, started("c-1"), said("c-1", 1, "customer", "only this"), ended("c-1"))
    assert count(writer, utterances) == 1
    assert reasons(writer) == ["gap: seq 0 never arrived; skipped"]
    assert rows(writer, select(calls))[0]["status"] == "ended"


def test_unknown_call_opens_implicitly_and_a_late_start_fills_it_in(make_engine, writer):
    engine = make_engine()
    run(engine, writer, said("c-9", 0, "customer", "hello?"))
    call = rows(writer, select(calls))[0]
    assert call["implicit_start"] is True and call["agent_id"] == "unknown"
    assert "opened it implicitly" in reasons(writer)[0]
    run(engine, writer, started("c-9", "a-3", team="sales"))
    call = rows(writer, select(calls))[0]
    assert (call["agent_id"], call["team"], call["implicit_start"]) == ("a-3", "sales", False)


def test_events_for_ended_or_unknown_calls_are_dead_lettered(make_engine, writer):
    engine = make_engine()
    run(engine, writer, *whole_call("c-1"))
    run(engine, writer, said("c-1", 9, "customer", "after the end"), ended("c-2"),
        {**started("c-1"), "event_id": "restart"})
    assert reasons(writer) == [
        "Utterance: the call has already ended",
        "call_ended for a call that never started",
        "CallStarted: the call has already ended",
    ]
    assert count(writer, utterances) == 5


def test_a_late_survey_score_lands_on_the_ended_call(make_engine, writer):
    engine = make_engine()
    run(engine, writer, *whole_call("c-1")[:-1], ended("c-1"))
    run(engine, writer, {**ended("c-1", csat=2), "event_id": "survey-1"})
    assert rows(writer, select(calls))[0]["csat"] == 2


def test_bad_input_is_dead_lettered_and_good_input_around_it_is_untouched(make_engine, writer):
    engine = make_engine()
    bad = [
        '{"v":1,"type":"utterance",',                      # truncated JSON
        b'{"v":1,"type":"utterance","text":"\xff\xfe"}',   # invalid UTF-8
        '{"v":1,"type":"utterance","event_id":"x1","call_id":"c-1","speaker":"agent"}',
        '{"v":1,"type":"utterance","event_id":"x2","call_id":"c-1","seq":"one",'
        '"speaker":"agent","text":"hi"}',
        '[1, 2, 3]',
        '{"v":2,"type":"call_started","event_id":"x3","call_id":"c-1","agent_id":"a"}',
        '{"v":1,"type":"utterance","event_id":"x4","call_id":"c-1","seq":0,'
        '"speaker":"robot","text":"hi"}',
    ]
    huge = said("c-1", 1, "customer", "x" * 1_000_000)
    empty = said("c-1", 2, "customer", "   ")
    good = whole_call("c-1")
    run(engine, writer, good[0], *bad, good[1], huge, empty)
    run(engine, writer, *[{**e, "seq": e["seq"] + 2, "event_id": e["event_id"] + "b"}
                          for e in good[2:-1]], good[-1])
    found = reasons(writer)
    assert len(found) == len(bad) + 2
    assert found[0].startswith("malformed JSON")
    assert found[1].startswith("not valid UTF-8")
    assert found[2] == "missing field 'seq'"
    assert found[3] == "field 'seq' must be int, got str"
    assert found[4] == "an event is a JSON object, not list"
    assert found[5].startswith("unsupported version")
    assert found[6].startswith("speaker must be agent or customer")
    assert "1,000,000 characters, over the 5,000 limit" in found[7]
    assert found[8] == "utterance seq 2: empty text"
    assert count(writer, utterances) == 5  # seq 0 and 3-6: the bad seqs did not block them
    assert rows(writer, select(calls))[0]["status"] == "ended"
    payloads = rows(writer, select(dead_letters.c.payload))
    assert all(p["payload"] is None or len(p["payload"]) <= 2000 for p in payloads)


def test_pii_is_redacted_before_it_is_stored(make_engine, writer):
    engine = make_engine()
    run(engine, writer, started("c-1"),
        said("c-1", 0, "customer", "my card is 4111 1111 1111 1111 and mail me at a@b.com"))
    text = rows(writer, select(utterances.c.text))[0]["text"]
    assert "4111" not in text and "a@b.com" not in text
    assert "[CARD]" in text and "[EMAIL]" in text


def test_redaction_can_be_switched_off(make_engine, writer):
    engine = make_engine(redact=False)
    run(engine, writer, started("c-1"), said("c-1", 0, "customer", "mail me at a@b.com"))
    assert rows(writer, select(utterances.c.text))[0]["text"] == "mail me at a@b.com"


def test_dead_letters_and_their_log_lines_carry_no_pii(make_engine, writer, caplog):
    engine = make_engine()
    speaker = '{"v":1,"type":"utterance","event_id":"x1","call_id":"c-1","seq":0,' \
              '"speaker":"4111111111111111","text":"hi"}'
    escaped = '{"v":1,"type":"utterance","event_id":"x2","call_id":"c-1","seq":"\\u0034' \
              '111 1111 1111 1111","speaker":"agent","text":"mail a\\u0040b.com"}'
    with caplog.at_level("WARNING", logger="floorlight.monitor"):
        run(engine, writer, started("c-1"), speaker, escaped)
    dead = rows(writer, select(dead_letters).order_by(dead_letters.c.id))
    assert dead[0]["reason"] == "speaker must be agent or customer, got '[CARD]'"
    stored = " ".join(f"{d['reason']} {d['payload']}" for d in dead) + caplog.text
    assert "4111" not in stored and "1111" not in stored and "a@b.com" not in stored
    assert "\\u0034" not in stored and "[CARD]" in dead[1]["payload"]
    assert "[EMAIL]" in dead[1]["payload"]


def test_a_number_at_the_payload_cut_is_not_left_half_visible(make_engine, writer):
    from monitor.engine import PAYLOAD_KEEP

    engine = make_engine()
    raw = "{" + "x" * (PAYLOAD_KEEP - 10) + " 4111 1111 1111 1111"  # the cut halves the card
    run(engine, writer, raw)
    payload = rows(writer, select(dead_letters.c.payload))[0]["payload"]
    assert len(payload) <= PAYLOAD_KEEP and "4111" not in payload


def test_idle_calls_time_out_and_free_the_desk(make_engine, writer, clock):
    engine = make_engine(idle_timeout_s=60)
    run(engine, writer, started("c-1"), said("c-1", 0, "agent", "hello"))
    clock.advance(61)
    changes = engine.tick()
    writer.write(changes)
    assert rows(writer, select(calls))[0]["status"] == "timed_out"
    assert changes.desks["a-1"].state == "off"


def test_a_restarted_engine_resumes_open_calls_exactly(make_engine, writer):
    turns = [said("c-1", i, s, t) for i, (s, t) in enumerate([
        ("agent", "Hello, how can I help?"), ("customer", "This is the third time I call!"),
        ("agent", "I'm so sorry about that."), ("customer", "I want a manager right now."),
        ("agent", "Let me get my supervisor."), ("customer", "fine")])]
    straight = make_engine()
    reference = [straight.handle(incoming(e), _Nothing()).utterances for e in
                 [started("c-1"), *turns]]
    first = make_engine()
    run(first, writer, started("c-1"), *turns[:3], turns[4])  # seq 4 waits for seq 3
    second = make_engine()
    second.restore(writer.open_calls(), writer.turns(["c-1"]), writer.pending(),
                   writer.desks())
    run(second, writer, turns[3], turns[5], turns[4])
    stored = rows(writer, select(utterances).order_by(utterances.c.seq))
    expected = [u for batch in reference for u in batch]
    assert [r["seq"] for r in stored] == [0, 1, 2, 3, 4, 5]
    assert [r["risk"] for r in stored] == [u.risk for u in expected]
    assert [r["state"] for r in stored] == [u.state for u in expected]
    assert first.counters["gaps"] == 0  # seq 3 was only late, never skipped
    assert second.counters["duplicates"] == 1 and not any(
        r.startswith("duplicate") for r in reasons(writer))


def test_acknowledging_an_alert_moves_the_desk_and_is_applied_once(make_engine, writer):
    engine = make_engine()
    run(engine, writer, started("c-1"), said("c-1", 0, "customer", "hello"))
    call = engine.calls["c-1"]
    call.tracker.state, call.tracker.reason = "alert", "supervisor_request"
    changes = engine.acknowledge([(41, "c-1")])
    assert changes.desks["a-1"].state == "acknowledged"
    assert changes.acks_applied == [41]
    again = engine.acknowledge([(41, "c-1")])
    assert not again.desks and again.acks_applied == [41]


def test_shards_split_calls_between_workers(make_engine, writer):
    from monitor.config import Shard

    workers = [make_engine(shard=Shard(i, 2)) for i in range(2)]
    events = [e for n in range(20) for e in whole_call(f"c-{n}")]
    for worker in workers:
        run(worker, writer, *events)
    assert count(writer, calls) == 20
    assert count(writer, utterances) == 100
    assert reasons(writer) == []
    owned = [sum(w.owns(f"c-{n}") for w in workers) for n in range(20)]
    assert owned == [1] * 20


def test_an_alert_row_is_raised_once_and_closed_at_the_end(make_engine, writer):
    engine = make_engine()
    run(engine, writer, started("c-1"), said("c-1", 0, "agent", "hello"))
    call = engine.calls["c-1"]
    call.tracker.state = "calm"
    thresholds = call.tracker._tracker.thresholds_
    saved = dict(thresholds)
    thresholds.update(alert_in=0.0, cue_alert=0.0)  # this test is about rows, not the model
    try:
        run(engine, writer, said("c-1", 1, "customer", "I want your manager"),
            said("c-1", 2, "customer", "now"))
    finally:
        thresholds.clear()
        thresholds.update(saved)
    raised = rows(writer, select(alerts))
    assert len(raised) == 1 and raised[0]["status"] == "open" and raised[0]["turn_index"] == 1
    run(engine, writer, ended("c-1"))
    closed = rows(writer, select(alerts))[0]
    assert closed["status"] == "closed" and closed["closed_at"] is not None
    assert rows(writer, select(calls))[0]["first_alert_index"] == 1


class _Nothing:
    def seen(self, ids):
        return set()

    def call_status(self, ids):
        return {}


def test_replay_turns_are_the_predictions_the_monitor_stores(make_engine, writer, model):
    """``floorlight replay``'s per-turn predictions are made exactly as the live monitor makes
    them: same sentiment, cue, escalation and risk for every turn of a call."""
    from floorlight.commands.replay import replay_call
    from models.corpus import parse_call

    turns = [("agent", "Thanks for calling, this is Sam."),
             ("customer", "I've called three times about this bill and nobody fixed it."),
             ("agent", "I'm sorry, let me look at it now."),
             ("customer", "No. I want your manager, now."),
             ("agent", "Of course, I'll bring my supervisor in.")]
    run(make_engine(), writer, started("c-9"), *(said("c-9", i, s, t)
                                                 for i, (s, t) in enumerate(turns)))
    stored = rows(writer, select(utterances).order_by(utterances.c.seq))
    call = parse_call({"call_id": "c-9", "utterances": [
        {"speaker": s, "text": t} for s, t in turns]}, "test", labelled=False)
    replayed = replay_call(model, call)
    assert [t["cue"] for t in replayed["turns"]] == [r["cue"] for r in stored]
    assert [t["sentiment"] for t in replayed["turns"]] == [r["sentiment"] for r in stored]
    assert [t["escalation"] for t in replayed["turns"]] == [r["escalation"] for r in stored]
    assert replayed["risk"] == [r["risk"] for r in stored]
