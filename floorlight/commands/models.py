"""``floorlight models``: list, show, promote and roll back model versions."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from floorlight import settings
from floorlight.commands._common import run_guarded
from floorlight.commands.train import summary
from models.artifacts import list_versions, promote, read_card, resolve, rollback


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("models", help="list, show, promote or roll back models")
    parser.add_argument("--registry", type=Path, default=None,
                        help="model registry (default: $FLOORLIGHT_HOME/models)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="every version, the promoted one marked")
    show = actions.add_parser("show", help="a version's model card")
    show.add_argument("version", nargs="?", help="default: the promoted version")
    show.add_argument("--json", action="store_true")
    prom = actions.add_parser("promote", help="make a version the one every command uses")
    prom.add_argument("version")
    actions.add_parser("rollback", help="go back to the previously promoted version")
    parser.set_defaults(func=lambda args: run_guarded(_run, args))


def _run(args: argparse.Namespace) -> int:
    registry = args.registry or settings.models_dir()
    if args.action == "list":
        for v in list_versions(registry):
            esc = v.get("metrics", {}).get("heldout_utterances", {}).get("overall", {})
            print(f"{'*' if v['active'] else ' '} {v['version']}  {v.get('created', '')}  "
                  f"esc-F1 {esc.get('escalation_f1', float('nan')):.3f}  "
                  f"cue-F1 {esc.get('cue_macro_f1', float('nan')):.3f}")
    elif args.action == "show":
        card = read_card(registry / args.version if args.version else resolve(registry))
        print(json.dumps(card, indent=2, ensure_ascii=False) if args.json else summary(card))
    elif args.action == "promote":
        promote(registry, args.version, who="cli")
        print(f"promoted {args.version}")
    else:
        print(f"rolled back to {rollback(registry, who='cli')}")
    return 0
