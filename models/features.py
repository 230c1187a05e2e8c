"""Turning (text, speaker) pairs into one sparse feature matrix.

Character n-grams carry Chinese (no word boundaries) and misspelt ASR English; word n-grams
carry English phrasing; lexicon counts per speaker carry the domain's QA and escalation
phrases. The speaker matters twice: as a feature, and because lexicon hits mean different
things from an agent ("you don't understand") than from a customer.

A turn read inside a call also gets a second, smaller block of character n-grams, its own
copy (all zeros for a bare turn). The shared block learns what words mean anywhere; this one
learns what they mean in a conversation, where "fifty dollars?" after an offer is a dispute
and a stand-alone line is read literally (data/calls/natural/WRITING.md, decision 18).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from numbers import Integral
from weakref import WeakKeyDictionary

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

from models.lexicon import CATEGORIES, Lexicon, lexicon_for
from models.text import normalize

WORD_TOKENS = r"(?u)\b[a-z][a-z']*[a-z]\b|\b[a-z]\b"

InCall = bool | Sequence[bool]
CALL_NGRAM_RANGE = (2, 4)
CALL_MAX_FEATURES = 60_000


def as_pairs(X: object) -> list[tuple[str, str]]:
    """Accept a sequence of (text, speaker) pairs or an (n, 2) array."""
    return [(str(text), str(speaker)) for text, speaker in np.asarray(X, dtype=object)]


class TurnFeaturizer(TransformerMixin, BaseEstimator):
    """(text, speaker) pairs to TF-IDF character and word n-grams plus lexicon counts.

    Parameters are stored untouched; learned vocabularies end in ``_``.
    """

    def __init__(
        self,
        *,
        char_ngram_range: tuple[int, int] = (1, 4),
        word_ngram_range: tuple[int, int] = (1, 3),
        min_df: int = 2,
        max_features: int | None = 300_000,
        lexicon_entries: Sequence[tuple[str, str, str]] = (),
        lexicon_weight: float = 1.0,
    ) -> None:
        self.char_ngram_range = char_ngram_range
        self.word_ngram_range = word_ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.lexicon_entries = lexicon_entries
        self.lexicon_weight = lexicon_weight

    def fit(self, X: object, y: object = None, in_call: InCall = False) -> TurnFeaturizer:
        """``in_call``: which rows are turns of calls; their texts give the in-call block its
        vocabulary (none: no in-call block)."""
        pairs = as_pairs(X)
        texts = [normalize(text) for text, _ in pairs]
        self.char_vectorizer_ = fit_char_tfidf(
            _char_vectorizer(self.char_ngram_range, self.min_df, self.max_features), texts)
        flags = _flags(in_call, len(texts))
        if flags.any():
            self.call_vectorizer_ = fit_char_tfidf(
                _char_vectorizer(CALL_NGRAM_RANGE, self.min_df, CALL_MAX_FEATURES),
                [t for t, f in zip(texts, flags, strict=True) if f])
        self.word_vectorizer_ = TfidfVectorizer(
            analyzer="word",
            token_pattern=WORD_TOKENS,
            ngram_range=tuple(self.word_ngram_range),
            min_df=self.min_df,
            max_features=self.max_features,
            lowercase=False,
            sublinear_tf=True,
            dtype=np.float32,
        ).fit(texts)
        # The pruned terms are kept only for introspection; they make the artifact huge and
        # slow to save and load (sklearn documents that deleting them is safe).
        for name in VECTORIZERS:
            vectorizer = getattr(self, name, None)
            if hasattr(vectorizer, "stop_words_"):
                del vectorizer.stop_words_
        self.lexicon_categories_ = list(CATEGORIES)
        self.in_call_columns_ = True
        self.n_features_out_ = len(self.feature_names())
        return self

    def _lexicon(self) -> Lexicon:
        return lexicon_for(self, self.lexicon_entries)

    def transform(self, X: object, in_call: InCall = False) -> sp.csr_matrix:
        pairs = as_pairs(X)
        texts = [normalize(text) for text, _ in pairs]
        speakers = [speaker for _, speaker in pairs]
        return self.transform_normalized(texts, speakers, in_call)

    def transform_normalized(self, texts: list[str], speakers: list[str],
                             in_call: InCall = False) -> sp.csr_matrix:
        """Features for already-normalised texts (lets the scorer normalise once).
        ``in_call``: whether each turn is read inside a call (one flag for all, or one per
        turn); see :func:`_dense_features`."""
        char = char_tfidf(self.char_vectorizer_, texts)
        word = word_tfidf(self.word_vectorizer_, texts)
        dense = self._dense_features(texts, speakers, in_call)
        blocks = [char, word, sp.csr_matrix(dense)]
        call_vectorizer = getattr(self, "call_vectorizer_", None)
        if call_vectorizer is not None:  # a featurizer saved before the block has none
            blocks.append(self._call_block(call_vectorizer, texts, in_call))
        return hstack_rows(blocks)

    @staticmethod
    def _call_block(vectorizer: TfidfVectorizer, texts: list[str], in_call: InCall
                    ) -> sp.csr_matrix:
        """The in-call copy of each turn's character n-grams; empty rows for bare turns."""
        flags = _flags(in_call, len(texts))
        if not flags.any():
            return sp.csr_matrix((len(texts), len(vectorizer.vocabulary_)), dtype=np.float32)
        return char_tfidf(vectorizer, [t if f else "" for t, f in zip(texts, flags, strict=True)])

    def _dense_features(self, texts: list[str], speakers: list[str], in_call: InCall = False
                        ) -> np.ndarray:
        """Speaker one-hot, log-counts of each lexicon category in the customer block or the
        agent block by who spoke, then whether the turn is read inside a call (and the same
        for agent turns).

        The last two columns give a call's turns their own base rates: about one customer
        turn in sixteen carries a cue in the training calls (fewer on a real floor), against
        most of the stand-alone lines, which were written to teach cues. Without them the
        two pull one shared intercept apart and a bare turn (``floorlight score``) is
        under-called. Featurizers saved before them have no such columns and ignore the
        flag."""
        categories = self.lexicon_categories_
        n_cat = len(categories)
        extra = 2 if getattr(self, "in_call_columns_", False) else 0
        out = np.zeros((len(texts), 2 + 2 * n_cat + extra), dtype=np.float32)
        is_agent = np.array([s == "agent" for s in speakers], dtype=bool)
        out[np.arange(len(texts)), is_agent.astype(int)] = 1.0
        if self.lexicon_entries and texts:
            weighted = self.lexicon_weight * np.log1p(
                self._lexicon().batch_counts(texts, categories)).astype(np.float32)
            out[~is_agent, 2 : 2 + n_cat] = weighted[~is_agent]
            out[is_agent, 2 + n_cat : 2 + 2 * n_cat] = weighted[is_agent]
        if extra:
            flags = _flags(in_call, len(texts)).astype(np.float32)
            out[:, -2] = flags
            out[:, -1] = flags * is_agent
        return out

    def feature_names(self) -> list[str]:
        """Every column's name, in column order (a list of some 400,000 strings for the full
        model: for training and introspection; :meth:`feature_names_at` names a few)."""
        names = [f"char:{g}" for g in self.char_vectorizer_.get_feature_names_out()]
        names += [f"word:{g}" for g in self.word_vectorizer_.get_feature_names_out()]
        names += self._dense_names()
        if hasattr(self, "call_vectorizer_"):
            names += [f"call:{g}" for g in self.call_vectorizer_.get_feature_names_out()]
        return names

    def feature_names_at(self, columns: Sequence[int] | np.ndarray) -> list[str]:
        """``[feature_names()[c] for c in columns]`` without building that list: explaining a
        turn needs the names of a handful of columns, and the whole list costs about 30 MB."""
        char = _terms_by_column(self.char_vectorizer_)
        word = _terms_by_column(self.word_vectorizer_)
        n_char, n_known = len(char), len(char) + len(word)
        columns = np.asarray(columns).tolist()
        dense = self._dense_names() if any(c >= n_known for c in columns) else []
        n_dense = n_known + len(dense)
        call = _terms_by_column(self.call_vectorizer_) \
            if dense and any(c >= n_dense for c in columns) else []
        return ["char:" + char[c] if c < n_char else
                "word:" + word[c - n_char] if c < n_known else
                dense[c - n_known] if c < n_dense else "call:" + call[c - n_dense]
                for c in columns]

    def _dense_names(self) -> list[str]:
        names = ["speaker:customer", "speaker:agent"]
        names += [f"lex:customer:{c}" for c in self.lexicon_categories_]
        names += [f"lex:agent:{c}" for c in self.lexicon_categories_]
        if getattr(self, "in_call_columns_", False):
            names += ["context:in_call", "context:in_call:agent"]
        return names

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray(self.feature_names(), dtype=object)

    # skops writes a dict entry by entry; a 200,000-term vocabulary took minutes to save and
    # load that way. Stored as one UTF-8 byte array of the terms in index order, with each
    # term's end (in characters), it is two .npy files. (Until the seventh round it was one
    # fixed-width string array: 300,000 word n-grams padded to the longest took 18 MB, all of
    # it held while loading; such models still load.)
    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())  # for non-sklearn classes this is __dict__ itself
        for name in VECTORIZERS:
            vectorizer = state.get(name)
            if vectorizer is not None and hasattr(vectorizer, "vocabulary_"):
                packed = copy.copy(vectorizer)
                vocabulary = packed.__dict__.pop("vocabulary_")
                terms = sorted(vocabulary, key=vocabulary.__getitem__)
                state[name] = packed
                joined = "".join(terms).encode("utf-8", "surrogatepass")
                state[name + "joined"] = np.frombuffer(joined, dtype=np.uint8).copy()
                state[name + "ends"] = np.cumsum([len(t) for t in terms], dtype=np.int64)
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        for name in VECTORIZERS:
            terms = _stored_terms(state, name)
            if terms is not None:
                state[name].vocabulary_ = {t: i for i, t in enumerate(terms)}
        super().__setstate__(state)


def _stored_terms(state: dict, name: str) -> list[str] | None:
    """A vectorizer's terms in column order as :meth:`TurnFeaturizer.__getstate__` stored
    them (popped from ``state``), in either layout; ``None`` if it stored none."""
    joined, ends = state.pop(name + "joined", None), state.pop(name + "ends", None)
    if joined is not None and ends is not None:
        text = np.asarray(joined, dtype=np.uint8).tobytes().decode("utf-8", "surrogatepass")
        ends = np.asarray(ends).tolist()
        return [text[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]
    terms = state.pop(name + "terms", None)  # the layout before the seventh round
    return None if terms is None else [str(t) for t in terms.tolist()]


VECTORIZERS = ("char_vectorizer_", "word_vectorizer_", "call_vectorizer_")


def _char_vectorizer(ngram_range: tuple[int, int], min_df: int, max_features: int | None
                     ) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char", ngram_range=tuple(ngram_range), min_df=min_df,
                           max_features=max_features, lowercase=False, sublinear_tf=True,
                           dtype=np.float32)


def _flags(in_call: InCall, n: int) -> np.ndarray:
    """``in_call`` (one flag for all rows, or one per row) as ``n`` booleans."""
    return np.broadcast_to(np.asarray(in_call, dtype=bool), (n,))


_TERMS: WeakKeyDictionary[TfidfVectorizer, np.ndarray] = WeakKeyDictionary()


def _terms_by_column(vectorizer: TfidfVectorizer) -> np.ndarray:
    """The fitted vocabulary inverted, column -> term, as an object array that points at the
    vocabulary's own key strings (8 bytes a column, no string copied). Built once per
    vectorizer, on the first explained turn."""
    terms = _TERMS.get(vectorizer)
    if terms is None:
        vocabulary = vectorizer.vocabulary_
        terms = np.empty(len(vocabulary), dtype=object)
        terms[np.fromiter(vocabulary.values(), dtype=np.intp, count=len(vocabulary))] = \
            np.fromiter(vocabulary, dtype=object, count=len(vocabulary))
        _TERMS[vectorizer] = terms
    return terms


# --- character n-grams, vectorised over a batch -------------------------------------------
#
# sklearn's char analyzer builds every n-gram of every text as a Python string and looks it up
# in a dict: most of the scoring time. Here each character is first replaced by its index in
# the fitted vocabulary's own alphabet (0 for a character no n-gram has), so an n-gram is an
# exact integer code of n small digits; a whole batch's n-grams of each length are computed
# with numpy and found among the vocabulary's n-grams of that length by binary search. With
# an alphabet of up to 32,767 characters this is exact up to 4-grams in 63 bits. The result is
# the same matrix the fitted TfidfVectorizer produces (tests/models/test_features.py checks it
# on the whole corpus).

_WHITE_SPACES = re.compile(r"\s\s+")  # what sklearn's char analyzer collapses first
_CHAR_INDEX: WeakKeyDictionary[TfidfVectorizer, CharIndex | None] = WeakKeyDictionary()
_IDF: WeakKeyDictionary[TfidfVectorizer, np.ndarray] = WeakKeyDictionary()


class CharIndex:
    """A fitted character vocabulary as numbers: the alphabet, and per n-gram length the
    sorted codes with their columns."""

    def __init__(self, vocabulary: dict[str, int], longest: int) -> None:
        alphabet = sorted({ch for term in vocabulary for ch in term})
        self.bits = max(1, len(alphabet).bit_length())
        self.digit = np.zeros(0x110000, dtype=np.int64)  # code point -> alphabet index + 1
        self.digit[[ord(ch) for ch in alphabet]] = np.arange(1, len(alphabet) + 1)
        self.by_length: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for n in range(1, longest + 1):
            terms = [(t, c) for t, c in vocabulary.items() if len(t) == n]
            codes = np.fromiter((self.code(t) for t, _ in terms), dtype=np.int64,
                                count=len(terms))
            cols = np.fromiter((c for _, c in terms), dtype=np.int64, count=len(terms))
            order = np.argsort(codes)
            self.by_length[n] = (codes[order], cols[order])

    def code(self, term: str) -> int:
        value = 0
        for ch in term:
            value = (value << self.bits) | int(self.digit[ord(ch)])
        return value


def _char_index(vectorizer: TfidfVectorizer) -> CharIndex | None:
    """The vectorizer's :class:`CharIndex`, or ``None`` when its n-grams do not fit 63 bits."""
    if vectorizer not in _CHAR_INDEX:
        index = CharIndex(vectorizer.vocabulary_, vectorizer.ngram_range[1])
        _CHAR_INDEX[vectorizer] = index if index.bits * vectorizer.ngram_range[1] <= 63 \
            else None
    return _CHAR_INDEX[vectorizer]


def _fast_path(v: TfidfVectorizer) -> bool:
    return (v.analyzer == "char" and not v.lowercase and v.sublinear_tf and v.use_idf
            and v.norm == "l2" and v.preprocessor is None and not v.strip_accents)


def char_tfidf(vectorizer: TfidfVectorizer, texts: list[str]) -> sp.csr_matrix:
    """``vectorizer.transform(texts)`` for a fitted character TF-IDF, computed batch-wise."""
    index = _char_index(vectorizer) if _fast_path(vectorizer) else None
    if index is None:
        if not texts:
            return sp.csr_matrix((0, len(vectorizer.vocabulary_)), dtype=np.float32)
        return vectorizer.transform(texts)
    docs = [_WHITE_SPACES.sub(" ", t) for t in texts]
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    points = np.frombuffer("".join(docs).encode("utf-32-le"), dtype=np.uint32)
    chars = index.digit[points]
    doc_of, left = _positions(lengths)
    rows, cols = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    low, high = vectorizer.ngram_range
    for n in range(low, high + 1):
        codes, ids = index.by_length[n]
        if not len(codes):
            continue
        at = np.flatnonzero(left >= n)
        code = chars[at]
        for k in range(1, n):
            code = (code << index.bits) | chars[at + k]
        found = np.minimum(np.searchsorted(codes, code), len(codes) - 1)
        hit = codes[found] == code
        rows.append(doc_of[at[hit]])
        cols.append(ids[found[hit]])
    return _sublinear_tfidf(np.concatenate(rows), np.concatenate(cols), len(docs),
                            _idf(vectorizer))


def fit_char_tfidf(vectorizer: TfidfVectorizer, texts: list[str]) -> TfidfVectorizer:
    """``vectorizer.fit(texts)`` for an unfitted character TF-IDF, counted batch-wise: the
    same vocabulary, column order and idf as sklearn's, bit for bit, in about a third of the
    time (sklearn's per-n-gram Python loop took some 20 s of each training run). Every
    n-gram is an integer code
    as in :func:`char_tfidf`, over the texts' own alphabet; then sklearn's steps: terms sorted
    by name, those in too few or too many texts dropped, the ``max_features`` most frequent
    kept, ties broken by the same ``argsort`` of the same float32 totals in the same order.
    Anything else (a NUL character, an alphabet too large for 63-bit codes, other settings)
    goes to sklearn."""
    docs = [_WHITE_SPACES.sub(" ", t) for t in texts]
    alphabet = sorted(set().union(*map(set, docs))) if docs else []
    low, high = vectorizer.ngram_range
    bits = max(1, len(alphabet).bit_length())
    n_docs = len(docs)
    most, least = (limit if isinstance(limit, Integral) else limit * n_docs
                   for limit in (vectorizer.max_df, vectorizer.min_df))
    if (not _fast_path(vectorizer) or vectorizer.vocabulary is not None or vectorizer.binary
            or not vectorizer.smooth_idf or vectorizer.dtype is not np.float32 or low > high
            or most < least or "\0" in alphabet or bits * high > 63):
        return vectorizer.fit(texts)
    digit = {ch: i + 1 for i, ch in enumerate(alphabet)}
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=n_docs)
    chars = np.fromiter((digit[ch] for doc in docs for ch in doc), dtype=np.int64,
                        count=int(lengths.sum()))
    doc_of, left = _positions(lengths)
    letters = np.array(["\0", *alphabet])
    terms: list[str] = []
    tfs, dfs = [], []
    for n in range(low, high + 1):
        codes, tf, df = _ngram_counts(chars, doc_of, left, n, bits)
        keep = (df >= least) & (df <= most)
        terms += _spell(codes[keep], n, bits, letters)
        tfs.append(tf[keep])
        dfs.append(df[keep])
    if not terms:
        return vectorizer.fit(texts)  # sklearn's own error
    by_name = sorted(range(len(terms)), key=terms.__getitem__)
    return _fitted(vectorizer, [terms[i] for i in by_name],
                   np.concatenate(tfs)[by_name], np.concatenate(dfs)[by_name], n_docs)


def _positions(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every character of texts of ``lengths`` laid end to end: its text, and how many
    characters of its text start at it (an n-gram starts there if that is at least n)."""
    doc_of = np.repeat(np.arange(len(lengths)), lengths)
    offset = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return doc_of, np.repeat(lengths, lengths) - offset


def _ngram_counts(chars: np.ndarray, doc_of: np.ndarray, left: np.ndarray, n: int, bits: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every distinct n-gram code, with its total count and the number of texts it is in."""
    at = np.flatnonzero(left >= n)
    code = chars[at]
    for k in range(1, n):
        code = (code << bits) | chars[at + k]
    order = np.argsort(code, kind="stable")  # stable: each code's texts stay in order
    code, doc = code[order], doc_of[at][order]
    if not len(code):
        return code, code, code
    new_code = np.r_[True, code[1:] != code[:-1]]
    starts = np.flatnonzero(new_code)
    new_doc = new_code | np.r_[True, doc[1:] != doc[:-1]]
    df = np.add.reduceat(new_doc.astype(np.int64), starts)
    return code[starts], np.diff(np.r_[starts, len(code)]), df


def _spell(codes: np.ndarray, n: int, bits: int, letters: np.ndarray) -> list[str]:
    """n-gram codes back to strings (``letters``: alphabet index -> character)."""
    shifts = bits * np.arange(n - 1, -1, -1, dtype=np.int64)
    spelled = letters[(codes[:, None] >> shifts) & ((1 << bits) - 1)]
    return np.ascontiguousarray(spelled).view(f"<U{n}").ravel().tolist()


def _fitted(vectorizer: TfidfVectorizer, terms: list[str], tf: np.ndarray, df: np.ndarray,
            n_docs: int) -> TfidfVectorizer:
    """Set what sklearn's ``fit`` sets, from the kept n-grams sorted by name with their total
    counts and text counts."""
    kept = np.arange(len(terms))
    limit = vectorizer.max_features
    if limit is not None and len(terms) > limit:  # CountVectorizer._limit_features
        kept = np.sort((-tf.astype(np.float32)).argsort()[:limit])
    vectorizer.vocabulary_ = {terms[i]: column for column, i in enumerate(kept.tolist())}
    vectorizer.fixed_vocabulary_ = False
    vectorizer._tfidf = TfidfTransformer(norm=vectorizer.norm, use_idf=True, smooth_idf=True,
                                         sublinear_tf=vectorizer.sublinear_tf)
    vectorizer._tfidf.n_features_in_ = len(kept)
    idf = np.full(len(kept), n_docs + 1, dtype=np.float32)  # TfidfTransformer.fit, in float32
    idf /= df[kept].astype(np.float32) + np.float32(1.0)
    np.log(idf, out=idf)
    idf += 1.0
    vectorizer._tfidf.idf_ = idf
    return vectorizer


def word_tfidf(vectorizer: TfidfVectorizer, texts: list[str]) -> sp.csr_matrix:
    """``vectorizer.transform(texts)`` for a fitted word TF-IDF, without sklearn's per-call
    input checks (they cost more than a single turn's words)."""
    if not (vectorizer.sublinear_tf and vectorizer.use_idf and vectorizer.norm == "l2"):
        return vectorizer.transform(texts)
    analyze, vocabulary = vectorizer.build_analyzer(), vectorizer.vocabulary_
    rows: list[int] = []
    cols: list[int] = []
    for row, text in enumerate(texts):
        for term in analyze(text):
            col = vocabulary.get(term)
            if col is not None:
                rows.append(row)
                cols.append(col)
    idf = _idf(vectorizer)
    return _sublinear_tfidf(np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64),
                            len(texts), idf)


def _idf(vectorizer: TfidfVectorizer) -> np.ndarray:
    cached = _IDF.get(vectorizer)
    if cached is None:
        cached = _IDF[vectorizer] = np.asarray(vectorizer.idf_, dtype=np.float32)
    return cached


def _sublinear_tfidf(row: np.ndarray, col: np.ndarray, n_docs: int, idf: np.ndarray
                     ) -> sp.csr_matrix:
    """Counts of (row, column) pairs to sublinear TF x IDF rows of unit length, as
    TfidfVectorizer(sublinear_tf=True, norm="l2") computes them."""
    key = np.sort(row * len(idf) + col)  # one sort by (row, column)
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(key))).astype(np.float32)
    row, col = np.divmod(key[starts], len(idf))
    data = (np.log(counts) + np.float32(1.0)) * idf[col]
    norms = np.sqrt(np.bincount(row, weights=data * data, minlength=n_docs)).astype(np.float32)
    norms[norms == 0] = 1.0
    data /= norms[row]
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n_docs), out=indptr[1:])
    return sp.csr_matrix((data, col, indptr), shape=(n_docs, len(idf)))


def hstack_rows(blocks: Sequence[sp.csr_matrix]) -> sp.csr_matrix:
    """``sp.hstack(blocks, format="csr")`` for CSR blocks with sorted indices, in numpy."""
    n_rows = blocks[0].shape[0]
    rows, cols, data, offset = [], [], [], 0
    for block in blocks:
        rows.append(np.repeat(np.arange(n_rows), np.diff(block.indptr)))
        cols.append(block.indices.astype(np.int64) + offset)
        data.append(block.data.astype(np.float32, copy=False))
        offset += block.shape[1]
    row = np.concatenate(rows)
    order = np.argsort(row, kind="stable")
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n_rows), out=indptr[1:])
    return sp.csr_matrix((np.concatenate(data)[order], np.concatenate(cols)[order], indptr),
                         shape=(n_rows, offset))
