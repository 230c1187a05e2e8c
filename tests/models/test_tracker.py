"""The tracker's state machine, driven by hand-built predictions and a hand-set risk model,
so each test pins one behaviour: hysteresis, dwell, latching, acknowledgement, recovery."""

from __future__ import annotations

import numpy as np
import pytest

from models.classifier import Prediction
from models.corpus import CUES, SENTIMENTS
from models.tracker import DEFAULT_THRESHOLDS, FEATURES, CallRiskTracker, first_alert


def pred(neg: float = 0.1, pos: float = 0.1, cue: str = "none", p_cue: float = 0.0) -> Prediction:
    sentiment = {"negative": neg, "positive": pos, "neutral": max(0.0, 1 - neg - pos)}
    cues = dict.fromkeys(CUES, 0.0)
    cues["none"] = 1.0 - p_cue
    if cue != "none":
        cues[cue] = p_cue
    return Prediction(
        sentiment=max(sentiment, key=sentiment.get),
        sentiment_scores={k: sentiment[k] for k in SENTIMENTS},
        cue=max(cues, key=cues.get),
        cue_scores=cues,
        escalation=1.0 - cues["none"],
    )


@pytest.fixture
def tracker() -> CallRiskTracker:
    """Risk driven by negativity, its run and its trend, and pulled down by recovery."""
    t = CallRiskTracker()
    weights = dict.fromkeys(FEATURES, 0.0)
    weights.update(escalation_recent=4.0, misconduct_recent=4.0, negativity=3.0,
                   negative_run=2.0, negative_trend=1.0, recovery=-3.0, customer_positive=-2.0)
    t.risk_coef_ = np.array([weights[f] for f in FEATURES])
    t.risk_intercept_ = -2.5
    t.thresholds_ = dict(DEFAULT_THRESHOLDS)
    return t


def run(tracker: CallRiskTracker, turns: list[tuple[str, Prediction, str]]) -> list:
    call = tracker.new_call()
    return [call.update(speaker, p, text) for speaker, p, text in turns]


def test_calm_call_stays_calm(tracker) -> None:
    steps = run(tracker, [("agent", pred(pos=0.6), "Hello, how can I help?"),
                          ("customer", pred(), "My bill looks wrong"),
                          ("agent", pred(), "Let me check"),
                          ("customer", pred(pos=0.7), "Thanks")])
    assert [s.state for s in steps] == ["calm"] * 4
    assert first_alert(steps) is None


def test_cue_turn_alerts_at_once_with_its_reason(tracker) -> None:
    steps = run(tracker, [("customer", pred(neg=0.5), "this is bad"),
                          ("customer", pred(neg=0.9, cue="supervisor_request", p_cue=0.9),
                           "get me your manager")])
    assert steps[-1].state == "alert"
    assert steps[-1].reason == "supervisor_request"


def test_worsening_customer_rises_to_watch_then_alert_before_any_cue(tracker) -> None:
    turns = []
    for neg in (0.55, 0.7, 0.8, 0.9, 0.95, 0.97):
        turns += [("customer", pred(neg=neg), "still broken"), ("agent", pred(), "hm")]
    steps = run(tracker, turns)
    states = [s.state for s in steps]
    assert "watch" in states
    assert states.index("watch") < states.index("alert")
    assert steps[states.index("alert")].reason == "negative_trend"
    risks = [s.risk for s in steps[::2]]
    assert risks == sorted(risks)


def test_alert_is_latched_until_acknowledged_or_ended(tracker) -> None:
    call = tracker.new_call()
    call.update("customer", pred(neg=0.9, cue="abuse", p_cue=0.95), "you idiot")
    for _ in range(5):
        step = call.update("customer", pred(pos=0.9), "ok thanks, sorry")
    assert step.state == "alert"
    call.acknowledge()
    assert call.update("customer", pred(pos=0.9), "fine").state == "acknowledged"
    assert call.end().state == "off"


def test_acknowledged_rises_again_only_for_a_more_severe_cue(tracker) -> None:
    call = tracker.new_call()
    call.update("customer", pred(neg=0.9, cue="repeat_contact", p_cue=0.9), "third call")
    call.acknowledge()
    same = call.update("customer", pred(neg=0.9, cue="repeat_contact", p_cue=0.9), "again!")
    assert same.state == "acknowledged"
    worse = call.update("customer", pred(neg=0.9, cue="legal_or_media_threat", p_cue=0.9),
                        "my lawyer")
    assert (worse.state, worse.reason) == ("alert", "legal_or_media_threat")


def test_watch_has_hysteresis_and_minimum_dwell(tracker) -> None:
    call = tracker.new_call()
    state = "calm"
    while state != "watch":
        state = call.update("customer", pred(neg=0.8), "not happy").state
        assert call.turns < 5
    # one good turn is not enough to leave watch (dwell + lower exit threshold)
    after_one = call.update("customer", pred(pos=0.8), "ok").state
    assert after_one == "watch"
    states = [call.update("agent", pred(pos=0.8), "I'm so sorry, let me fix that").state
              for _ in range(4)]
    assert states[-1] == "calm"


def test_rough_call_the_agent_recovers_does_not_alert(tracker) -> None:
    turns = [
        ("customer", pred(neg=0.8), "This is the worst, my parcel is lost"),
        ("agent", pred(pos=0.7), "I'm so sorry, I understand how frustrating that is"),
        ("customer", pred(neg=0.85), "It was a birthday present!"),
        ("agent", pred(pos=0.7), "I'm sorry. Let me send a replacement today, I'll track it"),
        ("customer", pred(neg=0.4), "ok... today?"),
        ("agent", pred(pos=0.6), "Yes, I've arranged express delivery"),
        ("customer", pred(pos=0.8), "Thank you, that helps"),
    ]
    steps = run(tracker, turns)
    assert first_alert(steps) is None
    assert steps[-1].state == "calm"


def test_agent_misconduct_alerts(tracker) -> None:
    steps = run(tracker, [("customer", pred(neg=0.6), "it still fails"),
                          ("agent", pred(neg=0.8, cue="agent_misconduct", p_cue=0.9),
                           "you don't understand, not my job")])
    assert (steps[-1].state, steps[-1].reason) == ("alert", "agent_misconduct")


def test_fit_learns_thresholds_that_separate_calls(fixture_data) -> None:
    from models.corpus import read_calls, read_turns
    from models.lexicon import load_lexicon
    from models.training import TrainConfig, call_inputs, fit_classifier
    from tests.conftest import LEXICON

    lex = load_lexicon([LEXICON])
    classifier = fit_classifier(read_turns(fixture_data[0]), [], lex.entries, TrainConfig())
    calls = read_calls(fixture_data[1])
    tracker = CallRiskTracker(lexicon_entries=lex.entries).fit(call_inputs(classifier, calls))
    assert set(tracker.thresholds_) == set(DEFAULT_THRESHOLDS)
    assert tracker.thresholds_["watch_out"] < tracker.thresholds_["watch_in"]
    assert tracker.thresholds_["watch_in"] < tracker.thresholds_["alert_in"]
    alerts = [first_alert(tracker.replay(s, t, p)) for s, t, p, _e, _f in call_inputs(
        classifier, calls)]
    escalated_alerted = [a is not None for a, c in zip(alerts, calls, strict=True) if c.escalated]
    assert sum(escalated_alerted) >= len(escalated_alerted) - 1


def test_snapshot_restores_a_call_mid_way_through_json(tracker) -> None:
    import json

    turns = [("customer", pred(neg=0.6), "this is the third time"),
             ("agent", pred(), "let me look"),
             ("customer", pred(neg=0.8), "still nothing works"),
             ("customer", pred(neg=0.85), "I am so fed up")]
    later = [("agent", pred(pos=0.5), "I'm sorry, I will fix it now"),
             ("customer", pred(neg=0.9, cue="supervisor_request", p_cue=0.9), "manager now")]
    whole = run(tracker, turns + later)
    first = tracker.new_call()
    for speaker, p, text in turns:
        first.update(speaker, p, text)
    resumed = tracker.new_call().restore(json.loads(json.dumps(first.snapshot())))
    rest = [resumed.update(speaker, p, text) for speaker, p, text in later]
    assert rest == whole[len(turns):]
    assert resumed.snapshot() == run_snapshot(tracker, turns + later)


def run_snapshot(tracker: CallRiskTracker, turns: list) -> dict:
    call = tracker.new_call()
    for speaker, p, text in turns:
        call.update(speaker, p, text)
    return call.snapshot()


def _with_mood(tracker: CallRiskTracker) -> CallRiskTracker:
    """The fixture's tracker plus a hand-set mood model: sustained negativity, late in the
    call, with no recovery from the agent."""
    from models.tracker import MOOD_FEATURES

    weights = dict.fromkeys(MOOD_FEATURES, 0.0)
    weights.update(negativity=3.0, negative_run=3.0, customer_turns=2.0, recovery=-4.0,
                   customer_positive=-3.0)
    tracker.mood_coef_ = np.array([weights[f] for f in MOOD_FEATURES])
    tracker.mood_intercept_ = -5.0
    tracker.thresholds_ = dict(DEFAULT_THRESHOLDS, alert_in=1.01, mood_alert=0.6)
    return tracker


def test_a_customer_growing_desperate_without_a_cue_alerts_on_mood(tracker) -> None:
    _with_mood(tracker)
    worse = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95]
    turns = []
    for neg in worse:
        turns += [("agent", pred(), "I'm afraid there's nothing available today"),
                  ("customer", pred(neg=neg), "and what am I supposed to do now")]
    steps = run(tracker, turns)
    alert = first_alert(steps)
    assert alert is not None and turns[alert][0] == "customer"
    assert steps[alert].reason == "negative_trend"
    assert alert >= 5  # not on the first annoyed turn: it takes a sustained run


def test_a_rough_start_that_recovers_never_alerts_on_mood(tracker) -> None:
    _with_mood(tracker)
    turns = [("customer", pred(neg=0.9), "this is a disgrace, it's broken again"),
             ("agent", pred(pos=0.8), "I'm so sorry, that's not good enough, let me fix it"),
             ("customer", pred(neg=0.7), "it had better be fixed"),
             ("agent", pred(pos=0.8), "I've booked an engineer for tomorrow morning"),
             ("customer", pred(neg=0.3), "tomorrow, okay"),
             ("agent", pred(pos=0.7), "and I've refunded this month, thank you for waiting"),
             ("customer", pred(pos=0.8), "oh, thank you, that's really kind")]
    steps = run(tracker, turns)
    assert first_alert(steps) is None
    assert steps[-1].mood < 0.6


def test_a_confident_cue_alerts_even_when_no_single_cue_is_the_top_class(tracker) -> None:
    """Escalation 0.7 spread over two cues (none 0.3 is the largest single class) is still a
    confident cue turn: alert on that turn, for the likelier cue."""
    cues = dict.fromkeys(CUES, 0.0)
    cues.update(none=0.3, complaint_threat=0.26, churn_threat=0.24, supervisor_request=0.2)
    spread = Prediction(sentiment="negative",
                        sentiment_scores={"negative": 0.8, "neutral": 0.15, "positive": 0.05},
                        cue="none", cue_scores=cues, escalation=0.7)
    steps = run(tracker, [("customer", pred(), "hello"), ("customer", spread, "...")])
    assert steps[-1].state == "alert" and steps[-1].reason == "complaint_threat"


def test_a_negotiated_cue_has_its_own_threshold(tracker) -> None:
    """Churn and compensation disputes are said as a negotiation, and the classifier is less
    sure of them: with a lower soft-cue threshold a churn turn at 0.5 alerts on that turn,
    while a supervisor request at the same score waits for the risk to build."""
    tracker.thresholds_ = dict(DEFAULT_THRESHOLDS, cue_alert=0.8, soft_cue_alert=0.45)
    churn = run(tracker, [("customer", pred(), "the fifty dollars"),
                          ("customer", pred(cue="churn_threat", p_cue=0.5),
                           "once it's fixed you can take me off your books")])
    manager = run(tracker, [("customer", pred(), "the fifty dollars"),
                            ("customer", pred(cue="supervisor_request", p_cue=0.5),
                             "could someone senior look at it")])
    assert churn[-1].state == "alert" and churn[-1].reason == "churn_threat"
    assert manager[-1].state != "alert"


def test_a_tracker_fitted_before_soft_cues_uses_one_threshold_for_all(tracker) -> None:
    tracker.thresholds_ = {k: v for k, v in DEFAULT_THRESHOLDS.items() if k != "soft_cue_alert"}
    tracker.thresholds_["cue_alert"] = 0.6
    below = run(tracker, [("customer", pred(cue="compensation_dispute", p_cue=0.5), "not enough")])
    above = run(tracker, [("customer", pred(cue="compensation_dispute", p_cue=0.65), "not enough")])
    assert below[-1].state != "alert" and above[-1].state == "alert"


def test_fit_gives_soft_cues_a_lower_threshold_when_they_score_lower() -> None:
    """Escalated calls whose cue is a rejected remedy scored 0.5, and calm calls with a
    polite question about a manager also at 0.5: only a separate soft-cue threshold catches
    the first without alerting on the second, and the out-of-fold search finds it."""
    def call(cue: str, escalated: bool) -> tuple:
        speakers = ["agent", "customer", "agent", "customer", "agent"]
        turns = [pred(pos=0.5), pred(neg=0.3), pred(pos=0.4), pred(neg=0.4, cue=cue, p_cue=0.5),
                 pred(pos=0.3)]
        return speakers, [""] * 5, turns, escalated, 3 if escalated else None
    calls = [call("compensation_dispute", True)] * 20 + [call("supervisor_request", False)] * 20
    tracker = CallRiskTracker().fit(calls)
    steps = [tracker.replay(*c[:3]) for c in calls]
    assert tracker.thresholds_["soft_cue_alert"] <= 0.5 < tracker.thresholds_["cue_alert"]
    assert all(first_alert(s) == 3 for s in steps[:20])
    assert all(first_alert(s) is None for s in steps[20:])


def test_a_version_saved_before_the_newer_features_still_runs(tracker) -> None:
    """A rollback may load a tracker fitted on the first ten features, without a context
    stage or a mood model: it keeps scoring with what it has instead of failing."""
    old = CallRiskTracker()
    old.risk_coef_ = tracker.risk_coef_[:10]
    old.risk_intercept_ = tracker.risk_intercept_
    old.thresholds_ = {k: v for k, v in DEFAULT_THRESHOLDS.items() if k != "mood_alert"}
    del old.context
    steps = run(old, [("customer", pred(neg=0.9), "this is the third time"),
                      ("customer", pred(neg=0.9, cue="supervisor_request", p_cue=0.9),
                       "manager, now")])
    assert [s.state for s in steps][-1] == "alert" and steps[0].mood == 0.0


def _features(steps: list, name: str) -> list[float]:
    return [s.features[FEATURES.index(name)] for s in steps]


def test_the_slow_mood_features_remember_despair_that_builds_over_many_turns(tracker) -> None:
    """A customer negative turn after turn, though the agent keeps trying: the long memory
    keeps rising, the share of negative turns stays high, and "unmoved" (negative right after
    the agent tried to help) grows; one calm turn barely dents the long memory, unlike the
    short one."""
    turns = []
    for neg in (0.6, 0.7, 0.8, 0.85, 0.9):
        turns += [("agent", pred(pos=0.7), "I'm so sorry, I've booked the engineer for you"),
                  ("customer", pred(neg=neg), "that doesn't help me at all")]
    turns.append(("customer", pred(neg=0.2), "fine"))
    steps = run(tracker, turns)
    customer = [i for i, (speaker, _p, _t) in enumerate(turns) if speaker == "customer"]
    slow = [_features(steps, "negativity_slow")[i] for i in customer]
    assert slow[:5] == sorted(slow[:5]) and slow[4] > 0.5
    assert [_features(steps, "negative_share")[i] for i in customer[:5]] == [1.0] * 5
    unmoved = [_features(steps, "unmoved")[i] for i in customer]
    assert unmoved[:5] == sorted(unmoved[:5]) and unmoved[4] > 0.4
    fast = _features(steps, "negativity")
    assert slow[5] / slow[4] > fast[customer[5]] / fast[customer[4]]
    assert _features(steps, "negative_share")[customer[5]] == pytest.approx(5 / 6)


def test_the_count_of_negative_turns_and_lasting_distress_grow_with_a_desperate_customer(
        tracker) -> None:
    """Two mood features of the fourth round: how many customer turns read negative so far
    (capped at eight), and distress that lasts (one desperate outburst moves it a quarter of
    the way, turn after turn of desperation moves it most of the way)."""
    from dataclasses import replace

    desperate = replace(pred(neg=0.9), distress=0.9)
    calm = pred(neg=0.1)
    one = run(tracker, [("customer", desperate, "I can't pay the rent"),
                        ("customer", calm, "okay"), ("customer", calm, "right")])
    many = run(tracker, [("customer", desperate, "I can't pay the rent")] * 10)
    assert _features(many, "negative_count") == pytest.approx(
        [min(k, 8) / 8 for k in range(1, 11)])
    assert _features(one, "negative_count")[-1] == pytest.approx(1 / 8)
    lasting = _features(many, "distress_slow")
    assert lasting == sorted(lasting) and lasting[-1] > 0.8
    assert _features(one, "distress_slow")[0] == pytest.approx(0.225)
    assert _features(one, "distress_slow")[-1] < 0.15


def test_a_mood_model_fitted_before_the_slow_features_still_runs(tracker) -> None:
    """A version whose mood model knows only the first nine mood features (saved before the
    slow ones were added) keeps scoring mood with what it knows."""
    from models.tracker import MOOD_FEATURES

    _with_mood(tracker)
    tracker.mood_coef_ = tracker.mood_coef_[: MOOD_FEATURES.index("negativity_slow")]
    steps = run(tracker, [("customer", pred(neg=0.9), "this is awful"),
                          ("customer", pred(neg=0.95), "and nothing works")])
    assert 0.0 < steps[-1].mood < 1.0


def _look_alike_calls() -> list[tuple]:
    """Ten escalated calls and two calm ones look the same to the tracker (a rejected remedy
    at 0.55); eight calm calls score 0.3."""
    def call(p_cue: float, escalated: bool) -> tuple:
        speakers = ["agent", "customer", "agent", "customer", "agent"]
        turns = [pred(pos=0.5), pred(neg=0.3), pred(pos=0.4),
                 pred(neg=0.4, cue="compensation_dispute", p_cue=p_cue), pred(pos=0.3)]
        return speakers, [""] * 5, turns, escalated, 3 if escalated else None
    return [call(0.55, True)] * 10 + [call(0.55, False)] * 2 + [call(0.3, False)] * 8


def test_the_frontier_is_the_best_on_time_rate_within_each_false_alert_budget() -> None:
    """The look-alike calls: catching the escalations costs exactly the two look-alikes: 20%
    false alerts buys every escalation on time, and less buys none."""
    calls = _look_alike_calls()
    tracker = CallRiskTracker().fit(calls)
    frontier = tracker.frontier(calls, budgets=(0.0, 0.1, 0.2, 0.5))
    assert frontier == {0.0: 0.0, 0.1: 0.0, 0.2: 1.0, 0.5: 1.0}
    # the fitted thresholds are a point on or under the frontier, and frontier() keeps them
    alerts = [first_alert(tracker.replay(*c[:3])) for c in calls]
    on_time = sum(a is not None and a <= 3 for a, c in zip(alerts, calls, strict=True) if c[3])
    false = sum(a is not None for a, c in zip(alerts, calls, strict=True) if not c[3]) / 10
    before = dict(tracker.thresholds_)
    assert on_time / 10 <= tracker.frontier(calls, budgets=(false,))[false]
    assert tracker.thresholds_ == before


def test_the_search_keeps_within_its_false_alert_budget() -> None:
    """The look-alike calls: alerting on the rejected remedy catches all ten escalations for
    two false alerts in ten calm calls, which the score prefers (10 on time against 3 x 2).
    Within a 25% budget the search takes it; within 10% it must stay quiet; when no
    combination fits the budget it falls back to the best score."""
    calls = _look_alike_calls()

    def alerts(budget: float) -> tuple[int, int]:
        tracker = CallRiskTracker(max_false_rate=budget).fit(calls)
        first = [first_alert(tracker.replay(*c[:3])) for c in calls]
        on_time = sum(a is not None and a <= 3 for a, c in zip(first, calls, strict=True) if c[3])
        return on_time, sum(a is not None for a, c in zip(first, calls, strict=True) if not c[3])

    assert alerts(0.25) == (10, 2)
    assert alerts(0.1) == (0, 0)
    assert alerts(-1.0) == (10, 2)


def test_the_fit_finds_the_first_alerts_a_replay_raises() -> None:
    """The fit searches its thresholds on the replay it made to gather features, without
    replaying again: the first alerts it reports for its calls must be the ones a replay under
    the chosen thresholds raises, for cues, soft cues, misconduct, mood and risk alike."""
    rng = np.random.default_rng(7)

    def call(i: int) -> tuple:
        n = int(rng.integers(4, 14))
        speakers = ["agent" if j % 2 == 0 else "customer" for j in range(n)]
        cue = ["none", "supervisor_request", "churn_threat", "compensation_dispute"][i % 4]
        turns = [pred(neg=float(rng.uniform(0, 0.9)), pos=float(rng.uniform(0, 0.1)),
                      cue="agent_misconduct" if s == "agent" and rng.random() < 0.1 else cue,
                      p_cue=float(rng.uniform(0, 0.9))) for s in speakers]
        escalated = i % 3 != 0
        return speakers, [""] * n, turns, escalated, (n - 1 if escalated else None)

    calls = [call(i) for i in range(60)]
    tracker = CallRiskTracker(max_false_rate=0.5).fit(calls, [i % 2 == 0 for i in range(60)])
    assert tracker.mood_coef_ is not None
    replayed = [first_alert(tracker.replay(*c[:3])) for c in calls]
    assert tracker.fit_alerts_ == replayed
    assert any(a is not None for a in replayed) and any(a is None for a in replayed)
