"""Draw the turns for the blind second labelling pass: for every writing batch of the given
natural call files, enough random turns that the batch's earlier tasks plus these reach 10%
of its turns (rounded up), written as unlabelled calls with the turn indices to label.

`python scripts/blind_sample.py OUT.jsonl FILE.jsonl ... [--done data/agreement/blind*.jsonl]`

The first rounds drew each turn with probability 10%, which left most batches a little under
10% (3,765 of 41,469 turns); drawing an exact count per batch, on top of what is already
drawn, fixes that and serves new batches the same way."""

from __future__ import annotations

import argparse
import json
import math
import random
from pathlib import Path

SHARE = 0.10
SEED = 12


def batch_of(call_id: str) -> str:
    return call_id.rsplit("-", 1)[0]


def already_drawn(task_files: list[Path]) -> set[tuple[str, int]]:
    drawn = set()
    for path in task_files:
        for line in path.read_text(encoding="utf-8").splitlines():
            task = json.loads(line)
            drawn.update((task["call_id"], i) for i in task["label"])
    return drawn


def draw(calls: list[dict], drawn: set[tuple[str, int]]) -> dict[str, list[int]]:
    """call_id -> the new turn indices, batch by batch, so each batch reaches SHARE."""
    batches: dict[str, list[tuple[str, int]]] = {}
    for call in calls:
        for i in range(len(call["utterances"])):
            batches.setdefault(batch_of(call["call_id"]), []).append((call["call_id"], i))
    picked: dict[str, list[int]] = {}
    for batch, turns in sorted(batches.items()):
        need = math.ceil(SHARE * len(turns)) - sum(t in drawn for t in turns)
        free = [t for t in turns if t not in drawn]
        for call_id, i in random.Random(f"{SEED}:{batch}").sample(free, max(0, need)):
            picked.setdefault(call_id, []).append(i)
    return picked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--done", type=Path, nargs="*", default=[],
                        help="earlier task files whose turns count towards the share")
    args = parser.parse_args()
    calls = [json.loads(line) for path in sorted(args.files)
             for line in path.read_text(encoding="utf-8").splitlines()]
    picked = draw(calls, already_drawn(args.done))
    tasks = [{"call_id": c["call_id"], "lang": c["lang"], "label": sorted(picked[c["call_id"]]),
              "utterances": [{"i": i, "speaker": u["speaker"], "text": u["text"]}
                             for i, u in enumerate(c["utterances"])]}
             for c in calls if c["call_id"] in picked]
    args.out.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tasks),
                        encoding="utf-8")
    print(f"{sum(len(t['label']) for t in tasks)} turns in {len(tasks)} calls -> {args.out}")


if __name__ == "__main__":
    main()
