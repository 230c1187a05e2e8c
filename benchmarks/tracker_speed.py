"""The tracker's live path per in-call turn (the context stage reading the turn in its call,
then the risk update), for one or more models, on the same calls' predictions.

    .venv/bin/python benchmarks/tracker_speed.py [--model DIR ...] [--calls 300] [--rounds 3]

The classifier scores every turn once, outside the timing; each round then feeds the calls
through every model's tracker, models interleaved so machine noise falls on all of them.
Prints turns/s and ms a turn per model and round, and writes
benchmarks/results/tracker_speed.json.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.artifacts import load_model  # noqa: E402
from models.corpus import Call, read_corpus  # noqa: E402


def natural_calls(n: int) -> list[Call]:
    _turns, calls = read_corpus([ROOT / "data" / "calls" / "natural"])
    return calls[:n]


def one_round(model: object, calls: list[Call], predictions: list) -> float:
    """Seconds to feed every turn of ``calls`` through ``model``'s tracker."""
    pending = iter(predictions)
    started = time.perf_counter()
    for call in calls:
        state = model.tracker.new_call()
        for turn in call.turns:
            state.update(turn.speaker, next(pending), turn.text)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", nargs="+", default=[str(ROOT / "var" / "models")])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    calls = natural_calls(args.calls)
    turns = sum(len(c.turns) for c in calls)
    models = {path: load_model(Path(path)) for path in args.model}
    scored = {
        path: m.classifier.score_turns([t.text for c in calls for t in c.turns],
                                       [t.speaker for c in calls for t in c.turns],
                                       explain=False, in_call=True)
        for path, m in models.items()
    }
    results: dict[str, list[dict]] = {path: [] for path in models}
    for round_ in range(args.rounds):
        for path, model in models.items():
            seconds = one_round(model, calls, scored[path])
            row = {"turns_per_s": turns / seconds, "ms_per_turn": 1000 * seconds / turns}
            results[path].append(row)
            print(f"round {round_}  {model.version}  {row['turns_per_s']:8.0f} turns/s  "
                  f"{row['ms_per_turn']:.3f} ms a turn")
    out = ROOT / "benchmarks" / "results" / "tracker_speed.json"
    out.parent.mkdir(parents=True, exist_ok=True)  # results/ is not in the repository
    out.write_text(json.dumps({"calls": len(calls), "turns": turns, "runs": {
        models[p].version: r for p, r in results.items()}}, indent=2) + "\n")


if __name__ == "__main__":
    main()
