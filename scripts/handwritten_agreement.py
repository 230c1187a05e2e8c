"""The blind second pass over every hand-written stand-alone line, and its adjudication.

`python scripts/handwritten_agreement.py` reports Cohen's kappa between the first labels
(kept in data/agreement/handwritten_key.jsonl, as they were before adjudication) and the
blind second pass (standalone_second1.jsonl, handwritten_second*.jsonl), per language, per
speaker and per source file, and how the adjudication of the disagreements came out.
`--apply` writes the adjudicated labels into data/corpus/handwritten (idempotent: a line
already carrying its adjudicated label is left alone).

Task files (`standalone_blind1.jsonl`, `handwritten_blind*.jsonl`, `adjudicate*.jsonl`) hold
the text the annotators saw; the key files map their opaque ids to `<lang>/<file>:<line>`.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from functools import cache
from pathlib import Path

from sklearn.metrics import cohen_kappa_score, f1_score

ROOT = Path(__file__).resolve().parents[1] / "data"
AGREEMENT = ROOT / "agreement"
HANDWRITTEN = ROOT / "corpus" / "handwritten"


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def pairs() -> list[tuple[dict, dict]]:
    """(first label with its `line`, second label) for every line labelled twice."""
    first = {row["id"]: row for row in _lines(AGREEMENT / "handwritten_key.jsonl")}
    seconds = [AGREEMENT / "standalone_second1.jsonl",
               *sorted(AGREEMENT.glob("handwritten_second*.jsonl"))]
    return [(first[row["id"]], row) for path in seconds for row in _lines(path)]


def _report(name: str, rows: list[tuple[dict, dict]]) -> None:
    a = [f["sentiment"] for f, _ in rows]
    b = [s["sentiment"] for _, s in rows]
    ca = [f["cue"] for f, _ in rows]
    cb = [s["cue"] for _, s in rows]
    agree = sum(x == y for x, y in zip(a, b, strict=True)) / len(rows)
    print(f"| {name} | {len(rows)} | {cohen_kappa_score(a, b):.3f} | {agree:.3f} | "
          f"{f1_score(a, b, average='macro'):.3f} | {cohen_kappa_score(ca, cb):.3f} |")


def report() -> None:
    rows = pairs()
    print("| lines | n | sentiment kappa | sentiment agreement | sentiment macro-F1 "
          "(second against first) | cue kappa |")
    print("|---|---|---|---|---|---|")
    _report("all", rows)
    for lang in ("en", "zh-Hant", "zh-Hans"):
        _report(lang, [r for r in rows if r[0]["line"].startswith(lang + "/")])
    for speaker in ("customer", "agent"):
        _report(speaker, [r for r in rows if _speaker(r[0]["line"]) == speaker])
    for name in sorted({r[0]["line"].split("/")[1].split(":")[0] for r in rows}):
        _report(name, [r for r in rows if f"/{name}:" in r[0]["line"]])
    print("sentiment first -> second:", Counter(
        f"{f['sentiment']}->{s['sentiment']}" for f, s in rows
        if f["sentiment"] != s["sentiment"]).most_common())
    print("cue first -> second:", Counter(
        f"{f['cue']}->{s['cue']}" for f, s in rows if f["cue"] != s["cue"]).most_common())
    outcome = Counter()
    for first, _second, final in adjudicated(rows):
        if final == (first["sentiment"], first["cue"]):
            outcome["first label kept"] += 1
        else:
            outcome["changed"] += 1
    print("adjudication:", dict(outcome))


def _speaker(line: str) -> str:
    return _speakers()[line]


@cache
def _speakers() -> dict[str, str]:
    """`<lang>/<file>:<line>` -> speaker, for every hand-written line."""
    return {f"{path.parent.name}/{path.name}:{n}": row["speaker"]
            for path in HANDWRITTEN.rglob("*.jsonl") for n, row in enumerate(_lines(path), 1)}


def adjudicated(rows: list[tuple[dict, dict]]) -> list[tuple[dict, dict, tuple[str, str]]]:
    """(first, second, adjudicated (sentiment, cue)) for every disagreement decided."""
    where = {row["id"]: row["line"] for row in _lines(AGREEMENT / "adjudicate_key.jsonl")}
    decided = {where[row["id"]]: (row["sentiment"], row["cue"])
               for path in sorted(AGREEMENT.glob("adjudicated*.jsonl")) for row in _lines(path)}
    return [(f, s, decided[f["line"]]) for f, s in rows if f["line"] in decided]


def apply() -> int:
    """Write the adjudicated labels into the corpus files; returns lines changed."""
    final = {first["line"]: label for first, _s, label in adjudicated(pairs())}
    changed = 0
    for path in sorted(HANDWRITTEN.rglob("*.jsonl")):
        ref = f"{path.parent.name}/{path.name}"
        rows = _lines(path)
        for n, row in enumerate(rows, 1):
            label = final.get(f"{ref}:{n}")
            if label and (row["sentiment"], row["cue"]) != label:
                row["sentiment"], row["cue"] = label
                changed += 1
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                        encoding="utf-8")
    return changed


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apply", action="store_true")
    if parser.parse_args().apply:
        print(f"{apply()} lines relabelled")
    else:
        report()
