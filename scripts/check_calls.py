"""Check hand-written natural call files: `python scripts/check_calls.py [FILE|DIR ...]`
(default: data/calls/natural). Prints every problem and exits 1 when there is any."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.call_checks import check_files
from models.errors import ModelError

DEFAULT = Path(__file__).resolve().parents[1] / "data" / "calls" / "natural"


def main(args: list[str]) -> int:
    roots = [Path(a) for a in args] or [DEFAULT]
    files = sorted(f for r in roots for f in ([r] if r.is_file() else r.rglob("*.jsonl")))
    try:
        problems = check_files(files)
    except ModelError as err:
        print(err)
        return 1
    for line in problems:
        print(line)
    print(f"{len(files)} files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
