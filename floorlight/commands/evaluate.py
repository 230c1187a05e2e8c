"""``floorlight evaluate``: metrics for a labelled utterance or call file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from floorlight.commands._common import add_model_argument, open_model, run_guarded
from models.corpus import CUES, SENTIMENTS, read_calls
from models.training import call_frontier, evaluate_file


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="per-class / per-language metrics for a labelled utterance or call file"
    )
    add_model_argument(parser)
    parser.add_argument("input", type=Path, metavar="FILE.jsonl")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    parser.add_argument("--frontier", action="store_true",
                        help="for a call file, also the best on-time rate any setting of the "
                        "tracker's thresholds reaches at each false-alert budget (slower)")
    parser.set_defaults(func=lambda args: run_guarded(_run, args))


def _run(args: argparse.Namespace) -> int:
    model = open_model(args.model)
    kind, metrics = evaluate_file(model, args.input)
    if args.frontier and kind == "calls":
        metrics["frontier"] = call_frontier(model.classifier, model.tracker,
                                            read_calls(args.input))
    if args.json:
        print(json.dumps({"kind": kind, "model": model.version, **metrics}, indent=2))
    elif kind == "calls":
        print(render_calls(metrics))
    else:
        print(render_utterances(metrics))
    return 0


def render_utterances(m: dict) -> str:
    lines = [f"{'':<12}{'n':>6}{'sent-F1':>9}{'esc-F1':>8}{'cue-F1':>8}"]
    for name, block in {"all": m["overall"], **m["per_language"]}.items():
        lines.append(f"{name:<12}{block['n']:>6}{block['sentiment_macro_f1']:>9.3f}"
                     f"{block['escalation_f1']:>8.3f}{block['cue_macro_f1']:>8.3f}")
    for head, labels in (("sentiment", SENTIMENTS), ("cue", CUES)):
        lines += ["", f"{head:<24}{'prec':>7}{'rec':>7}{'f1':>7}{'n':>6}"]
        for label in labels:
            c = m["overall"][head][label]
            lines.append(f"  {label:<22}{c['precision']:>7.3f}{c['recall']:>7.3f}"
                         f"{c['f1']:>7.3f}{c['support']:>6}")
        conf = m["overall"]["confusion"][head]
        width = max(len(x) for x in conf["labels"]) + 2
        short = [x[:6] for x in conf["labels"]]
        lines += ["", f"confusion ({head}: rows truth, columns predicted)",
                  " " * width + "".join(f"{s:>7}" for s in short)]
        for label, row in zip(conf["labels"], conf["matrix"], strict=True):
            lines.append(f"{label:<{width}}" + "".join(f"{v:>7}" for v in row))
    return "\n".join(lines)


def render_calls(m: dict) -> str:
    """Whole calls per language and per type, then the in-call turn scores, then which part
    missed each late or missed escalation."""
    lines = [f"{'':<18}{'calls':>6}{'esc':>5}{'on-time':>9}{'any-time':>9}{'false':>8}"
             f"{'f-rate':>8}{'median lead':>12}"]
    groups = {"all": m["overall"], **m["per_language"], **m.get("per_type", {})}
    for name, b in groups.items():
        lines.append(f"{name:<18}{b['calls']:>6}{b['escalated']:>5}"
                     f"{_rate(b['on_time_rate']):>9}{_rate(b['any_time_rate']):>9}"
                     f"{b['false_alerts']:>4}/{b['not_escalated']:<3}"
                     f"{_rate(b['false_alert_rate']):>8}{_num(b['median_lead_turns']):>12}")
    turns = m.get("turns")
    if turns:
        lines += ["", f"{'turns in calls':<18}{'n':>6}{'sent-F1':>9}{'esc-F1':>8}{'cue-F1':>8}"]
        for name, b in {"all": turns["overall"], **turns["per_language"]}.items():
            lines.append(f"{name:<18}{b['n']:>6}{b['sentiment_macro_f1']:>9.3f}"
                         f"{b['escalation_f1']:>8.3f}{b['cue_macro_f1']:>8.3f}")
    if m.get("frontier"):
        lines += ["", "best on time at a false-alert budget, over every setting of the tracker's",
                  "thresholds (a diagnostic: the model's own thresholds are unchanged):"]
        lines += [f"  {budget:>6.1%}  {_rate(rate)}" for budget, rate in m["frontier"].items()]
    misses = m.get("misses") or []
    if misses:
        lines += ["", "late or missed escalations (missed by):"]
        lines += [f"  {x['call_id']} [{x['lang']}, {x['type'] or '-'}] alert "
                  f"{_num(x['alert_index'])} vs first cue {x['first_cue_index']}: "
                  f"{x['missed_by']} ({x['detail']})" for x in misses]
    return "\n".join(lines)


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"
