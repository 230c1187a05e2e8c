"""``floorlight up``: the embedded default in one command.

Trains the bundled model when no model is promoted yet, then sanity-checks it on the
hand-labelled development sample (never trained on). Later parts of the product (the live
floor, virtual lights, the dashboard) start from here too.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from floorlight import settings
from floorlight.commands._common import default_lexicon, run_guarded
from floorlight.commands.evaluate import render_calls, render_utterances
from floorlight.commands.train import default_data, summary
from models.artifacts import active_version, load_model
from models.training import TrainConfig, evaluate_file, train


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("up", help="run the product on its embedded default")
    parser.add_argument("--devset", type=Path, default=settings.REPO_ROOT.parent / "shared"
                        / "devset", help="development sample to sanity-check the model on")
    parser.set_defaults(func=lambda args: run_guarded(_run, args))


def ensure_model(registry: Path) -> Path:
    """The promoted model's registry, training the bundled default first if there is none."""
    if active_version(registry) is None:
        print(f"no promoted model in {registry}: training the bundled default …", flush=True)
        version = train(default_data(), registry, lexicon=default_lexicon(),
                        config=TrainConfig())
        import json

        print(summary(json.loads((version / "card.json").read_text())))
    return registry


def _run(args: argparse.Namespace) -> int:
    registry = ensure_model(settings.models_dir())
    model = load_model(registry)
    print(f"model {model.version} ({model.path})")
    for name in ("utterances.jsonl", "calls.jsonl"):
        path = args.devset / name
        if path.exists():
            kind, metrics = evaluate_file(model, path)
            print(f"\n== development sample: {path} ==")
            print(render_calls(metrics) if kind == "calls" else render_utterances(metrics))
    return 0
