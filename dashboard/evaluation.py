"""Model comparisons and the threshold view, as plain functions over models.* (the model
page caches their results)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import precision_recall_curve

from models.artifacts import load_model
from models.corpus import file_kind, read_calls, read_turns
from models.training import evaluate_file


def compare_versions(version_dirs: Sequence[Path], path: Path) -> dict[str, tuple[str, dict]]:
    """Each version's metrics on the same labelled file: {version: (kind, metrics)}."""
    return {Path(v).name: evaluate_file(load_model(Path(v)), path) for v in version_dirs}


def headline(kind: str, metrics: dict) -> dict[str, float | int | None]:
    """The few numbers worth comparing side by side."""
    overall = metrics.get("overall", {})
    if kind == "calls":
        keys = ("calls", "escalated", "alerted_on_time", "alerted_late", "missed",
                "on_time_rate", "any_time_rate", "false_alerts", "false_alert_rate",
                "median_lead_turns")
    else:
        keys = ("n", "sentiment_macro_f1", "cue_macro_f1", "escalation_f1")
    return {k: overall.get(k) for k in keys}


def labelled_turns(path: Path) -> tuple[list[str], list[str], list[bool]]:
    """(texts, speakers, is-escalation) of every labelled turn in an utterance or call file."""
    if file_kind(path) == "calls":
        turns = [t for c in read_calls(path) for t in c.turns if t.cue is not None]
    else:
        turns = read_turns(path)
    return ([t.text for t in turns], [t.speaker for t in turns],
            [t.cue != "none" for t in turns])


def threshold_curve(version_dir: Path, path: Path) -> dict[str, list[float]]:
    """Precision and recall of ``escalation >= threshold`` on the file's labelled turns."""
    texts, speakers, truth = labelled_turns(path)
    model = load_model(Path(version_dir))
    scores = [p.escalation for p in model.score(texts, speakers, explain=False)]
    if not any(truth) or all(truth):
        return {"threshold": [], "precision": [], "recall": []}
    precision, recall, thresholds = precision_recall_curve(truth, scores)
    return {"threshold": [float(x) for x in thresholds],
            "precision": [float(x) for x in precision[:-1]],
            "recall": [float(x) for x in recall[:-1]]}


def alerts_per_agent_hour(max_escalation: Sequence[float], durations_s: Sequence[float],
                          thresholds: Sequence[float]) -> list[float]:
    """Alerts each threshold would have raised per agent-hour on calls (at most one alert
    per call: the call's peak turn escalation probability reaching the threshold). Agent
    hours are the summed call durations."""
    hours = float(np.sum(durations_s)) / 3600.0
    if hours <= 0:
        return [0.0 for _ in thresholds]
    peaks = np.sort(np.asarray(max_escalation, dtype=float))
    return [float(len(peaks) - np.searchsorted(peaks, th, side="left")) / hours
            for th in thresholds]
