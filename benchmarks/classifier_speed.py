"""Scoring speed of the utterance classifier on one core, side by side with public baselines
(VADER for English, snownlp for Chinese) on the same texts, plus peak memory of a scoring
process and training time on the full corpus.

    .venv/bin/python benchmarks/classifier_speed.py [--model DIR] [--train]

Prints a table and writes benchmarks/results/classifier_speed.json. Figures are rates and
ratios from one run on whatever machine runs it.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from floorlight import settings  # noqa: E402
from models.artifacts import load_model  # noqa: E402
from models.corpus import read_corpus  # noqa: E402


def sample_turns(n: int) -> list[tuple[str, str, str]]:
    turns, calls = read_corpus([ROOT / "data" / "corpus" / "handwritten", ROOT / "data" / "calls"])
    pool = [(t.text, t.speaker, t.lang) for t in turns]
    pool += [(t.text, t.speaker, c.lang) for c in calls for t in c.turns]
    rng = random.Random(1)
    return [rng.choice(pool) for _ in range(n)]


def rate(func, items: list, batch: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(items), batch):
        func(items[i : i + batch])
    return len(items) / (time.perf_counter() - start)


def latencies(func, items: list) -> np.ndarray:
    out = []
    for item in items:
        start = time.perf_counter()
        func([item])
        out.append(time.perf_counter() - start)
    return np.array(out) * 1000


def peak_scoring_memory_mb(model_dir: Path, turns: list) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        for text, speaker, _lang in turns:
            handle.write(json.dumps({"text": text, "speaker": speaker}, ensure_ascii=False) + "\n")
    subprocess.run([sys.executable, "-m", "floorlight", "score", "--model", str(model_dir),
                    handle.name], stdout=subprocess.DEVNULL, check=True, cwd=ROOT)
    os.unlink(handle.name)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def training_seconds() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "floorlight", "train", "--out", tmp],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=ROOT)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--turns", type=int, default=20_000)
    parser.add_argument("--train", action="store_true", help="also time a full training run")
    args = parser.parse_args()
    model_dir = args.model or settings.models_dir()
    turns = sample_turns(args.turns)
    # First, while this process is still small: Linux hands a child the parent's peak RSS
    # at fork, so measured later it would report this process's peak instead.
    peak_mb = peak_scoring_memory_mb(model_dir, turns)
    training = training_seconds() if args.train else None  # on both cores, as a user would
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    model = load_model(model_dir)
    pairs = [(t, s) for t, s, _ in turns]

    def score(batch, explain=True):
        model.score([t for t, _ in batch], [s for _, s in batch], explain=explain)

    model.score(["warm up"], ["customer"])
    results: dict = {"model": model.version, "turns": len(turns)}
    results["floorlight_batch_turns_per_s"] = rate(score, pairs, 1000)
    results["floorlight_batch_no_evidence_turns_per_s"] = rate(
        lambda b: score(b, explain=False), pairs, 1000)
    lat = latencies(score, pairs[:3000])
    results["floorlight_single_turn_ms"] = {"p50": float(np.percentile(lat, 50)),
                                            "p99": float(np.percentile(lat, 99))}
    results.update(baselines(turns))
    results["peak_scoring_process_mb"] = peak_mb
    if training is not None:
        results["training_seconds"] = training
    report(results)


def baselines(turns: list[tuple[str, str, str]]) -> dict:
    from snownlp import SnowNLP
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    english = [t for t, _, lang in turns if lang == "en"][:5000]
    chinese = [t for t, _, lang in turns if lang != "en"][:2000]
    vader = SentimentIntensityAnalyzer()
    return {
        "vader_en_turns_per_s": rate(
            lambda b: [vader.polarity_scores(x) for x in b], english, 1000),
        "snownlp_zh_turns_per_s": rate(
            lambda b: [SnowNLP(x).sentiments for x in b], chinese, 100),
    }


def report(results: dict) -> None:
    ours = results["floorlight_batch_turns_per_s"]
    results["ratio_vs_vader"] = ours / results["vader_en_turns_per_s"]
    results["ratio_vs_snownlp"] = ours / results["snownlp_zh_turns_per_s"]
    from models.training import library_versions  # here: the peak-memory child is long done

    results["libraries"] = library_versions()
    out_dir = ROOT / "benchmarks" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "classifier_speed.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
