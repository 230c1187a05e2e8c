"""PII redaction quality on the hand-written test set in data/redaction/ (see data/README.md).

    .venv/bin/python benchmarks/redaction_quality.py [--misses]

Prints recall (PII spans redacted), false-redaction rate (trap lines changed) and stray
redactions per language (definitions: tests/monitor/redaction_set.py), and writes
benchmarks/results/redaction_quality.json; ``--misses`` lists every missed span and changed
trap line. tests/monitor/test_redaction_set.py runs the same scoring in CI with thresholds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.monitor.redaction_set import PARTS, evaluate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args()
    results = {}
    for part in PARTS:
        scores = evaluate(part)
        results[part] = {k: v.as_dict() for k, v in scores.items()}
        print(f"{part:8s} {'PII lines':>9s} {'spans':>6s} {'recall':>7s} {'traps':>6s} "
              f"{'false':>6s} {'stray':>6s}")
        for lang, s in scores.items():
            print(f"{lang:8s} {s.pii_lines:9d} {s.spans:6d} {s.recall:7.3f} {s.traps:6d} "
                  f"{s.false_rate:6.3f} {s.stray:6d}")
            if args.misses and lang != "all":
                for miss in s.misses:
                    print("   ", miss)
    out = ROOT / "benchmarks" / "results" / "redaction_quality.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
