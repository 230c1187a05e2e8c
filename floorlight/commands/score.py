"""``floorlight score``: add a prediction to every utterance line, in order."""

from __future__ import annotations

import argparse
import itertools
import sys

from floorlight.commands._common import add_model_argument, open_model, run_guarded
from floorlight.jsonl import Line, dumps, open_input, read_lines
from models.artifacts import FloorlightModel
from models.classifier import Prediction
from models.corpus import parse_turn
from models.errors import ModelError

BATCH = 1024


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "score", help="score utterances: one JSON line out per line in, with a prediction"
    )
    add_model_argument(parser)
    parser.add_argument("input", metavar="FILE.jsonl|-", help="utterances ({text, speaker})")
    parser.set_defaults(func=lambda args: run_guarded(_run, args))


def _run(args: argparse.Namespace) -> int:
    model = open_model(args.model)
    handle = open_input(args.input)
    errors = total = 0
    with handle:
        lines = read_lines(handle)
        while batch := list(itertools.islice(lines, BATCH)):
            for out in score_batch(model, batch):
                total += 1
                errors += "error" in out
                sys.stdout.write(dumps(out) + "\n")
    sys.stdout.flush()
    if errors:
        print(f"floorlight score: {errors} of {total} lines had errors", file=sys.stderr)
    return 0


def score_batch(model: FloorlightModel, batch: list[Line]) -> list[dict]:
    """The output objects for a batch of input lines, in input order."""
    outputs: list[dict] = []
    good: list[tuple[int, int, str, str]] = []  # (output index, line number, text, speaker)
    for line in batch:
        if line.error:
            outputs.append({"error": line.error, "line": line.number})
            continue
        try:
            turn = parse_turn(line.value, f"line {line.number}", labelled=False)
        except ModelError as err:
            outputs.append({"error": str(err), "line": line.number})
            continue
        outputs.append(dict(line.value))
        good.append((len(outputs) - 1, line.number, turn.text, turn.speaker))
    try:
        predictions = model.score([g[2] for g in good], [g[3] for g in good]) if good else []
    except Exception:
        predictions = [_score_one(model, text, speaker) for _i, _n, text, speaker in good]
    for (i, number, _text, _speaker), prediction in zip(good, predictions, strict=True):
        if isinstance(prediction, str):
            outputs[i] = {"error": f"line {number}: {prediction}", "line": number}
        else:
            outputs[i]["prediction"] = prediction.as_dict()
    return outputs


def _score_one(model: FloorlightModel, text: str, speaker: str) -> Prediction | str:
    try:
        return model.score([text], [speaker])[0]
    except Exception as err:
        return f"cannot score this turn ({type(err).__name__}: {str(err)[:200]})"
