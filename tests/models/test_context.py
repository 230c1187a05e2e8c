"""The in-call context stage on small hand-made calls: what it remembers, that it learns a
rule only the call can tell, that a turn never inherits a cue, and that a call carries on
exactly after a snapshot and restore."""

from __future__ import annotations

import numpy as np

from models.context import ContextHead, History, call_features, cue_interactions, features, remember
from models.corpus import CUES
from models.lexicon import Lexicon
from models.tracker import DEFAULT_THRESHOLDS, FEATURES, CallRiskTracker
from tests.models.test_tracker import pred


def test_history_remembers_the_customer_mood_and_the_agents_offer():
    history = History()
    remember(history, "customer", pred(neg=0.8), "This is the second time it broke.", None)
    remember(history, "customer", pred(neg=0.9), "And nobody rang me back.", None)
    assert history.run == 2 and history.mood > 0.45
    assert history.customer[0] == 0.9 and history.last_speaker == "customer"
    remember(history, "agent", pred(pos=0.7), "I can refund the delivery fee.", None)
    x = features(history, "customer", pred(neg=0.7))
    assert x.shape == features(History(), "agent", pred()).shape
    assert call_features(history, "customer", pred(neg=0.7))[-1] == 3 / 30  # three turns so far
    assert history.customer[0] == 0.9  # an agent turn leaves the customer's mood alone


def test_a_cue_score_is_weighed_again_by_the_offer_the_mood_and_the_last_escalation():
    turn = pred(neg=0.6, cue="compensation_dispute", p_cue=0.4)
    own = np.log(np.array([turn.cue_scores[c] for c in CUES]) + 1e-3)
    calm = cue_interactions(History(), turn)
    assert calm.shape == (3 * len(CUES),) and not calm.any()  # nothing in the call yet

    souring = History()
    remember(souring, "customer", pred(neg=0.9, cue="repeat_contact", p_cue=0.7), "", None)
    remember(souring, "customer", pred(neg=0.9), "", None)
    offer_block, mood_block, esc_block = np.split(cue_interactions(souring, turn), 3)
    assert not offer_block.any()  # the customer spoke last: no offer to answer
    assert np.allclose(mood_block, own * souring.mood) and souring.mood > 0.5
    assert np.allclose(esc_block, own * souring.customer[2])

    offered = History()
    remember(offered, "agent", pred(pos=0.6), "I can refund the delivery fee.",
             Lexicon([("solution", "en", "refund")]))
    assert offered.agent[1] == 1.0
    assert np.allclose(np.split(cue_interactions(offered, turn), 3)[0], own)


def test_a_head_fitted_before_the_interactions_reads_its_own_columns():
    rows = _offer_then_no(40, offered=True) + _offer_then_no(40, offered=False)
    width = len(call_features(History(), "customer", pred()))
    old = ContextHead(c=10.0).fit([(s, x[:width], y, c) for s, x, y, c in rows])
    history = History()
    remember(history, "agent", pred(pos=0.6), "", None)
    turn = pred(neg=0.6, cue="compensation_dispute", p_cue=0.3)
    head = old.heads_["customer"][1]
    expected = head.predict_proba(call_features(history, "customer", turn)[None, :])[0]
    read = old.read(history, "customer", turn).cue_scores
    assert np.allclose([read[c] for c in head.classes_], expected, atol=1e-4)


def _offer_then_no(n: int, *, offered: bool) -> list[tuple]:
    """Context-stage rows where a short negative customer turn is a compensation dispute only
    right after an agent turn (the 'offer'); the turn's own scores are the same either way."""
    rows = []
    rng = np.random.default_rng(3)
    for _ in range(n):
        history = History()
        agent = pred(pos=0.6 if offered else 0.1, neg=0.0 if offered else 0.2)
        remember(history, "agent", agent, "", None)
        if not offered:
            remember(history, "customer", pred(neg=0.6), "", None)
        p = pred(neg=0.6 + rng.uniform(-0.1, 0.1), cue="compensation_dispute",
                 p_cue=0.3 + rng.uniform(-0.1, 0.1))
        rows.append(("customer", features(history, "customer", p), "negative",
                     "compensation_dispute" if offered else "none"))
    return rows


def test_the_head_learns_what_only_the_call_can_tell():
    head = ContextHead(c=10.0).fit(_offer_then_no(60, offered=True) +
                                   _offer_then_no(60, offered=False))
    same_turn = pred(neg=0.6, cue="compensation_dispute", p_cue=0.3)
    after_offer, after_complaint = History(), History()
    remember(after_offer, "agent", pred(pos=0.6), "", None)
    remember(after_complaint, "agent", pred(neg=0.2), "", None)
    remember(after_complaint, "customer", pred(neg=0.6), "", None)
    assert head.read(after_offer, "customer", same_turn).cue == "compensation_dispute"
    assert head.read(after_complaint, "customer", same_turn).cue == "none"


def test_agent_turns_never_get_customer_cues_and_probabilities_sum_to_one():
    head = ContextHead().fit(_offer_then_no(30, offered=True) +
                             _offer_then_no(30, offered=False))
    out = head.read(History(), "agent", pred(cue="supervisor_request", p_cue=0.9))
    assert out.cue in ("none", "agent_misconduct")
    assert abs(sum(out.cue_scores.values()) - 1) < 1e-3
    assert abs(sum(out.sentiment_scores.values()) - 1) < 1e-3
    assert out.escalation == round(1 - out.cue_scores["none"], 4)


def test_a_restored_call_reads_the_next_turn_exactly_as_an_unbroken_one():
    head = ContextHead(c=10.0).fit(_offer_then_no(40, offered=True) +
                                   _offer_then_no(40, offered=False))
    tracker = CallRiskTracker(context=head)
    tracker.risk_coef_ = np.ones(len(FEATURES))
    tracker.risk_intercept_ = -3.0
    tracker.thresholds_ = dict(DEFAULT_THRESHOLDS)
    turns = [("agent", pred(pos=0.6), "I can offer a refund of the fee."),
             ("customer", pred(neg=0.6, cue="compensation_dispute", p_cue=0.3), "That's it?")]
    whole = tracker.new_call()
    first = whole.update(*turns[0])
    broken = tracker.new_call()
    broken.update(*turns[0])
    resumed = tracker.new_call().restore(broken.snapshot())
    assert first.prediction is not None
    assert resumed.update(*turns[1]) == whole.update(*turns[1])


def test_the_direct_probabilities_equal_sklearns():
    from models.context import _proba

    head = ContextHead(c=10.0).fit(_offer_then_no(40, offered=True) +
                                   _offer_then_no(40, offered=False))
    rng = np.random.default_rng(0)
    fitted = [h for pair in head.heads_.values() for h in pair if h is not None]
    assert fitted
    for h in fitted:
        x = rng.normal(size=(1, h.coef_.shape[1]))
        assert np.allclose(_proba(h, x), h.predict_proba(x)[0])


def _natural(call_id: str, turns, *, escalated=False, first=None, kind="mild"):
    from models.corpus import parse_call

    return parse_call({"call_id": call_id, "batch": "b-1", "type": kind, "domain": "x",
                       "escalated": escalated, "first_cue_index": first, "utterances": [
                           {"speaker": s, "text": t, "sentiment": "negative", "cue": c}
                           for s, t, c in turns]}, "test")


def test_distress_rows_come_from_calls_without_cues_only():
    from models.training import distress_rows

    quiet = _natural("q", [("agent", "hello", "none"), ("customer", "it is late", "none"),
                           ("agent", "sorry", "none"), ("customer", "ok then", "none")])
    desperate = _natural("d", [("customer", f"turn {i}", "none") for i in range(8)],
                         escalated=True, first=6, kind="sentiment_only")
    cue = _natural("c", [("customer", "get me a manager", "supervisor_request")],
                   escalated=True, first=0, kind="direct")
    texts, labels = distress_rows([quiet, desperate, cue])
    assert "get me a manager" not in texts  # a call with a cue teaches cues, not distress
    assert dict(zip(texts, labels, strict=True)) == {
        "it is late": 0, "ok then": 0, "turn 0": 0, "turn 1": 0, "turn 2": 0,
        "turn 5": 1, "turn 6": 1, "turn 7": 1}  # turns 3-4: neither calm nor there yet


def test_the_distress_head_scores_customers_and_leaves_agents_at_zero(fixture_data):
    from models.corpus import read_turns
    from models.lexicon import load_lexicon
    from models.training import TrainConfig, fit_classifier
    from tests.conftest import LEXICON

    classifier = fit_classifier(read_turns(fixture_data[0]), [],
                                load_lexicon([LEXICON]).entries, TrainConfig())
    texts = ["what am I supposed to do now, I have nothing left", "I can't cope, please",
             "thanks, that's all fine", "lovely, all sorted"] * 3
    classifier.fit_distress(texts, [1, 1, 0, 0] * 3)
    out = classifier.score_turns(["I have nothing left, what do I do", "all sorted",
                                  "I have nothing left, what do I do"],
                                 ["customer", "customer", "agent"])
    assert out[0].distress > out[1].distress and out[2].distress == 0.0
    assert "distress" not in out[0].as_dict()  # not part of score's output contract
