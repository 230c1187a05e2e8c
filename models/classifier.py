"""The utterance classifier: sentiment (3 classes) and escalation cue (9 classes) for one turn,
with probabilities, an escalation probability and the phrases that drove the decision."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from models.corpus import AGENT_CUES, CUES, CUSTOMER_CUES, SENTIMENTS
from models.features import InCall, TurnFeaturizer, as_pairs
from models.lexicon import Lexicon, lexicon_for
from models.text import normalize

MAX_EVIDENCE = 4
HEADS = ("sentiment", "cue")  # the sentiment head is the dearer: training starts those first


@dataclass(frozen=True)
class Prediction:
    sentiment: str
    sentiment_scores: dict[str, float]
    cue: str
    cue_scores: dict[str, float]
    escalation: float
    evidence: list[str] = field(default_factory=list)
    # How much a customer turn sounds like a caller past the point a supervisor should step
    # in without any cue (learnt from sentiment-only calls); 0 for agents and for models
    # without that head. Not part of ``as_dict``: it feeds the tracker, not the output.
    distress: float = 0.0

    def as_dict(self) -> dict:
        return {
            "sentiment": self.sentiment,
            "sentiment_scores": self.sentiment_scores,
            "cue": self.cue,
            "cue_scores": self.cue_scores,
            "escalation": self.escalation,
            "evidence": self.evidence,
        }


class TurnClassifier(ClassifierMixin, BaseEstimator):
    """Two linear heads over one shared feature space.

    ``fit(X, y)`` takes ``X`` as (text, speaker) pairs and ``y`` as (sentiment, cue) pairs; a
    cue of ``None`` marks a row that only teaches sentiment (e.g. review sentences).
    Cue probabilities are restricted to the cues the speaker can show (labels.md). A turn is
    scored either on its own or as read inside a call (``in_call``), which have different
    base rates of cues (:meth:`TurnFeaturizer._dense_features`).
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
        sentiment_c: float = 4.0,
        cue_c: float = 8.0,
        sentiment_class_weight: str | None = "balanced",
        max_iter: int = 300,
        distress_c: float = 8.0,
    ) -> None:
        self.char_ngram_range = char_ngram_range
        self.word_ngram_range = word_ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.lexicon_entries = lexicon_entries
        self.lexicon_weight = lexicon_weight
        self.sentiment_c = sentiment_c
        self.cue_c = cue_c
        self.sentiment_class_weight = sentiment_class_weight
        self.max_iter = max_iter
        self.distress_c = distress_c

    def fit(
        self, X: object, y: object, sample_weight: Sequence[float] | None = None, *,
        featurized: tuple[TurnFeaturizer, sp.csr_matrix] | None = None,
        in_call: InCall = False,
    ) -> TurnClassifier:
        """``featurized``: a fitted featurizer and the rows of ``X`` as it transforms them,
        used instead of fitting a new one (training's cross-fit classifiers share one; ``X``
        and ``in_call`` are then not read). ``in_call``: which rows are turns of calls."""
        featurizer, features = featurized or self.featurize(X, in_call)
        heads = [self.fit_head(head, features, y, sample_weight) for head in HEADS]
        return self.with_heads(featurizer, *heads)

    def fit_head(self, head: str, features: sp.csr_matrix, y: object,
                 sample_weight: Sequence[float] | None = None, *,
                 start: Sequence[LogisticRegression] = (), max_iter: int | None = None
                 ) -> LogisticRegression:
        """One head (``sentiment`` or ``cue``, :data:`HEADS`) on featurized rows, ``y`` as in
        :meth:`fit`; rows whose cue is ``None`` teach sentiment only. Training fits the heads
        of several classifiers at once, one process each (:meth:`with_heads` joins them).

        ``start``: heads of the same kind fitted on parts of these rows (training's cross-fit
        folds); the fit starts from their mean instead of from zero, with ``max_iter``
        iterations (default: the classifier's own) to go."""
        labels = np.asarray(y, dtype=object)
        weights = np.ones(features.shape[0]) if sample_weight is None \
            else np.asarray(sample_weight)
        if head == "sentiment":
            model = LogisticRegression(C=self.sentiment_c, max_iter=max_iter or self.max_iter,
                                       class_weight=self.sentiment_class_weight)
            target = labels[:, 0]
        else:
            model = LogisticRegression(C=self.cue_c, max_iter=max_iter or self.max_iter)
            rows = np.array([c is not None for c in labels[:, 1]])
            features, target, weights = features[rows], labels[rows, 1], weights[rows]
        target = target.astype(str)
        _start_from(model, start, np.unique(target))
        # max_iter is a budget: training must stay within its time. On the full corpus the
        # sentiment head uses all of it; a warning would only alarm whoever runs `train`.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(features, target, sample_weight=weights)
        model.warm_start = False  # the start was for this fit only
        return model

    def with_heads(self, featurizer: TurnFeaturizer, sentiment_head: LogisticRegression,
                   cue_head: LogisticRegression) -> TurnClassifier:
        """This classifier, fitted: the featurizer and the two heads."""
        self.featurizer_ = featurizer
        self.sentiment_head_, self.cue_head_ = sentiment_head, cue_head
        self.classes_ = [np.asarray(SENTIMENTS, dtype=object), np.asarray(CUES, dtype=object)]
        self._check_classes()
        return self

    def featurize(self, X: object, in_call: InCall = False
                  ) -> tuple[TurnFeaturizer, sp.csr_matrix]:
        """A featurizer fitted on ``X`` (vocabularies and idf: no labels) and ``X``'s rows,
        ``in_call`` marking the turns of calls."""
        featurizer = TurnFeaturizer(
            char_ngram_range=self.char_ngram_range,
            word_ngram_range=self.word_ngram_range,
            min_df=self.min_df,
            max_features=self.max_features,
            lexicon_entries=self.lexicon_entries,
            lexicon_weight=self.lexicon_weight,
        )
        pairs = as_pairs(X)
        return featurizer, featurizer.fit(pairs, in_call=in_call).transform(pairs, in_call)

    def _check_classes(self) -> None:
        missing = set(CUES) - set(self.cue_head_.classes_)
        missing |= set(SENTIMENTS) - set(self.sentiment_head_.classes_)
        if missing:
            raise ValueError(f"training data has no examples of {sorted(missing)}")

    # --- scoring -------------------------------------------------------------------------

    def _features(self, pairs: list[tuple[str, str]], in_call: bool = False
                  ) -> tuple[list[str], sp.csr_matrix]:
        texts = [normalize(text) for text, _ in pairs]
        return texts, self.featurizer_.transform_normalized(texts, [s for _, s in pairs],
                                                            in_call)

    def _probas(
        self, features: sp.csr_matrix, speakers: list[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        sentiment = _reorder(self.sentiment_head_, features, SENTIMENTS)
        cue = _reorder(self.cue_head_, features, CUES)
        cue *= self._speaker_mask(speakers)
        cue /= cue.sum(axis=1, keepdims=True)
        return sentiment, cue

    @staticmethod
    def _speaker_mask(speakers: list[str]) -> np.ndarray:
        agent_ok = np.array([c not in CUSTOMER_CUES for c in CUES], dtype=float)
        customer_ok = np.array([c not in AGENT_CUES for c in CUES], dtype=float)
        return np.where(np.array(speakers)[:, None] == "agent", agent_ok, customer_ok)

    def predict_proba(self, X: object) -> list[np.ndarray]:
        pairs = as_pairs(X)
        _texts, features = self._features(pairs)
        return list(self._probas(features, [s for _, s in pairs]))

    def predict(self, X: object) -> np.ndarray:
        sentiment, cue = self.predict_proba(X)
        return np.column_stack(
            [np.asarray(SENTIMENTS)[sentiment.argmax(1)], np.asarray(CUES)[cue.argmax(1)]]
        )

    def score_turns(
        self, texts: Sequence[str], speakers: Sequence[str], *, explain: bool = True,
        in_call: bool = False,
    ) -> list[Prediction]:
        """Score a batch of turns; the product's main entry point. ``in_call``: the turns
        are read inside calls (the monitor, ``replay``), not on their own (``score``)."""
        pairs = list(zip(texts, speakers, strict=True))
        norm, features = self._features(pairs, in_call)
        sentiment, cue = self._probas(features, list(speakers))
        out = []
        features = features.tocsr()
        s_best, c_best = sentiment.argmax(axis=1), cue.argmax(axis=1)
        distress = self._distress(features, list(speakers))
        s_rounded, c_rounded = np.round(sentiment, 4).tolist(), np.round(cue, 4).tolist()
        for row in range(len(pairs)):
            s_idx, c_idx = int(s_best[row]), int(c_best[row])
            lo, hi = features.indptr[row], features.indptr[row + 1]
            evidence = (
                self._evidence(pairs[row][0], norm[row],
                               (features.indices[lo:hi], features.data[lo:hi]), s_idx, c_idx)
                if explain
                else []
            )
            out.append(
                Prediction(
                    sentiment=SENTIMENTS[s_idx],
                    sentiment_scores=dict(zip(SENTIMENTS, s_rounded[row], strict=True)),
                    cue=CUES[c_idx],
                    cue_scores=dict(zip(CUES, c_rounded[row], strict=True)),
                    escalation=round(1.0 - float(cue[row, 0]), 4),
                    evidence=evidence,
                    distress=distress[row],
                )
            )
        return out

    def fit_distress(self, texts: Sequence[str], labels: Sequence[int]) -> TurnClassifier:
        """A third head on the same features, for customer turns only: 1 where a sentiment-
        only escalation has reached the point a supervisor should step in, 0 for customer
        turns of calm calls. Skipped when the labels have a single class."""
        if len(set(labels)) < 2:
            return self
        _texts, features = self._features([(t, "customer") for t in texts], in_call=True)
        self.distress_head_ = LogisticRegression(C=self.distress_c, max_iter=self.max_iter,
                                                 class_weight="balanced")
        self.distress_head_.fit(features, np.asarray(labels))
        return self

    def _distress(self, features: sp.csr_matrix, speakers: list[str]) -> list[float]:
        head = getattr(self, "distress_head_", None)
        if head is None:
            return [0.0] * len(speakers)
        z = np.asarray(features @ head.coef_[0]).ravel() + head.intercept_[0]
        p = np.round(1.0 / (1.0 + np.exp(-z)), 4)
        return [float(v) if s == "customer" else 0.0 for v, s in zip(p, speakers, strict=True)]

    # --- explanations --------------------------------------------------------------------

    def _evidence(
        self, text: str, norm: str, row: tuple[np.ndarray, np.ndarray], s_idx: int, c_idx: int
    ) -> list[str]:
        """Original-text spans of the n-grams that pushed hardest towards the predicted cue
        (or, for cue ``none``, towards a non-neutral sentiment)."""
        if CUES[c_idx] != "none":
            contributions = _contributions(self.cue_head_, CUES[c_idx], "none", row)
        elif SENTIMENTS[s_idx] != "neutral":
            contributions = _contributions(self.sentiment_head_, SENTIMENTS[s_idx], "neutral",
                                           row)
        else:
            return []
        top = np.argsort(-contributions)[:16]
        names = self.featurizer_.feature_names_at(row[0][top])
        spans: list[tuple[int, int, float]] = []
        floor = None
        for k, name in zip(top, names, strict=True):
            weight = float(contributions[k])
            if weight <= 0 or (floor is not None and weight < floor):
                break
            found = self._locate(name, text, norm, weight)
            if found and floor is None:
                floor = 0.15 * weight
            spans.extend(found)
        return _merge_spans(text, spans)

    def _locate(
        self, feature: str, text: str, norm: str, weight: float
    ) -> list[tuple[int, int, float]]:
        """Where a feature sits in the turn: n-grams by position, lexicon counts by match."""
        kind, _, rest = feature.partition(":")
        if kind == "lex":
            category = rest.partition(":")[2]
            return [(m.start, m.end, weight) for m in self._lexicon().find(text, [category])]
        if kind not in ("char", "word", "call") or len(rest.strip()) < 2:
            return []
        spans = []
        start = norm.find(rest)
        while start != -1:
            spans.append((start, start + len(rest), weight))
            start = norm.find(rest, start + 1)
        return spans

    def _lexicon(self) -> Lexicon:
        return lexicon_for(self, self.lexicon_entries)


def _start_from(model: LogisticRegression, heads: Sequence[LogisticRegression],
                classes: np.ndarray) -> None:
    """Let ``model`` start its fit from the mean of ``heads`` (a warm start), when they were
    fitted on the same classes it is about to see; otherwise it starts from zero."""
    if not heads or any(list(h.classes_) != list(classes) for h in heads):
        return
    model.warm_start = True
    model.coef_ = np.mean([h.coef_ for h in heads], axis=0)
    model.intercept_ = np.mean([h.intercept_ for h in heads], axis=0)


def _reorder(head: LogisticRegression, features: sp.csr_matrix, order: Sequence[str]) -> np.ndarray:
    """``head.predict_proba`` in ``order``, computed directly: a multinomial logistic
    regression's probabilities are the softmax of its decision function, and sklearn's input
    validation costs more than the arithmetic for a single turn."""
    if len(head.classes_) > 2 and getattr(head, "multi_class", "auto") in ("auto",
                                                                            "multinomial"):
        scores = np.asarray(features @ head.coef_.T) + head.intercept_
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        proba = scores / scores.sum(axis=1, keepdims=True)
    else:
        proba = head.predict_proba(features)
    index = {c: i for i, c in enumerate(head.classes_)}
    return np.ascontiguousarray(proba[:, [index[c] for c in order]])


def _contributions(head: LogisticRegression, target: str, baseline: str,
                   row: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """How much each of a turn's features (``row``: its columns and values) pushes
    ``target`` over ``baseline``. Only the turn's columns of the two coefficient rows are
    read: a cached difference over all columns cost 1.7 MB per pair of classes, ten pairs."""
    indices, data = row
    classes = head.classes_.tolist()
    coef = head.coef_
    return data * (coef[classes.index(target)][indices] - coef[classes.index(baseline)][indices])


def _merge_spans(text: str, spans: list[tuple[int, int, float]]) -> list[str]:
    """Join overlapping or touching spans into phrases, strongest phrase first."""
    merged: list[list[float]] = []
    for start, end, weight in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2] += weight
        else:
            merged.append([start, end, weight])
    phrases = []
    for start, end, _w in sorted(merged, key=lambda m: -m[2]):
        phrase = _expand_to_words(text, int(start), int(end)).strip(" ,.!?;:，。！？")
        if len(phrase) >= 2 and phrase not in phrases:
            phrases.append(phrase)
    return phrases[:MAX_EVIDENCE]


def _expand_to_words(text: str, start: int, end: int) -> str:
    """Grow a character span to whole Latin words so English evidence reads as words."""
    while start > 0 and text[start - 1].isascii() and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isascii() and text[end].isalnum():
        end += 1
    return text[start:end]
