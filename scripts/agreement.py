"""Agreement between the writers' labels and the blind second pass: Cohen's kappa for
sentiment and for cue, per language, and every disagreement listed.
`python scripts/agreement.py data/agreement/second_*.jsonl [-v]` (lines: {call_id, i,
sentiment, cue}); the tasks come from scripts/blind_sample.py."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

NATURAL = Path(__file__).resolve().parents[1] / "data" / "calls" / "natural"


def first_labels() -> dict[tuple[str, int], dict]:
    out = {}
    for path in NATURAL.rglob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            call = json.loads(line)
            for i, u in enumerate(call["utterances"]):
                out[(call["call_id"], i)] = {**u, "lang": call["lang"]}
    return out


def main(files: list[Path]) -> None:
    first = first_labels()
    pairs = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            turn = first.get((row["call_id"], row["i"]))
            if turn is not None:
                pairs.append((turn, row))
    print(f"{len(pairs)} turns labelled twice")
    for lang in (None, "en", "zh-Hant", "zh-Hans"):
        sel = [(a, b) for a, b in pairs if lang is None or a["lang"] == lang]
        if not sel:
            continue
        ks = cohen_kappa_score([a["sentiment"] for a, _ in sel], [b["sentiment"] for _, b in sel])
        kc = cohen_kappa_score([a["cue"] for a, _ in sel], [b["cue"] for _, b in sel])
        agree_s = sum(a["sentiment"] == b["sentiment"] for a, b in sel) / len(sel)
        agree_c = sum(a["cue"] == b["cue"] for a, b in sel) / len(sel)
        print(f"{lang or 'all':8} n={len(sel):5} sentiment kappa {ks:.3f} (agree {agree_s:.3f})"
              f"  cue kappa {kc:.3f} (agree {agree_c:.3f})")
    print("sentiment disagreements (first -> second):",
          Counter(f"{a['sentiment']}->{b['sentiment']}" for a, b in pairs
                  if a["sentiment"] != b["sentiment"]).most_common())
    print("cue disagreements (first -> second):",
          Counter(f"{a['cue']}->{b['cue']}" for a, b in pairs if a["cue"] != b["cue"])
          .most_common())
    if "-v" in sys.argv:
        for a, b in pairs:
            if a["cue"] != b["cue"] or a["sentiment"] != b["sentiment"]:
                print(f"  {b['call_id']}#{b['i']} {a['sentiment']}/{a['cue']} vs "
                      f"{b['sentiment']}/{b['cue']}: {a['text'][:120]}")


if __name__ == "__main__":
    main([Path(a) for a in sys.argv[1:] if a != "-v"])
