"""Draw the turns for the blind second labelling pass: a random share of the turns of the
given natural call files (default 10%, fixed seed), written as unlabelled calls with the turn
indices to label. `python scripts/blind_sample.py OUT.jsonl FILE.jsonl ...`"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

SHARE = 0.10
SEED = 12


def main(out: Path, files: list[Path]) -> None:
    rng = random.Random(SEED)
    tasks = []
    for path in sorted(files):
        for line in path.read_text(encoding="utf-8").splitlines():
            call = json.loads(line)
            picked = [i for i in range(len(call["utterances"])) if rng.random() < SHARE]
            if picked:
                tasks.append({"call_id": call["call_id"], "lang": call["lang"], "label": picked,
                              "utterances": [{"i": i, "speaker": u["speaker"], "text": u["text"]}
                                             for i, u in enumerate(call["utterances"])]})
    out.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tasks),
                   encoding="utf-8")
    print(f"{sum(len(t['label']) for t in tasks)} turns in {len(tasks)} calls -> {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), [Path(a) for a in sys.argv[2:]])
