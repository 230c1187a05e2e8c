"""``floorlight ingest [--db URL] FILE|-``: import call events (JSON Lines) in batches, through
the same pipeline as the live monitor, with a progress bar."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from typing import BinaryIO

from tqdm import tqdm

from floorlight.commands._common import fail
from floorlight.commands._monitoring import add_store_arguments, setup
from monitor.app import import_events
from monitor.engine import Incoming
from store.db import redact_url
from store.errors import StoreError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("ingest", help="batch-import call events from a file")
    parser.add_argument("input", metavar="FILE|-", help="call events, one JSON object a line")
    add_store_arguments(parser)
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        model, lexicon, config, db_url = setup(args)
        stream = sys.stdin.buffer if args.input == "-" else open(args.input, "rb")  # noqa: SIM115
    except OSError as err:
        return fail(f"{args.input}: {err.strerror}")
    total = None if args.input == "-" else os.fstat(stream.fileno()).st_size
    name = "stdin" if args.input == "-" else args.input
    with stream, tqdm(total=total, unit="B", unit_scale=True, desc="ingest",
                      disable=None, file=sys.stderr) as bar:
        try:
            report = import_events(model, lexicon, config, db_url, _lines(stream, name, bar))
        except StoreError as err:
            return fail(str(err))
    print(f"imported {report.events:,} events ({report.turns:,} turns scored, "
          f"{report.calls_ended:,} calls ended) into {redact_url(db_url)}; "
          f"{report.dead_letters:,} dead letters, {report.duplicates:,} duplicates ignored")
    return 0


def _lines(stream: BinaryIO, name: str, bar: tqdm) -> Iterator[Incoming]:
    for number, line in enumerate(stream, 1):
        bar.update(len(line))
        if line.strip():
            yield Incoming(f"{name}:{number}", line)
