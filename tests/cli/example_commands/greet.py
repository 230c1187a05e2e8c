"""A throwaway command for tests/cli/test_new_command.py: what adding a ``floorlight``
subcommand takes is one module like this where :mod:`floorlight.cli` looks for commands (the
test adds this folder to ``floorlight.commands.__path__``), with ``register(subparsers)``.

    floorlight greet NAME [--times N]

A name of ``nobody`` raises the store's root error, as a command that finds no such person
in the store would: the CLI, not the command, turns it into one line and exit 2."""

from __future__ import annotations

import argparse

from store.errors import StoreError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("greet", help="greet someone (an example command)")
    parser.add_argument("name")
    parser.add_argument("--times", type=int, default=1)
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if args.name == "nobody":
        raise StoreError("no one called 'nobody' in the store")
    for _ in range(args.times):
        print(f"hello, {args.name}")
    return 0
