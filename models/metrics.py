"""Metrics for utterances (per class, per language, confusion matrices) and for whole calls
(alerted on time, false alerts, lead time)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from models.corpus import CUES, SENTIMENTS


def _per_class(truth: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict:
    p, r, f, n = precision_recall_fscore_support(
        truth, pred, labels=list(labels), zero_division=0
    )
    return {
        label: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4), "support": int(n[i])}
        for i, label in enumerate(labels)
    }


def _present(truth: Sequence[str], labels: Sequence[str]) -> list[str]:
    return [label for label in labels if label in set(truth)]


def utterance_metrics(
    truth_sentiment: Sequence[str],
    truth_cue: Sequence[str],
    pred_sentiment: Sequence[str],
    pred_cue: Sequence[str],
    langs: Sequence[str],
) -> dict:
    """Overall and per-language metrics. Macro-F1 averages the classes present in the truth,
    so a small language sample is not punished for a class it does not contain."""
    result = {"overall": _block(truth_sentiment, truth_cue, pred_sentiment, pred_cue)}
    result["overall"]["confusion"] = {
        "sentiment": {
            "labels": list(SENTIMENTS),
            "matrix": confusion_matrix(truth_sentiment, pred_sentiment, labels=list(SENTIMENTS))
            .tolist(),
        },
        "cue": {
            "labels": list(CUES),
            "matrix": confusion_matrix(truth_cue, pred_cue, labels=list(CUES)).tolist(),
        },
    }
    result["per_language"] = {}
    for lang in sorted(set(langs)):
        idx = [i for i, x in enumerate(langs) if x == lang]
        result["per_language"][lang] = _block(
            *([seq[i] for i in idx] for seq in (truth_sentiment, truth_cue, pred_sentiment,
                                                  pred_cue))
        )
    return result


def _block(ts: Sequence[str], tc: Sequence[str], ps: Sequence[str], pc: Sequence[str]) -> dict:
    esc_true = [c != "none" for c in tc]
    esc_pred = [c != "none" for c in pc]
    return {
        "n": len(ts),
        "sentiment_macro_f1": round(
            float(f1_score(ts, ps, labels=_present(ts, SENTIMENTS), average="macro",
                           zero_division=0)), 4),
        "cue_macro_f1": round(
            float(f1_score(tc, pc, labels=_present(tc, CUES), average="macro",
                           zero_division=0)), 4),
        "escalation_f1": round(float(f1_score(esc_true, esc_pred, zero_division=0)), 4),
        "sentiment": _per_class(ts, ps, SENTIMENTS),
        "cue": _per_class(tc, pc, CUES),
    }


def call_metrics(
    escalated: Sequence[bool],
    first_cue: Sequence[int | None],
    first_alert: Sequence[int | None],
    langs: Sequence[str],
    types: Sequence[str | None] | None = None,
) -> dict:
    """How the tracker did on whole calls, overall, per language and (when the calls carry
    a ``type``) per call type."""
    result = {"overall": _call_block(escalated, first_cue, first_alert)}
    groups = {"per_language": langs}
    if types is not None and any(types):
        groups["per_type"] = [t or "untyped" for t in types]
    for name, keys in groups.items():
        result[name] = {}
        for key in sorted(set(keys)):
            idx = [i for i, x in enumerate(keys) if x == key]
            result[name][key] = _call_block([escalated[i] for i in idx],
                                            [first_cue[i] for i in idx],
                                            [first_alert[i] for i in idx])
    return result


def _call_block(
    escalated: Sequence[bool], first_cue: Sequence[int | None], first_alert: Sequence[int | None]
) -> dict:
    esc = [i for i, e in enumerate(escalated) if e]
    calm = [i for i, e in enumerate(escalated) if not e]
    on_time = [i for i in esc if first_alert[i] is not None and first_alert[i] <= first_cue[i]]
    late = [i for i in esc if first_alert[i] is not None and first_alert[i] > first_cue[i]]
    leads = [first_cue[i] - first_alert[i] for i in on_time]
    false_alerts = [i for i in calm if first_alert[i] is not None]
    # lead over every escalated call that alerted at all (late alerts count negative)
    all_leads = [first_cue[i] - first_alert[i] for i in (*on_time, *late)]
    return {
        "calls": len(escalated),
        "escalated": len(esc),
        "alerted_on_time": len(on_time),
        "alerted_late": len(late),
        "missed": len(esc) - len(on_time) - len(late),
        "on_time_rate": round(len(on_time) / len(esc), 4) if esc else None,
        "any_time_rate": round((len(on_time) + len(late)) / len(esc), 4) if esc else None,
        "not_escalated": len(calm),
        "false_alerts": len(false_alerts),
        "false_alert_rate": round(len(false_alerts) / len(calm), 4) if calm else None,
        "mean_lead_turns": round(float(np.mean(leads)), 3) if leads else None,
        "median_lead_turns": float(np.median(all_leads)) if all_leads else None,
        "alerted_early": sum(1 for lead in leads if lead > 0),
    }


def expected_calibration_error(confidence: Sequence[float], correct: Sequence[bool],
                               bins: int = 10) -> float:
    """Mean gap between confidence and accuracy over equal-width confidence bins."""
    conf = np.asarray(confidence, dtype=float)
    hit = np.asarray(correct, dtype=float)
    if not len(conf):
        return float("nan")
    edges = np.minimum((conf * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = edges == b
        if mask.any():
            total += mask.sum() * abs(conf[mask].mean() - hit[mask].mean())
    return round(float(total / len(conf)), 4)


def calibration(
    truth_sentiment: Sequence[str],
    truth_cue: Sequence[str],
    sentiment_proba: np.ndarray,
    escalation: Sequence[float],
) -> dict:
    """ECE of the sentiment head's top class and of the escalation probability, plus the
    escalation Brier score."""
    top = sentiment_proba.argmax(axis=1)
    sentiment_ok = [SENTIMENTS[i] == t for i, t in zip(top, truth_sentiment, strict=True)]
    esc = np.asarray(escalation, dtype=float)
    esc_true = np.array([c != "none" for c in truth_cue], dtype=float)
    esc_conf = np.where(esc >= 0.5, esc, 1 - esc)
    esc_ok = (esc >= 0.5) == (esc_true == 1)
    return {
        "sentiment_ece": expected_calibration_error(sentiment_proba.max(axis=1), sentiment_ok),
        "escalation_ece": expected_calibration_error(esc_conf, esc_ok),
        "escalation_brier": round(float(np.mean((esc - esc_true) ** 2)), 4),
    }
