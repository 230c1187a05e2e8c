"""Reading a turn in its call: the classifier scores each turn on its own; this small second
stage re-reads that score with what came before in the same call (the turn just before,
the customer's recent mood, whether the agent just offered a remedy, how far into the call
it is) and gives the turn's prediction in context.

It is what makes "twenty-two fifty?" a rejected remedy after an offer, and an agent's
"I can't promise that" a hedge rather than misconduct after a warm apology. It learns from
out-of-fold classifier scores on the turns of labelled natural calls, so it learns what the
classifier really says about turns it has not seen. A bare turn (``floorlight score``) has no
context and keeps the classifier's own prediction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression

from models.classifier import Prediction
from models.corpus import AGENT_CUES, CUES, CUSTOMER_CUES, SENTIMENTS
from models.lexicon import Lexicon

REMEDY_CATEGORIES = ("solution",)
CARE_CATEGORIES = ("apology", "empathy")
SPEAKERS = ("customer", "agent")
_EPS = 1e-3


@dataclass
class History:
    """What the context stage remembers of a call so far (JSON-able through ``as_dict``)."""

    turns: int = 0
    last: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0, 0.0])
    last_speaker: str = ""
    customer: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    agent: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    mood: float = 0.0  # customer negativity, exponentially weighted
    run: int = 0  # customer turns in a row read negative

    def as_dict(self) -> dict:
        return dict(vars(self))

    @classmethod
    def from_dict(cls, data: dict | None) -> History:
        history = cls()
        for key, value in (data or {}).items():
            if hasattr(history, key):
                setattr(history, key, value)
        return history


def features(history: History, speaker: str, p: Prediction) -> np.ndarray:
    """The context stage's input for one turn: its own scores, the call so far, and the
    turn's cue scores weighed by that call (:func:`cue_interactions`)."""
    return np.concatenate([call_features(history, speaker, p), cue_interactions(history, p)])


def call_features(history: History, speaker: str, p: Prediction) -> np.ndarray:
    """The turn's own scores and the call so far (the columns of the first context stage:
    a model saved before :func:`cue_interactions` reads only these)."""
    own = [np.log(p.sentiment_scores[s] + _EPS) for s in SENTIMENTS]
    own += [np.log(p.cue_scores[c] + _EPS) for c in CUES]
    before = [*history.last, float(history.last_speaker not in ("", speaker))]
    return np.array([*own, *before, *history.customer, *history.agent, history.mood,
                     min(history.run, 5) / 5, min(history.turns, 30) / 30], dtype=float)


def cue_interactions(history: History, p: Prediction) -> np.ndarray:
    """The turn's cue log-probabilities three times more: right after an agent offered a
    remedy, times the customer's mood, and times the customer's last escalation. A linear
    head cannot otherwise let a cue score count for more in one call than in another: a
    flat "that's it?" disputes the remedy just offered, and a soft request for someone
    senior means more from a caller who has been souring for five turns."""
    cue = np.array([np.log(p.cue_scores[c] + _EPS) for c in CUES])
    offered = history.agent[1] * float(history.last_speaker == "agent")
    return np.concatenate([cue * offered, cue * history.mood, cue * history.customer[2]])


def remember(history: History, speaker: str, p: Prediction, text: str,
             lexicon: Lexicon | None) -> None:
    """Fold one turn (as read in context) into the history."""
    neg, pos = p.sentiment_scores["negative"], p.sentiment_scores["positive"]
    misconduct = p.cue_scores.get("agent_misconduct", 0.0)
    history.last = [neg, pos, p.escalation, misconduct]
    history.last_speaker = speaker
    history.turns += 1
    if speaker == "customer":
        history.customer = [neg, pos, p.escalation]
        history.mood = 0.6 * history.mood + 0.4 * (neg - pos)
        history.run = history.run + 1 if p.sentiment == "negative" else 0
    else:
        found = {m.category for m in lexicon.find(text, REMEDY_CATEGORIES + CARE_CATEGORIES)} \
            if lexicon is not None and text else set()
        history.agent = [misconduct, float(bool(found & set(REMEDY_CATEGORIES))),
                         float(bool(found & set(CARE_CATEGORIES)))]


class ContextHead(BaseEstimator):
    """Per speaker, a sentiment and a cue logistic regression over :func:`features`."""

    def __init__(self, *, c: float = 1.0, blend: float = 1.0,
                 class_weight: str | None = None) -> None:
        self.c = c
        self.blend = blend  # 1: the context stage's probabilities; 0: the classifier's
        # None keeps the base rates of cue turns in real calls (rare): "balanced" over-calls
        self.class_weight = class_weight

    def fit(self, rows: Sequence[tuple[str, np.ndarray, str, str]]) -> ContextHead:
        """``rows``: (speaker, features, true sentiment, true cue) for turns of training calls."""
        self.heads_: dict[str, tuple[LogisticRegression | None, LogisticRegression | None]] = {}
        for speaker in SPEAKERS:
            mine = [r for r in rows if r[0] == speaker]
            X = np.array([r[1] for r in mine]) if mine else np.zeros((0, 1))
            self.heads_[speaker] = (_fit(X, [r[2] for r in mine], self.c, self.class_weight),
                                    _fit(X, [r[3] for r in mine], self.c, self.class_weight))
        return self

    def read(self, history: History, speaker: str, p: Prediction) -> Prediction:
        """The turn's prediction in its call (the classifier's own where a head is missing)."""
        sentiment_head, cue_head = self.heads_.get(speaker, (None, None))
        x = features(history, speaker, p)[None, :]
        sentiment = _mix(p.sentiment_scores, sentiment_head, x, SENTIMENTS, self.blend)
        allowed = AGENT_CUES if speaker == "agent" else CUSTOMER_CUES
        cue = _mix(p.cue_scores, cue_head, x, CUES, self.blend,
                   allowed=("none", *allowed))
        s_best = max(SENTIMENTS, key=sentiment.get)
        c_best = max(CUES, key=cue.get)
        same = c_best == p.cue and s_best == p.sentiment
        return Prediction(sentiment=s_best, sentiment_scores=sentiment, cue=c_best,
                          cue_scores=cue, escalation=round(1.0 - cue["none"], 4),
                          evidence=p.evidence if same or c_best != "none" else [],
                          distress=p.distress)


def _fit(X: np.ndarray, y: Sequence[str], c: float, class_weight: str | None
         ) -> LogisticRegression | None:
    if len(set(y)) < 2 or len(y) < 20:
        return None
    # A few dozen dense columns: Newton steps reach the optimum in about ten iterations,
    # where lbfgs took hundreds (a minute of training) and stopped short of it.
    return LogisticRegression(C=c, max_iter=200, solver="newton-cholesky",
                              class_weight=class_weight).fit(X, list(y))


def _mix(base: dict[str, float], head: LogisticRegression | None, x: np.ndarray,
         order: Sequence[str], blend: float, allowed: Sequence[str] | None = None
         ) -> dict[str, float]:
    probs = np.array([base[k] for k in order], dtype=float)
    if head is not None:
        learned = np.zeros(len(order))
        # a head fitted before the later columns existed reads the ones it was fitted on
        x = x[:, :head.coef_.shape[1]]
        for cls, value in zip(head.classes_, _proba(head, x), strict=True):
            learned[order.index(cls)] = value
        probs = blend * learned + (1 - blend) * probs
    if allowed is not None:
        probs *= np.array([k in allowed for k in order], dtype=float)
    probs /= probs.sum() or 1.0
    return dict(zip(order, np.round(probs, 4).tolist(), strict=True))


def _proba(head: LogisticRegression, x: np.ndarray) -> np.ndarray:
    """``head.predict_proba`` for one row, computed directly (sklearn's input checks cost
    more than the arithmetic, and this runs on every live turn)."""
    scores = x[0] @ head.coef_.T + head.intercept_
    if len(head.classes_) == 2:
        p = 1.0 / (1.0 + np.exp(-scores[0]))
        return np.array([1.0 - p, p])
    scores = np.exp(scores - scores.max())
    return scores / scores.sum()
