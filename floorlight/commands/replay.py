"""``floorlight replay``: run the call risk tracker over whole calls."""

from __future__ import annotations

import argparse
import sys

from floorlight.commands._common import add_model_argument, open_model, run_guarded
from floorlight.jsonl import dumps, open_input, read_lines
from models.artifacts import FloorlightModel
from models.corpus import Call, parse_call
from models.errors import ModelError
from models.tracker import first_alert


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "replay", help="replay calls through the risk tracker: states and risk after each turn"
    )
    add_model_argument(parser)
    parser.add_argument("input", metavar="CALLS.jsonl|-", help="calls ({call_id, utterances})")
    parser.set_defaults(func=lambda args: run_guarded(_run, args))


def _run(args: argparse.Namespace) -> int:
    model = open_model(args.model)
    errors = 0
    with open_input(args.input) as handle:
        for line in read_lines(handle):
            out = _replay_line(model, line.number, line.value, line.error)
            errors += "error" in out
            sys.stdout.write(dumps(out) + "\n")
    if errors:
        print(f"floorlight replay: {errors} calls had errors", file=sys.stderr)
    return 0


def _replay_line(model: FloorlightModel, number: int, value: object, error: str | None) -> dict:
    if error:
        return {"error": error, "line": number}
    try:
        call = parse_call(value, f"line {number}", labelled=False)
    except ModelError as err:
        return {"error": str(err), "line": number}
    try:
        return replay_call(model, call)
    except Exception as err:
        return {"error": f"line {number}: cannot replay this call ({type(err).__name__}: "
                         f"{str(err)[:200]})", "line": number, "call_id": call.call_id}


def replay_call(model: FloorlightModel, call: Call) -> dict:
    """The call turn by turn as the live monitor runs it: each turn scored, then read in the
    call so far by the tracker; ``turns`` holds each turn's prediction as the monitor stores
    it (the fields of ``score``'s ``prediction``)."""
    texts = [t.text for t in call.turns]
    speakers = [t.speaker for t in call.turns]
    predictions = model.score(texts, speakers, in_call=True) if call.turns else []
    steps = model.tracker.replay(speakers, texts, predictions)
    return {
        "call_id": call.call_id,
        "states": [s.state for s in steps],
        "risk": [s.risk for s in steps],
        "reasons": [s.reason for s in steps],
        "alert_index": first_alert(steps),
        "turns": [(s.prediction or p).as_dict() for s, p in zip(steps, predictions,
                                                                 strict=True)],
    }
