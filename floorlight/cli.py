"""The ``floorlight`` console command: one entry point, subcommands discovered from
:mod:`floorlight.commands`."""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys

from floorlight import __version__, commands
from floorlight.commands._common import ROOTS, fail
from floorlight.lean import COMMANDS as LEAN_COMMANDS
from floorlight.lean import refuse_unused_libraries


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """All subcommands, or only the one ``argv`` names (so a command does not pay for the
    imports of every other one at startup)."""
    parser = argparse.ArgumentParser(
        prog="floorlight",
        description="Real-time call-quality monitoring for contact-center floors.",
    )
    parser.add_argument("--version", action="version", version=f"floorlight {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = sorted(m.name for m in pkgutil.iter_modules(commands.__path__)
                   if not m.name.startswith("_"))
    wanted = command_of(argv or [])
    for name in [wanted] if wanted in names else names:
        try:
            module = importlib.import_module(f"{commands.__name__}.{name}")
        except ImportError as err:  # one broken command must not take the others down
            _register_broken(subparsers, name, err)
            continue
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def command_of(argv: list[str]) -> str | None:
    """The subcommand ``argv`` names (its first word that is not an option), if any."""
    return next((a for a in argv if not a.startswith("-")), None)


def _register_broken(subparsers: argparse._SubParsersAction, name: str,
                     err: ImportError) -> None:
    parser = subparsers.add_parser(name, help=f"(unavailable: {err})")
    parser.add_argument("rest", nargs=argparse.REMAINDER)

    def unavailable(_args: argparse.Namespace) -> int:
        print(f"floorlight {name}: unavailable here: {err}", file=sys.stderr)
        return 2

    parser.set_defaults(func=unavailable)


def main(argv: list[str] | None = None) -> int:
    """Run one command line; ``argv=None`` means this process's own (the console script,
    ``python -m floorlight``)."""
    if argv is None:
        argv = sys.argv[1:]
        # Keep pandas and pytest out (floorlight/lean.py), before the command's imports reach
        # scikit-learn; only for the process's own command line: tests call main([...])
        # in-process, and import the dashboard later.
        if command_of(argv) in LEAN_COMMANDS:
            refuse_unused_libraries()
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ROOTS as err:  # the one boundary where our errors become a message
        return fail(str(err))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
