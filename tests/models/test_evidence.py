"""Evidence names only the columns it needs (``TurnFeaturizer.feature_names_at``) and reads
only a turn's columns of the coefficients, and says exactly what the full-list path said."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models import classifier as classifier_module
from models.artifacts import load_model
from models.corpus import read_corpus
from models.features import TurnFeaturizer


def fixture_turns(fixture_data: list[Path]) -> tuple[list[str], list[str]]:
    turns, calls = read_corpus(fixture_data)
    pairs = [(t.text, t.speaker) for t in turns]
    pairs += [(t.text, t.speaker) for call in calls for t in call.turns]
    pairs += [("叫你們主管來聽電話，不然我就去投訴", "customer"), ("you don't understand", "agent"),
              ("", "customer"), ("ok", "agent")]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def full_list_names(self: TurnFeaturizer, columns) -> list[str]:
    """The previous path: the whole list of names, indexed."""
    names = self.feature_names()
    return [names[c] for c in np.asarray(columns).tolist()]


def full_vector_contributions(head, target, baseline, row) -> np.ndarray:
    """The previous path: the difference of the two coefficient rows over every column."""
    classes = list(head.classes_)
    weights = head.coef_[classes.index(target)] - head.coef_[classes.index(baseline)]
    indices, data = row
    return data * weights[indices]


def test_names_at_some_columns_are_the_full_lists(trained_registry: Path) -> None:
    featurizer = load_model(trained_registry).classifier.featurizer_
    names = featurizer.feature_names()
    assert featurizer.feature_names_at(np.arange(len(names))) == names
    picked = np.random.default_rng(0).permutation(len(names))[:50]
    assert featurizer.feature_names_at(picked) == [names[c] for c in picked]
    assert featurizer.feature_names_at(np.array([], dtype=np.int32)) == []


@pytest.mark.parametrize("in_call", [False, True])
def test_evidence_is_byte_for_byte_the_full_list_paths(
        trained_registry: Path, fixture_data: list[Path], monkeypatch: pytest.MonkeyPatch,
        in_call: bool) -> None:
    texts, speakers = fixture_turns(fixture_data)
    new = load_model(trained_registry).score(texts, speakers, in_call=in_call)
    monkeypatch.setattr(TurnFeaturizer, "feature_names_at", full_list_names)
    monkeypatch.setattr(classifier_module, "_contributions", full_vector_contributions)
    old = load_model(trained_registry).score(texts, speakers, in_call=in_call)
    assert sum(bool(p.evidence) for p in old) >= 10  # the comparison has something to compare
    assert [json.dumps(p.as_dict(), ensure_ascii=False) for p in new] == \
        [json.dumps(p.as_dict(), ensure_ascii=False) for p in old]


def test_explaining_a_turn_never_builds_every_name(
        trained_registry: Path, fixture_data: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(_self: TurnFeaturizer) -> list[str]:
        raise AssertionError("the full list of feature names was built")

    model = load_model(trained_registry)
    monkeypatch.setattr(TurnFeaturizer, "feature_names", refuse)
    texts, speakers = fixture_turns(fixture_data)
    assert any(p.evidence for p in model.score(texts, speakers))
