"""The batch-vectorised feature paths produce exactly what the reference implementations do
(sklearn's character TF-IDF, per-text lexicon counts) on every hand-written corpus line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models.artifacts import load_model
from models.features import char_tfidf
from models.text import normalize

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus" / "handwritten"
EDGES = ["", " ", "a\n\nb   c\t\td", "x" * 3000, "😀 emoji 𠀀 Ｆｕｌｌ", "\x00nul\x00"]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    lines = [json.loads(line)["text"] for path in sorted(CORPUS.rglob("*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines()]
    return [normalize(t) for t in lines + EDGES]


@pytest.fixture(scope="module")
def featurizer(trained_registry):
    return load_model(trained_registry).classifier.featurizer_


def test_char_tfidf_matches_sklearn_on_the_corpus(featurizer, texts):
    expected = featurizer.char_vectorizer_.transform(texts)
    got = char_tfidf(featurizer.char_vectorizer_, texts)
    assert got.shape == expected.shape and got.nnz == expected.nnz
    assert abs(got - expected).max() < 1e-6


def test_batch_lexicon_counts_match_per_text_counts(featurizer, texts):
    lexicon = featurizer._lexicon()
    categories = featurizer.lexicon_categories_
    batch = lexicon.batch_counts(texts, categories)
    one_by_one = np.array([[lexicon.counts(t).get(c, 0) for c in categories] for t in texts])
    assert (batch == one_by_one).all() and batch.sum() > 100


def test_empty_batch(featurizer):
    assert char_tfidf(featurizer.char_vectorizer_, []).shape[0] == 0
    assert featurizer._lexicon().batch_counts([], ["taboo"]).shape == (0, 1)
