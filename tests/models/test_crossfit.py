"""Training's classifiers: the full fit and the cross-fit folds that feed the tracker share
one featurizer and run as one set of jobs; the folds must still never see the calls they
predict."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from models.corpus import read_calls, read_turns
from models.lexicon import load_lexicon
from models.training import (
    TrainConfig,
    call_inputs,
    call_turn_rows,
    fit_classifier,
    fit_classifiers,
)
from tests.conftest import LEXICON, ROOT

NATURAL = ROOT / "data" / "calls" / "natural" / "en"
CONFIG = TrainConfig(review_sentences=0, crossfit_folds=3, jobs=2)


@pytest.fixture(scope="module")
def fitted(fixture_data):
    calls = [c for n in range(1, 7) for c in read_calls(NATURAL / f"en-b0{n}.jsonl")]
    rows = read_turns(fixture_data[0])
    lex = load_lexicon([LEXICON])
    classifier, inputs = fit_classifiers(rows, [], calls, set(), lex, CONFIG)
    return calls, rows, lex, classifier, inputs


def test_the_full_fit_is_the_classifier_fit_classifier_makes(fitted) -> None:
    calls, rows, lex, classifier, _inputs = fitted
    alone = fit_classifier(rows + call_turn_rows(calls, set(), CONFIG), [], lex.entries, CONFIG,
                           calls)
    turns = [t for c in calls[:20] for t in c.turns]
    ours = classifier.score_turns([t.text for t in turns], [t.speaker for t in turns])
    theirs = alone.score_turns([t.text for t in turns], [t.speaker for t in turns])
    assert [p.cue_scores for p in ours] == [p.cue_scores for p in theirs]
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


def test_one_process_gives_the_same_inputs(fitted) -> None:
    calls, rows, lex, _classifier, inputs = fitted
    _again, serial = fit_classifiers(rows, [], calls, set(), lex, replace(CONFIG, jobs=1))
    assert [[p.cue_scores for p in i[2]] for i in serial] == \
        [[p.cue_scores for p in i[2]] for i in inputs]
