"""The natural whole-call corpus: every call follows labels.md and the writing brief, no turn
text is shared between calls, and evaluation never sees a training call."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from models.call_checks import CALL_TYPES, call_problems, check_files, shared_texts, text_key
from models.corpus import parse_call, read_calls
from models.training import TrainConfig, call_group, heldout_batches, split_calls

NATURAL = Path(__file__).resolve().parents[2] / "data" / "calls" / "natural"
FILES = sorted(NATURAL.rglob("*.jsonl"))


def test_the_corpus_follows_every_rule():
    assert FILES, "no natural call files"
    assert check_files(FILES) == []


def test_the_corpus_covers_every_type_in_every_language():
    calls = [c for f in FILES for c in read_calls(f)]
    for lang in ("en", "zh-Hant", "zh-Hans"):
        types = {c.meta["type"] for c in calls if c.lang == lang}
        assert types == set(CALL_TYPES), (lang, set(CALL_TYPES) - types)
    hk = sum(c.meta.get("region") == "hk" for c in calls if c.lang == "zh-Hant")
    assert hk * 3 >= sum(c.lang == "zh-Hant" for c in calls)  # a third is Hong Kong Cantonese


def _call(turns, **meta):
    body = {"call_id": "x-1", "agent_id": "a-1", "lang": "en", "type": "routine",
            "domain": "bank", "batch": "en-x", "escalated": False, "first_cue_index": None,
            **meta, "utterances": [
                {"speaker": s, "text": f"{text} {i}", "t": float(i), "sentiment": sent,
                 "cue": cue} for i, (s, text, sent, cue) in enumerate(turns)]}
    return parse_call(body, "test")


CALM = [("agent" if i % 2 == 0 else "customer", "words", "neutral", "none") for i in range(12)]


def test_a_clean_call_passes():
    assert call_problems(_call(CALM)) == []


@pytest.mark.parametrize(("change", "meta", "problem"), [
    ({5: ("customer", "manager now", "negative", "supervisor_request")}, {},
     "must be escalated"),
    ({5: ("customer", "manager now", "negative", "supervisor_request")},
     {"escalated": True, "first_cue_index": 7, "type": "direct"}, "but the first cue is turn 5"),
    ({4: ("agent", "calm down", "negative", "supervisor_request")},
     {"escalated": True, "first_cue_index": 4, "type": "direct"}, "cannot be said by the agent"),
    ({}, {"escalated": True, "first_cue_index": 6, "type": "routine"},
     "type must be sentiment_only"),
    ({}, {"escalated": True, "first_cue_index": 6, "type": "sentiment_only"},
     "must point at a customer turn"),
    ({}, {"type": "slowburn"}, "type slowburn but escalated is False"),
])
def test_label_rules_are_enforced(change, meta, problem):
    turns = [change.get(i, t) for i, t in enumerate(CALM)]
    assert any(problem in p for p in call_problems(_call(turns, **meta)))


def test_too_short_calls_and_time_going_back_are_refused():
    assert any("turns (must be" in p for p in call_problems(_call(CALM[:6])))
    call = _call(CALM)
    backwards = (*call.turns[:3], replace(call.turns[3], t=0.5), *call.turns[4:])
    assert any("goes back in time" in p for p in call_problems(replace(call, turns=backwards)))


def test_shared_text_is_found_across_case_punctuation_and_script():
    a = parse_call({"call_id": "a", "utterances": [
        {"speaker": "agent", "text": "好的，謝謝！"}]}, "t", labelled=False)
    b = parse_call({"call_id": "b", "utterances": [
        {"speaker": "agent", "text": "好的 谢谢"}]}, "t", labelled=False)
    assert text_key("Okay, THANKS.") == text_key("okay thanks")
    assert list(shared_texts([a, b]).values()) == [["a", "b"]]


def test_held_out_batches_never_train():
    calls = [c for f in FILES for c in read_calls(f)]
    config = TrainConfig()
    train_calls, test_calls = split_calls(calls, config)
    held = heldout_batches([c for c in calls if c.meta.get("batch")], config)
    assert {call_group(c) for c in test_calls} == held
    assert not {call_group(c) for c in train_calls} & held
    for lang in ("en", "zh-Hant", "zh-Hans"):
        assert any(c.lang == lang for c in test_calls), lang
    train_text = {text_key(t.text) for c in train_calls for t in c.turns}
    assert not train_text & {text_key(t.text) for c in test_calls for t in c.turns}


def test_named_held_out_batches_are_the_ones_held_out_and_the_rest_train():
    """A fixed held-out set (as benchmarks/call_ablation.py --held-out-upto names one): exactly
    those batches are evaluated, every other natural batch trains."""
    calls = [c for f in FILES for c in read_calls(f)]
    some = sorted({call_group(c) for c in calls})[:3]
    train_calls, test_calls = split_calls(calls, TrainConfig(), held=set(some))
    assert {call_group(c) for c in test_calls} == set(some)
    assert {call_group(c) for c in train_calls} == {call_group(c) for c in calls} - set(some)
