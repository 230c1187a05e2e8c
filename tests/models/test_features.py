"""The batch-vectorised feature paths produce exactly what the reference implementations do
(sklearn's character TF-IDF, per-text lexicon counts) on every hand-written corpus line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.artifacts import load_model
from models.features import TurnFeaturizer, _char_vectorizer, char_tfidf, fit_char_tfidf
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
    from models.features import _char_index

    assert featurizer.char_vectorizer_.ngram_range[1] == 4
    assert _char_index(featurizer.char_vectorizer_) is not None  # the fast path, not sklearn's
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


def test_word_tfidf_matches_sklearn_on_the_corpus(featurizer, texts):
    from models.features import word_tfidf

    expected = featurizer.word_vectorizer_.transform(texts)
    got = word_tfidf(featurizer.word_vectorizer_, texts)
    assert got.shape == expected.shape and got.nnz == expected.nnz
    assert abs(got - expected).max() < 1e-6


def test_direct_probabilities_match_sklearn(trained_registry, texts):
    from models.classifier import _reorder

    classifier = load_model(trained_registry).classifier
    features = classifier.featurizer_.transform_normalized(texts[:500], ["customer"] * 500)
    for head in (classifier.sentiment_head_, classifier.cue_head_):
        expected = head.predict_proba(features)
        got = _reorder(head, features, list(head.classes_))
        assert np.abs(got - expected).max() < 1e-6


def test_whole_feature_matrix_matches_the_sklearn_reference(featurizer, texts):
    import scipy.sparse as sp

    speakers = ["agent" if i % 3 == 0 else "customer" for i in range(len(texts))]
    in_call = [i % 2 == 0 for i in range(len(texts))]
    in_call_texts = [t if f else "" for t, f in zip(texts, in_call, strict=True)]
    expected = sp.hstack([featurizer.char_vectorizer_.transform(texts),
                          featurizer.word_vectorizer_.transform(texts),
                          sp.csr_matrix(featurizer._dense_features(texts, speakers, in_call)),
                          featurizer.call_vectorizer_.transform(in_call_texts)],
                         format="csr")
    got = featurizer.transform_normalized(texts, speakers, in_call)
    assert got.shape == expected.shape
    assert abs(got - expected).max() < 1e-6
    one = featurizer.transform_normalized(texts[:1], speakers[:1], in_call[:1])
    assert abs(one - expected[:1]).max() < 1e-6


def test_a_calls_turns_get_their_own_copy_of_their_character_ngrams() -> None:
    """The in-call block learns its vocabulary from the calls' turns only, is empty for a
    bare turn, and is named ``call:``; a featurizer saved before it has the old width."""
    pairs = [("fifty dollars? no, all of it back", "customer"),
             ("i can offer a ten dollar credit", "agent"),
             ("praise for your manager", "customer")] * 3
    featurizer = TurnFeaturizer(min_df=1).fit(pairs, in_call=[True, True, False] * 3)
    width = len(featurizer.call_vectorizer_.vocabulary_)
    assert "ty d" in featurizer.call_vectorizer_.vocabulary_
    assert "mana" not in featurizer.call_vectorizer_.vocabulary_
    bare = featurizer.transform(pairs)
    read = featurizer.transform(pairs, in_call=True)
    assert bare[:, -width:].nnz == 0
    assert read[0, -width:].nnz > 0 and read[1, -width:].nnz > 0
    assert (bare[:, :-width] != read[:, :-width]).nnz == 9 + 3  # in call; and an agent in call
    columns = read[0].indices[read[0].indices >= read.shape[1] - width]
    names = featurizer.feature_names_at(columns)
    assert names == [featurizer.feature_names()[c] for c in columns]
    assert all(n.startswith("call:") for n in names)
    del featurizer.call_vectorizer_
    assert featurizer.transform(pairs, in_call=True).shape[1] == read.shape[1] - width


def test_vocabularies_survive_saving_in_either_layout(tmp_path) -> None:
    """Saved as one UTF-8 array with each term's end; a model saved with the older
    fixed-width term arrays loads to the same vocabularies."""
    import skops.io as sio

    pairs = [("退款 refund 唔該 🙂 naïve", "customer"), ("let me check that", "agent")] * 3
    featurizer = TurnFeaturizer(min_df=1).fit(pairs, in_call=True)
    sio.dump(featurizer, tmp_path / "f.skops")
    loaded = sio.load(tmp_path / "f.skops", trusted=sio.get_untrusted_types(
        file=tmp_path / "f.skops"))
    state = featurizer.__getstate__()
    old = {k: v for k, v in state.items() if not k.endswith(("joined", "ends"))}
    for name in ("char_vectorizer_", "word_vectorizer_", "call_vectorizer_"):
        vocabulary = getattr(featurizer, name).vocabulary_
        assert getattr(loaded, name).vocabulary_ == vocabulary
        old[name + "terms"] = np.asarray(sorted(vocabulary, key=vocabulary.get), dtype=str)
    before = TurnFeaturizer.__new__(TurnFeaturizer)
    before.__setstate__(old)
    assert before.word_vectorizer_.vocabulary_ == featurizer.word_vectorizer_.vocabulary_
    assert (before.transform(pairs, in_call=True) != featurizer.transform(pairs, in_call=True)
            ).nnz == 0


def test_the_in_call_columns_mark_a_calls_turns_and_older_featurizers_ignore_them() -> None:
    pairs = [("I want a manager", "customer"), ("let me check that", "agent")] * 3
    featurizer = TurnFeaturizer(min_df=1).fit(pairs)
    alone = featurizer.transform(pairs).toarray()
    in_call = featurizer.transform(pairs, in_call=True).toarray()
    mixed = featurizer.transform(pairs, in_call=[True, False] * 3).toarray()
    assert alone[:, -2:].tolist() == [[0, 0]] * 6
    assert in_call[:, -2:].tolist() == [[1, 0], [1, 1]] * 3
    assert mixed[:, -2:].tolist() == [[1, 0], [0, 0]] * 3
    assert (alone[:, :-2] == in_call[:, :-2]).all()
    # A featurizer saved before the columns existed keeps its width and ignores the flag.
    del featurizer.in_call_columns_
    assert (featurizer.transform(pairs, in_call=True).toarray() == alone[:, :-2]).all()


def _same_fit(texts: list[str], ngram_range: tuple[int, int], min_df: int,
              max_features: int | None) -> None:
    """``fit_char_tfidf`` fits what sklearn fits: vocabulary, columns and idf, or the same
    error."""
    try:
        expected = _char_vectorizer(ngram_range, min_df, max_features).fit(texts)
    except ValueError as err:
        with pytest.raises(ValueError, match=str(err)[:30]):
            fit_char_tfidf(_char_vectorizer(ngram_range, min_df, max_features), texts)
        return
    got = fit_char_tfidf(_char_vectorizer(ngram_range, min_df, max_features), texts)
    assert got.vocabulary_ == expected.vocabulary_
    assert got.idf_.dtype == expected.idf_.dtype and np.array_equal(got.idf_, expected.idf_)
    assert np.array_equal(got.transform(texts).toarray(), expected.transform(texts).toarray())


@pytest.mark.parametrize(("ngram_range", "max_features"), [((1, 4), 3000), ((2, 4), 800),
                                                           ((1, 3), None)])
def test_the_fast_vocabulary_fit_is_sklearns_on_the_corpus(texts, ngram_range,
                                                           max_features) -> None:
    """A small ``max_features`` makes many n-grams tie on frequency: which of them are kept
    must be sklearn's choice too."""
    # (no NUL: a text with one goes to sklearn's own fit, and this is about the fast one)
    _same_fit([t for t in texts[::3] if "\x00" not in t], ngram_range, 2, max_features)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ab c\t\n好的😀𠀀\x00"), max_size=12),
                max_size=12),
       st.sampled_from([(1, 1), (1, 2), (1, 4), (2, 3), (3, 4)]), st.sampled_from([1, 2, 3]),
       st.sampled_from([None, 1, 3, 10]))
def test_the_fast_vocabulary_fit_is_sklearns_on_any_texts(texts, ngram_range, min_df,
                                                          max_features) -> None:
    _same_fit(texts, ngram_range, min_df, max_features)
