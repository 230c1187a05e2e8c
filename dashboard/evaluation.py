"""Model comparisons and the threshold view, as plain functions over models.* (the model
page caches their results)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
from sklearn.metrics import precision_recall_curve

from models.artifacts import load_model, read_card
from models.corpus import file_kind, iter_json_lines, parse_call, read_calls, read_turns
from models.errors import ModelError
from models.training import TrainConfig, call_group, evaluate_file, split_calls


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
    calls = file_kind(path) == "calls"  # a call's turns are scored as the monitor reads them
    scores = [p.escalation for p in model.score(texts, speakers, explain=False, in_call=calls)]
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


# --- the held-out calls a version never trained on --------------------------------------------


@dataclass(frozen=True)
class HeldOutCalls:
    """A file of the calls a version's training held out, and what they are."""

    path: Path
    version: str
    calls: int
    groups: int  # writing batches (natural calls) or scenarios (composed calls)
    card_calls: int | None  # how many held-out calls the card's figures were measured on

    @property
    def as_trained(self) -> bool:
        """False when the rebuilt set differs in size from the card's: the data changed since
        training, so some of these calls may have been trained on."""
        return self.card_calls is None or self.card_calls == self.calls


def heldout_calls(version_dir: Path, out_dir: Path) -> HeldOutCalls | None:
    """The labelled calls ``version_dir``'s training held out, as ``models.training.split_calls``
    chose them from the data paths and split settings (seed, share) on its model card, written
    once to ``out_dir/heldout-calls-<version>.jsonl`` (the lines as in the corpus). These are
    the calls behind the card's held-out figures, the file `floorlight evaluate` reproduces
    them from. None when the card's call data is no longer there."""
    card = read_card(Path(version_dir))
    version = str(card["version"])
    target = Path(out_dir) / f"heldout-calls-{version}.jsonl"
    if not target.is_file():
        held = _split_heldout(card)
        if not held:
            return None
        _write_lines(target, held)
    objects = [obj for _where, obj in iter_json_lines(target)]
    groups = {call_group(parse_call(obj, str(target))) for obj in objects}
    counted = card.get("metrics", {}).get("heldout_calls", {}).get("overall", {}).get("calls")
    return HeldOutCalls(target, version, len(objects), len(groups),
                        counted if isinstance(counted, int) else None)


def _split_heldout(card: dict) -> list[dict]:
    raw: dict[int, dict] = {}
    calls = []
    try:
        for where, obj in _call_objects(card.get("data", {}).get("paths") or []):
            call = parse_call(obj, where)
            raw[id(call)] = obj
            calls.append(call)
        _train, held = split_calls(calls, _train_config(card.get("config") or {}))
    except ModelError:  # data moved, changed or too small since training: no split to redo
        return []
    return [raw[id(call)] for call in held]


def _call_objects(paths: Sequence[str]) -> Iterator[tuple[str, object]]:
    """Every call object in the call files under ``paths`` (as ``read_corpus`` finds them)."""
    for name in paths:
        path = Path(name)
        files = sorted(path.rglob("*.jsonl")) if path.is_dir() else [path]
        for file in files:
            if not file.is_file():
                raise ModelError(f"{file}: no such file")
            if file_kind(file) == "calls":
                yield from iter_json_lines(file)


def _train_config(saved: dict) -> TrainConfig:
    known = {f.name for f in fields(TrainConfig)}
    return TrainConfig(**{k: v for k, v in saved.items() if k in known})


def _write_lines(target: Path, objects: Sequence[dict]) -> None:
    """Atomically, so two sessions opening the page at once never read half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".heldout-", suffix=".tmp", dir=target.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.writelines(json.dumps(obj, ensure_ascii=False) + "\n" for obj in objects)
    os.replace(tmp, target)


def trained_on(path: Path, card: dict) -> bool:
    """True when ``path`` is one of the card's training data paths or lies under one (its
    figures are then, at least in part, on data the version learnt from)."""
    path = Path(path).resolve()
    for name in card.get("data", {}).get("paths") or []:
        root = Path(name).resolve()
        if path == root or root in path.parents:
            return True
    return False
