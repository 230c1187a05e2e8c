"""The hand-written redaction test set (data/redaction/, see data/README.md) and how it is
scored; used by tests/monitor/test_redaction_set.py (thresholds) and
benchmarks/redaction_quality.py (the report).

Per language:
- recall: PII spans redacted / PII spans labelled. A span counts as redacted when every
  letter and digit in it lies inside a redacted span (a redaction may reach further);
- false-redaction rate: trap lines (no PII) changed / trap lines;
- stray: PII lines where something outside the labelled spans was also redacted.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from monitor.redact import redact

ROOT = Path(__file__).resolve().parents[2]
SET_DIR = ROOT / "data" / "redaction"
LANGS = ("en", "zh-Hant", "zh-Hans")


@dataclass
class Score:
    spans: int = 0
    spans_redacted: int = 0
    traps: int = 0
    traps_changed: int = 0
    pii_lines: int = 0
    stray: int = 0
    misses: list[str] = field(default_factory=list)
    by_kind: Counter = field(default_factory=Counter)
    by_kind_hit: Counter = field(default_factory=Counter)

    @property
    def recall(self) -> float:
        return self.spans_redacted / self.spans if self.spans else 1.0

    @property
    def false_rate(self) -> float:
        return self.traps_changed / self.traps if self.traps else 0.0

    def as_dict(self) -> dict:
        return {"pii_lines": self.pii_lines, "spans": self.spans,
                "recall": round(self.recall, 4), "trap_lines": self.traps,
                "false_redaction_rate": round(self.false_rate, 4),
                "pii_lines_with_stray_redaction": self.stray,
                "recall_by_kind": {k: round(self.by_kind_hit[k] / n, 4)
                                   for k, n in sorted(self.by_kind.items())}}


PARTS = ("main", "heldout")  # heldout: written after the rules were set (data/README.md)


def load(lang: str, part: str = "main") -> list[dict]:
    path = SET_DIR / f"{lang}.jsonl" if part == "main" else SET_DIR / part / f"{lang}.jsonl"
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _covered(start: int, end: int, text: str, hits: tuple[tuple[int, int, str], ...]) -> bool:
    inside = {i for s, e, _ in hits for i in range(s, e)}
    return all(i in inside for i in range(start, end) if text[i].isalnum())


def _occurrences(text: str, span: str) -> list[int]:
    found, at = [], text.find(span)
    while at >= 0:
        found.append(at)
        at = text.find(span, at + 1)
    return found


def score(rows: list[dict]) -> Score:
    result = Score()
    for row in rows:
        text = row["text"]
        out = redact(text)
        if row["kind"] == "trap":
            result.traps += 1
            if out.text != text:
                result.traps_changed += 1
                result.misses.append(f"changed trap: {text!r} -> {out.text!r}")
            continue
        result.pii_lines += 1
        labelled: set[int] = set()
        for span, kind in row["pii"].items():
            for start in _occurrences(text, span):
                labelled.update(range(start, start + len(span)))
                result.spans += 1
                result.by_kind[kind] += 1
                if _covered(start, start + len(span), text, out.spans):
                    result.spans_redacted += 1
                    result.by_kind_hit[kind] += 1
                else:
                    result.misses.append(f"missed {kind}: {span!r} in {text!r} -> {out.text!r}")
        if any(not labelled.intersection(range(s, e)) for s, e, _ in out.spans):
            result.stray += 1
            result.misses.append(f"stray: {text!r} -> {out.text!r}")
    return result


def evaluate(part: str = "main") -> dict[str, Score]:
    scores = {lang: score(load(lang, part)) for lang in LANGS}
    scores["all"] = score([row for lang in LANGS for row in load(lang, part)])
    return scores
