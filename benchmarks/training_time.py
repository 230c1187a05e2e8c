"""Wall time of one `floorlight train` on the bundled corpus, stage by stage.

    .venv/bin/python benchmarks/training_time.py [--out DIR]

Trains exactly as `floorlight train` does (same data, lexicon and settings) into a scratch
registry, and records when each stage the trainer reports began: reading, augmenting, the
classifiers (featurizing, the folds' heads, the full classifier's heads from the folds'
mean), evaluating held-out lines, the context stage, the tracker with the held-out calls,
saving. Prints each stage's seconds and writes benchmarks/results/training_time.json. Run
it on an otherwise idle machine: the figure is the machine's as much as the code's.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from floorlight.commands._common import default_lexicon  # noqa: E402
from floorlight.commands.train import default_data  # noqa: E402
from models.training import train  # noqa: E402


def timed_training(out: Path) -> list[tuple[str, float]]:
    """(stage, seconds it took) for one training run into ``out``."""
    marks: list[tuple[str, float]] = []
    started = time.perf_counter()

    def progress(step: str, _fraction: float) -> None:
        marks.append((step, time.perf_counter() - started))

    train(default_data(), out, lexicon=default_lexicon(), progress=progress)
    ends = [t for _step, t in marks[1:]] + [time.perf_counter() - started]
    return [(step, round(end - begin, 1))
            for (step, begin), end in zip(marks, ends, strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="registry to train into (default: a scratch one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        stages = timed_training(args.out or Path(scratch) / "models")
    total = round(sum(s for _step, s in stages), 1)
    for step, seconds in stages:
        print(f"{seconds:8.1f} s  {step}")
    print(f"{total:8.1f} s  all")
    out = ROOT / "benchmarks" / "results" / "training_time.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"stages": [{"step": s, "seconds": t} for s, t in stages],
                               "total_seconds": total, "machine": platform.machine(),
                               "python": platform.python_version()}, indent=2) + "\n")


if __name__ == "__main__":
    main()
