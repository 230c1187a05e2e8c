"""``floorlight dashboard``: serve the supervisor dashboard (Streamlit) for a store."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess

from floorlight import settings
from floorlight.commands._common import fail
from floorlight.credentials import add_url_arguments


def register(subparsers: argparse._SubParsersAction) -> None:
    from dashboard.launch import DEFAULT_HOST, DEFAULT_PORT

    parser = subparsers.add_parser("dashboard", help="serve the supervisor dashboard")
    add_url_arguments(parser, "db", help="store URL (default: $FLOORLIGHT_DB or the SQLite "
                      "file in $FLOORLIGHT_HOME)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default: %(default)s")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to bind (default: %(default)s, this machine only)")
    parser.add_argument("--refresh", type=float, default=None,
                        help="live refresh interval in seconds (default 2)")
    parser.add_argument("--no-sign-in", dest="sign_in", action="store_false",
                        help="no sign-in: everyone who reaches the page is admin (only with a "
                        "local --host; also FLOORLIGHT_SIGN_IN=off)")
    parser.add_argument("--migrate", action="store_true",
                        help="bring an older store's schema up to date first (stop the "
                        "monitor while doing this on a shared store)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from dashboard.config import sign_in_enabled
    from dashboard.launch import command, environment
    from floorlight.commands.users import announce_first_admin
    from store.db import check_store, open_store, redact_url
    from store.errors import StoreError

    url = args.db or settings.default_db_url()
    try:
        check_store(url)
    except StoreError as err:
        return fail(str(err))
    if args.migrate:
        try:
            open_store(url).dispose()
        except StoreError as err:
            return fail(str(err))
        print(f"migrated {redact_url(url)}", flush=True)
    sign_in = args.sign_in and sign_in_enabled(os.environ)
    try:
        argv = command(args.port, args.host, refresh_s=args.refresh, sign_in=sign_in)
    except ValueError as err:
        return fail(str(err))
    print(f"dashboard: http://{args.host}:{args.port}/  (store {redact_url(url)})", flush=True)
    if sign_in:
        announce_first_admin(url)
    return serve(argv, environment(url, os.environ, settings.home_dir(), sign_in=sign_in))


def serve(argv: list[str], env: dict[str, str]) -> int:
    """Run the server; stopping this command (Ctrl-C, SIGTERM) stops the server too."""
    child = subprocess.Popen(argv, env=env)

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return child.wait()
    except KeyboardInterrupt:
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
