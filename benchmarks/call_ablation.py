"""Which training data and which in-call stages help on held-out natural calls?

Trains on one fixed split (natural calls held out by writing batch, as `floorlight train`
does) with each data variant, and for each one compares the tracker with and without the
in-call context stage. Prints one table row per variant. Takes several minutes.

    .venv/bin/python benchmarks/call_ablation.py [--variants full,no_composed,...]
        [--held-out-upto en=52,zh-Hant=42,zh-Hans=42] [--tracker '{"false_alert_cost": 4}']

``--held-out-upto`` ranks the held-out batches among each language's batches up to that
number only, so batches written later only train and a data change is measured on the same
held-out calls as before it (the fourth round's comparisons in data/README.md).
"""

from __future__ import annotations

import argparse
import json
import re
import time
from dataclasses import replace
from pathlib import Path

from models.augment import augment
from models.corpus import Call, read_corpus
from models.lexicon import load_lexicon
from models.tracker import CallRiskTracker
from models.training import (
    TrainConfig,
    _texts,
    call_group,
    call_turn_rows,
    dedupe,
    evaluate_calls_with,
    fit_classifiers,
    fit_context,
    heldout_batches,
    is_natural,
    no_cue,
    review_turns,
    split_calls,
    split_turns,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = [ROOT / "data" / "corpus" / "handwritten", ROOT / "data" / "calls" / "calls.jsonl",
        ROOT / "data" / "calls" / "natural"]
VARIANTS = {
    "full": {},
    "no_composed": {"composed_calls": False},
    "no_standalone": {"standalone": False},
    "natural_only": {"composed_calls": False, "standalone": False},
    "no_reviews": {"review_sentences": 0},
}


def run(name: str, options: dict, upto: dict[str, int] | None = None,
        tracker_options: dict | None = None) -> list[str]:
    standalone = options.pop("standalone", True)
    config = replace(TrainConfig(), **options)
    turns, calls = read_corpus(DATA)
    lex = load_lexicon([ROOT / "data" / "lexicon" / "qa_lexicon.tsv"])
    turns = dedupe([t for t in turns if t.sentiment is not None])
    train_turns, test_turns = split_turns(turns, config)
    held = fixed_heldout(calls, config, upto) if upto else None
    train_calls, test_calls = split_calls(calls, config, held)
    rows = list(train_turns) + augment(train_turns, seed=config.seed) if standalone else []
    held_out = _texts(test_turns) | _texts(t for c in test_calls for t in c.turns)
    reviews = review_turns(config.review_sentences, config.seed)
    started = time.perf_counter()
    classifier, inputs = fit_classifiers(rows, call_turn_rows(train_calls, held_out, config),
                                         reviews, train_calls, lex, config)
    out = []
    for use_context in (False, True):
        context = fit_context(train_calls, inputs, lex) if use_context else None
        tracker = CallRiskTracker(lexicon_entries=lex.entries, context=context,
                                  **(tracker_options or {}))
        tracker.fit(inputs, no_cue(train_calls))
        m = evaluate_calls_with(classifier, tracker, test_calls)
        out.append(_row(f"{name}{' +context' if use_context else ''}", m, tracker))
    seconds = time.perf_counter() - started
    natural = sum(is_natural(c) for c in train_calls)
    out.append(f"    ({len(rows)} stand-alone rows, {natural} natural + "
               f"{len(train_calls) - natural} composed training calls, {seconds:.0f} s)")
    return out


def fixed_heldout(calls: list[Call], config: TrainConfig, upto: dict[str, int]) -> set[str]:
    """The held-out batches ranked among each language's batches numbered up to
    ``upto[lang]`` only: batches written later always train."""
    natural = [c for c in calls if is_natural(c) and c.escalated is not None and c.turns]
    return heldout_batches([c for c in natural if _number(c) <= upto.get(c.lang, 0)], config)


def _number(call: Call) -> int:
    found = re.search(r"-b(\d+)$", call_group(call))
    return int(found.group(1)) if found else 0


def _row(name: str, m: dict, tracker: CallRiskTracker) -> str:
    o, t = m["overall"], m["turns"]["overall"]
    langs = " ".join(f"{k}:{v['on_time_rate']:.2f}/{v['false_alert_rate']:.2f}"
                     for k, v in m["per_language"].items())
    slow = m.get("per_type", {}).get("slowburn", {}).get("median_lead_turns")
    sent_only = m.get("per_type", {}).get("sentiment_only", {}).get("on_time_rate")
    th = tracker.thresholds_
    return (f"{name:<26} on-time {o['on_time_rate']:.3f} any {o['any_time_rate']:.3f} "
            f"false {o['false_alert_rate']:.3f} slow-lead {slow} sent-only {sent_only} | "
            f"turn sent {t['sentiment_macro_f1']:.3f} esc {t['escalation_f1']:.3f} "
            f"cue {t['cue_macro_f1']:.3f} | {langs} | cue>={th['cue_alert']} "
            f"risk>={th['alert_in']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--held-out-upto", default="",
                        help="lang=N,...: rank held-out batches among batches up to N only")
    parser.add_argument("--tracker", default="{}", help="tracker options as JSON")
    args = parser.parse_args()
    upto = {k: int(v) for k, v in (p.split("=") for p in args.held_out_upto.split(",") if p)}
    for name in args.variants.split(","):
        for line in run(name, dict(VARIANTS[name]), upto, json.loads(args.tracker)):
            print(line, flush=True)


if __name__ == "__main__":
    main()
