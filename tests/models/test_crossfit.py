"""Training's classifiers: the full fit and the cross-fit folds that feed the tracker share
one featurizer and run as one set of jobs; the folds must still never see the calls they
predict."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from floorlight.commands.replay import replay_call
from models.artifacts import FloorlightModel
from models.classifier import TurnClassifier
from models.corpus import read_calls, read_turns
from models.lexicon import load_lexicon
from models.tracker import CallRiskTracker
from models.training import (
    TrainConfig,
    call_inputs,
    call_turn_rows,
    design,
    fit_classifier,
    fit_classifiers,
    in_call_rows,
    no_cue,
    review_turns,
)
from tests.conftest import LEXICON, ROOT

NATURAL = ROOT / "data" / "calls" / "natural" / "en"
CONFIG = TrainConfig(review_sentences=200, crossfit_folds=3, jobs=2)
REVIEWS = review_turns(CONFIG.review_sentences, CONFIG.seed)


@pytest.fixture(scope="module")
def fitted(fixture_data):
    calls = [c for n in range(1, 7) for c in read_calls(NATURAL / f"en-b0{n}.jsonl")]
    rows = read_turns(fixture_data[0])
    lex = load_lexicon([LEXICON])
    classifier, inputs = fit_classifiers(rows, call_turn_rows(calls, set(), CONFIG), REVIEWS,
                                         calls, lex, CONFIG)
    return calls, rows, lex, classifier, inputs


def test_the_full_fit_started_from_zero_is_the_classifier_fit_classifier_makes(fitted
                                                                             ) -> None:
    calls, rows, lex, _classifier, _inputs = fitted
    # In one process, without the folds' warm start, the arithmetic is the same as
    # fit_classifier's, bit for bit.
    classifier, _serial = fit_classifiers(rows, call_turn_rows(calls, set(), CONFIG), REVIEWS,
                                          calls, lex, replace(CONFIG, jobs=1, warm_iter=0))
    alone = fit_classifier(rows + call_turn_rows(calls, set(), CONFIG), REVIEWS, lex.entries,
                           CONFIG, calls)
    turns = [t for c in calls[:20] for t in c.turns]
    ours = classifier.score_turns([t.text for t in turns], [t.speaker for t in turns])
    theirs = alone.score_turns([t.text for t in turns], [t.speaker for t in turns])
    assert [p.as_dict() for p in ours] == [p.as_dict() for p in theirs]
    assert [p.distress for p in ours] == [p.distress for p in theirs]


def test_each_call_is_read_by_a_classifier_that_never_saw_it(fitted) -> None:
    calls, _rows, _lex, classifier, inputs = fitted
    assert [i[1] for i in inputs] == [[t.text for t in c.turns] for c in calls]
    seen = call_inputs(classifier, calls)

    def sure(items):  # mean probability of each cue turn's own cue
        return np.mean([p.cue_scores[t.cue] for c, item in zip(calls, items, strict=True)
                        for t, p in zip(c.turns, item[2], strict=True)
                        if t.cue not in (None, "none")])

    # The classifier that trained on these turns knows their labels; the folds only guess.
    assert sure(inputs) < sure(seen) - 0.2, (sure(inputs), sure(seen))


def test_two_processes_give_the_same_inputs_as_one(fitted) -> None:
    calls, rows, lex, _classifier, inputs = fitted
    _again, serial = fit_classifiers(rows, call_turn_rows(calls, set(), CONFIG), REVIEWS, calls,
                                     lex, replace(CONFIG, jobs=1))

    def scores(items):
        return np.array([[p.cue_scores[c] for c in p.cue_scores] +
                         [p.sentiment_scores[s] for s in p.sentiment_scores]
                         for item in items for p in item[2]])

    # A worker process may sum in another order (its own thread count), and the sentiment
    # head stops at its iteration budget before converging, so the two differ by a little
    # optimiser noise. A fold that saw other calls would differ by far more.
    diff = np.abs(scores(serial) - scores(inputs))
    assert diff.max() < 0.05 and diff.mean() < 0.002, (diff.max(), diff.mean())


def test_a_calls_turns_and_stand_alone_lines_keep_their_own_base_rates(fitted) -> None:
    _calls, rows, _lex, classifier, _inputs = fitted
    # The stand-alone lines are mostly cues, written to teach them; in the calls about one
    # customer turn in sixteen is. Read as a call's turn, the same line is a cue less often.
    cues = [t for t in rows if t.cue not in (None, "none")]
    texts, speakers = [t.text for t in cues], [t.speaker for t in cues]
    alone = [p.escalation for p in classifier.score_turns(texts, speakers, explain=False)]
    in_call = [p.escalation for p in classifier.score_turns(texts, speakers, explain=False,
                                                            in_call=True)]
    assert np.mean(alone) > np.mean(in_call) + 0.05, (np.mean(alone), np.mean(in_call))
    names = classifier.featurizer_.feature_names()
    block = names.index("context:in_call")
    assert names[block: block + 2] == ["context:in_call", "context:in_call:agent"]
    assert all(n.startswith("call:") for n in names[block + 2:])


def test_replay_reads_each_turn_as_a_calls_turn(fitted) -> None:
    calls, _rows, lex, classifier, inputs = fitted
    tracker = CallRiskTracker(lexicon_entries=lex.entries).fit(inputs, no_cue(calls))
    model = FloorlightModel(classifier, tracker, {}, Path("."))

    def read(call, in_call):  # each turn scored, then read in the call so far
        texts, speakers = [t.text for t in call.turns], [t.speaker for t in call.turns]
        scored = model.score(texts, speakers, in_call=in_call)
        steps = tracker.replay(speakers, texts, scored)
        return [(s.prediction or p).as_dict() for s, p in zip(steps, scored, strict=True)]

    sample = calls[:10]
    assert [replay_call(model, c)["turns"] for c in sample] == [read(c, True) for c in sample]
    assert [read(c, True) for c in sample] != [read(c, False) for c in sample]


def test_a_head_started_from_the_folds_begins_at_their_mean(fitted) -> None:
    """The full classifier's heads start from the mean of the folds' heads: one step from
    there stays near that mean, where one step from zero does not; folds that saw other
    classes than the full fit are not a start, and the saved head does not keep the flag."""
    calls, rows, lex, _classifier, _inputs = fitted
    every = rows + call_turn_rows(calls, set(), CONFIG)
    X, y = design(every)
    model = TurnClassifier(lexicon_entries=lex.entries)
    _featurizer, features = model.featurize(X, in_call_rows(every))
    halves = [np.arange(len(X)) % 2 == k for k in (0, 1)]
    folds = [model.fit_head("sentiment", features[h], y[h], max_iter=50) for h in halves]
    mean = np.mean([f.coef_ for f in folds], axis=0)
    warm = model.fit_head("sentiment", features, y, start=folds, max_iter=1)
    cold = model.fit_head("sentiment", features, y, max_iter=1)
    assert np.abs(warm.coef_ - mean).mean() < 0.2 * np.abs(cold.coef_ - mean).mean()
    assert warm.warm_start is False
    other = model.fit_head("cue", features, y, max_iter=1)
    refused = model.fit_head("sentiment", features, y, start=[other], max_iter=1)
    np.testing.assert_array_equal(refused.coef_, cold.coef_)


@pytest.mark.parametrize("folds", [0, 1])
def test_without_folds_the_tracker_reads_the_full_classifier(fitted, folds) -> None:
    """Fewer than two folds (or a corpus without calls to cross-fit): the full classifier is
    fitted from zero and the tracker's inputs are its own reading of the calls."""
    calls, rows, lex, _classifier, _inputs = fitted
    config = replace(CONFIG, crossfit_folds=folds, jobs=1)
    classifier, inputs = fit_classifiers(rows, call_turn_rows(calls, set(), config), REVIEWS,
                                         calls, lex, config)
    assert len(inputs) == len(calls)
    turns = [t for c in calls[:3] for t in c.turns]
    assert [p.as_dict() for item in inputs[:3] for p in item[2]] == [
        p.as_dict() for p in classifier.score_turns([t.text for t in turns],
                                                    [t.speaker for t in turns], explain=False,
                                                    in_call=True)]
