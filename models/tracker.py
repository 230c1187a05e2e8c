"""The call risk tracker: after each turn of a call, the call's risk and its desk state.

The same code runs offline (``floorlight replay``, training, evaluation) and live (the
monitor keeps one :class:`CallState` per open call). Risk comes from a small logistic model
over the call's recent history (escalation cues, agent misconduct, customer negativity, its
trend, and the agent's recovery moves); the desk state follows the risk with hysteresis,
and ``alert`` is latched until a supervisor acknowledges it or the call ends.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression

from models.classifier import Prediction
from models.context import ContextHead, History, remember
from models.corpus import CUSTOMER_CUES, SEVERITY
from models.lexicon import Lexicon, lexicon_for

STATES = ("off", "calm", "watch", "alert", "acknowledged")
FEATURES = (
    "escalation_now",
    "escalation_recent",
    "misconduct_now",
    "misconduct_recent",
    "negativity",
    "negative_run",
    "negative_trend",
    "worst_negativity",
    "recovery",
    "customer_positive",
)
RECOVERY_CATEGORIES = ("apology", "empathy", "solution", "thanks")
RECENT = 4


@dataclass(frozen=True)
class Step:
    """The tracker's output after one turn."""

    risk: float
    state: str
    reason: str | None
    features: tuple[float, ...] = ()
    prediction: Prediction | None = None  # the turn's prediction as read in its call


class CallState:
    """One call's running state. Feed turns in order with :meth:`update`."""

    def __init__(self, tracker: CallRiskTracker) -> None:
        self._tracker = tracker
        self._lexicon = tracker.lexicon()
        self.state = "off"
        self.reason: str | None = None
        self.risk = 0.0
        self.turns = 0
        self._dwell = 0
        self._esc: deque[tuple[float, str]] = deque(maxlen=RECENT)
        self._misconduct: deque[float] = deque(maxlen=RECENT)
        self._neg_history: deque[float] = deque(maxlen=3)  # the trend looks 3 back
        self._neg_ewma = 0.0
        self._neg_run = 0
        self._worst = 0.0
        self._recovery = 0.0
        self._customer_pos = 0.0
        self._acknowledged_reason: str | None = None
        self._history = History()

    def update(self, speaker: str, prediction: Prediction, text: str = "") -> Step:
        """One turn: ``prediction`` is the classifier's score of the turn on its own; the
        turn is first read in the call so far (:mod:`models.context`), then tracked."""
        context = self._tracker.context
        base = prediction
        if context is not None:
            prediction = context.read(self._history, speaker, base)
        remember(self._history, speaker, base, text, self._lexicon)
        features = self._observe(speaker, prediction, text)
        self.risk = self._tracker.risk_from_features(features)
        self._advance(prediction, speaker)
        self.turns += 1
        return Step(round(self.risk, 4), self.state, self.reason, tuple(features), prediction)

    def acknowledge(self) -> None:
        """A supervisor took the alert: the desk shows ``acknowledged`` until the call ends or
        a more severe cue arrives."""
        if self.state == "alert":
            self._acknowledged_reason = self.reason
            self.state = "acknowledged"

    def end(self) -> Step:
        self.state, self.reason = "off", None
        return Step(round(self.risk, 4), self.state, None)

    def snapshot(self) -> dict:
        """Everything :meth:`restore` needs to carry on after a restart (JSON-able)."""
        return {
            "v": 1,
            "state": self.state,
            "reason": self.reason,
            "risk": self.risk,
            "turns": self.turns,
            "dwell": self._dwell,
            "esc": [list(e) for e in self._esc],
            "misconduct": list(self._misconduct),
            "neg_history": list(self._neg_history),
            "neg_ewma": self._neg_ewma,
            "neg_run": self._neg_run,
            "worst": self._worst,
            "recovery": self._recovery,
            "customer_pos": self._customer_pos,
            "acknowledged_reason": self._acknowledged_reason,
            "context": self._history.as_dict(),
        }

    def restore(self, snap: dict) -> CallState:
        self.state, self.reason, self.risk = snap["state"], snap["reason"], snap["risk"]
        self.turns, self._dwell = snap["turns"], snap["dwell"]
        self._esc = deque(((float(e), str(c)) for e, c in snap["esc"]), maxlen=RECENT)
        self._misconduct = deque(snap["misconduct"], maxlen=RECENT)
        self._neg_history = deque(snap["neg_history"], maxlen=3)
        self._neg_ewma, self._neg_run = snap["neg_ewma"], snap["neg_run"]
        self._worst, self._recovery = snap["worst"], snap["recovery"]
        self._customer_pos = snap["customer_pos"]
        self._acknowledged_reason = snap["acknowledged_reason"]
        self._history = History.from_dict(snap.get("context"))
        return self

    # --- features ------------------------------------------------------------------------

    def _observe(self, speaker: str, p: Prediction, text: str) -> list[float]:
        neg = p.sentiment_scores.get("negative", 0.0)
        pos = p.sentiment_scores.get("positive", 0.0)
        if speaker == "customer":
            customer_cues = {c: p.cue_scores.get(c, 0.0) for c in CUSTOMER_CUES}
            top = max(customer_cues, key=customer_cues.get)
            self._esc.append((customer_cues[top], top))
            self._misconduct.append(0.0)
            self._neg_ewma = 0.5 * self._neg_ewma + 0.5 * (neg - 0.5 * pos)
            self._neg_history.append(self._neg_ewma)
            self._neg_run = self._neg_run + 1 if neg > 0.5 else 0
            self._worst = max(self._worst, neg)
            self._customer_pos = pos
            self._recovery *= 0.8
        else:
            self._esc.append((0.0, "none"))
            self._misconduct.append(p.cue_scores.get("agent_misconduct", 0.0))
            good = bool(self._lexicon.find(text, RECOVERY_CATEGORIES)) if text else False
            move = (1.0 if good else 0.0) * (1.0 - self._misconduct[-1]) + pos
            self._recovery = 0.6 * self._recovery + 0.4 * min(move, 1.0)
        trend = self._neg_ewma - (self._neg_history[-3] if len(self._neg_history) >= 3 else 0.0)
        return [
            self._esc[-1][0],
            max(e for e, _ in self._esc),
            self._misconduct[-1],
            max(self._misconduct),
            self._neg_ewma,
            min(self._neg_run, 6) / 6,
            trend,
            self._worst,
            self._recovery,
            self._customer_pos,
        ]

    # --- state machine -------------------------------------------------------------------

    def _advance(self, p: Prediction, speaker: str) -> None:
        th = self._tracker.thresholds_
        cue_alert = self._cue_alert(p, speaker, th)
        if self.state == "acknowledged":
            if cue_alert and _more_severe(cue_alert, self._acknowledged_reason):
                self.state, self.reason = "alert", cue_alert
            return
        if self.state == "alert":
            return
        if cue_alert or self.risk >= th["alert_in"]:
            self.state, self.reason, self._dwell = "alert", cue_alert or self._why(), 0
        elif self.state == "watch":
            self._dwell += 1
            if self.risk < th["watch_out"] and self._dwell >= th["min_dwell_turns"]:
                self.state, self.reason, self._dwell = "calm", None, 0
        elif self.risk >= th["watch_in"]:
            self.state, self.reason, self._dwell = "watch", self._why(), 0
        else:
            self.state, self.reason = "calm", None

    def _cue_alert(self, p: Prediction, speaker: str, th: dict) -> str | None:
        if speaker == "customer" and p.cue in CUSTOMER_CUES and p.escalation >= th["cue_alert"]:
            return p.cue
        misconduct = p.cue_scores.get("agent_misconduct", 0.0)
        if speaker == "agent" and misconduct >= th["misconduct_alert"]:
            return "agent_misconduct"
        return None

    def _why(self) -> str:
        esc, cue = max(self._esc)
        if esc >= 0.35:
            return cue
        if max(self._misconduct) >= 0.35:
            return "agent_misconduct"
        return "negative_trend"


def _more_severe(cue: str, than: str | None) -> bool:
    if than not in SEVERITY:
        return cue in SEVERITY
    return cue in SEVERITY and SEVERITY.index(cue) < SEVERITY.index(than)


class CallRiskTracker(BaseEstimator):
    """Learns the risk model and the state thresholds from labelled calls.

    ``fit`` takes, per call, the classifier's predictions for its turns (so it learns from
    what the classifier really says about unseen turns) and the call's labels.
    """

    def __init__(
        self,
        *,
        lead_window: int = 2,
        c: float = 1.0,
        lexicon_entries: Sequence[tuple[str, str, str]] = (),
        false_alert_cost: float = 3.0,
        context: ContextHead | None = None,
    ) -> None:
        self.lead_window = lead_window
        self.c = c
        self.lexicon_entries = lexicon_entries
        self.false_alert_cost = false_alert_cost
        self.context = context  # reads each turn in its call before tracking (None: as scored)

    def lexicon(self) -> Lexicon:
        return lexicon_for(self, self.lexicon_entries)

    def new_call(self) -> CallState:
        return CallState(self)

    def risk_from_features(self, features: Sequence[float]) -> float:
        z = float(np.dot(self.risk_coef_, features) + self.risk_intercept_)
        return 1.0 / (1.0 + np.exp(-z))

    def fit(self, calls: Sequence[CallInput]) -> CallRiskTracker:
        """``calls``: (speakers, texts, predictions, escalated, first_cue_index) tuples."""
        self.thresholds_ = dict(DEFAULT_THRESHOLDS)
        self.risk_coef_ = np.zeros(len(FEATURES))
        self.risk_intercept_ = 0.0
        rows, targets = [], []
        for speakers, texts, predictions, escalated, first in calls:
            steps = self.replay(speakers, texts, predictions)
            for i, step in enumerate(steps):
                rows.append(step.features)
                targets.append(int(bool(escalated) and i >= first - self.lead_window))
        head = LogisticRegression(C=self.c, max_iter=1000, class_weight="balanced")
        head.fit(np.asarray(rows), np.asarray(targets))
        self.risk_coef_ = head.coef_[0].astype(float)
        self.risk_intercept_ = float(head.intercept_[0])
        self.thresholds_ = self._choose_thresholds(calls)
        return self

    def replay(
        self, speakers: Sequence[str], texts: Sequence[str], predictions: Sequence[Prediction]
    ) -> list[Step]:
        state = self.new_call()
        return [
            state.update(s, p, t) for s, t, p in zip(speakers, texts, predictions, strict=True)
        ]

    def _choose_thresholds(self, calls: Sequence[CallInput]) -> dict:
        """Grid search over the alert thresholds on the training calls. The first alert of a
        call does not depend on the watch hysteresis, so each call's per-turn signals are
        computed once and the search is plain array work."""
        signals = [self._signals(call) for call in calls]
        best, best_score = dict(DEFAULT_THRESHOLDS), -np.inf
        for alert_in in (*np.arange(0.5, 0.96, 0.025), 0.97, 0.98, 0.99, 1.01):
            for cue_alert in (0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95):
                for misconduct_alert in (0.5, 0.6, 0.7, 0.8, 0.9):
                    score = sum(
                        _call_score(
                            sig, alert_in, cue_alert, misconduct_alert, self.false_alert_cost
                        )
                        for sig in signals
                    )
                    if score > best_score:
                        best_score = score
                        best = dict(
                            DEFAULT_THRESHOLDS,
                            alert_in=round(float(alert_in), 3),
                            cue_alert=cue_alert,
                            misconduct_alert=misconduct_alert,
                        )
        best["watch_in"] = round(best["alert_in"] * 0.6, 3)
        best["watch_out"] = round(best["watch_in"] * 0.75, 3)
        return best

    def _signals(self, call: CallInput) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool, int]:
        speakers, texts, predictions, escalated, first = call
        steps = self.replay(speakers, texts, predictions)
        read = [s.prediction or p for s, p in zip(steps, predictions, strict=True)]
        risk = np.array([self.risk_from_features(s.features) for s in steps])
        cue = np.array([p.escalation if s == "customer" and p.cue in CUSTOMER_CUES else 0.0
                        for s, p in zip(speakers, read, strict=True)])
        misconduct = np.array([p.cue_scores.get("agent_misconduct", 0.0) if s == "agent"
                               else 0.0 for s, p in zip(speakers, read, strict=True)])
        return risk, cue, misconduct, bool(escalated), first if first is not None else -1


def _call_score(
    signals: tuple[np.ndarray, np.ndarray, np.ndarray, bool, int],
    alert_in: float,
    cue_alert: float,
    misconduct_alert: float,
    false_alert_cost: float,
) -> float:
    risk, cue, misconduct, escalated, first = signals
    fired = (risk >= alert_in) | (cue >= cue_alert) | (misconduct >= misconduct_alert)
    hits = np.flatnonzero(fired)
    alert = int(hits[0]) if len(hits) else None
    if escalated:
        if alert is not None and alert <= first:
            return 1.0 + 0.05 * min(first - alert, 5)
        return 0.0
    return -false_alert_cost if alert is not None else 0.0


CallInput = tuple[Sequence[str], Sequence[str], Sequence[Prediction], bool, int | None]

DEFAULT_THRESHOLDS = {
    "watch_in": 0.45,
    "watch_out": 0.35,
    "alert_in": 0.8,
    "cue_alert": 0.6,
    "misconduct_alert": 0.6,
    "min_dwell_turns": 2,
}


def first_alert(steps: Iterable[Step]) -> int | None:
    """Index of the first turn after which the call was in ``alert``."""
    for i, step in enumerate(steps):
        if step.state == "alert":
            return i
    return None
