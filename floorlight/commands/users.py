"""``floorlight users``: the dashboard's local accounts (add, list, passwd, remove), and the
first run's admin account (:func:`announce_first_admin`, used by ``dashboard`` and ``up``).

Passwords are read from standard input when it is not a terminal (one line, for scripts:
``printf '%s\\n' "$PW" | floorlight users add mei --role supervisor``), else asked twice
without echo; never from the command line, which every user of the machine can read."""

from __future__ import annotations

import argparse
import getpass
import sys

from floorlight import settings
from floorlight.commands._common import fail, run_guarded
from floorlight.credentials import add_url_arguments
from store.access import ROLES, Actor
from store.errors import StoreError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("users", help="the dashboard's local accounts")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="a new account (password from stdin or a prompt)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    listing = actions.add_parser("list", help="every account and its role")
    passwd = actions.add_parser("passwd", help="set an account's password")
    passwd.add_argument("name")
    remove = actions.add_parser("remove", help="delete an account")
    remove.add_argument("name")
    for action in (add, listing, passwd, remove):
        add_url_arguments(action, "db", help="store URL (default: $FLOORLIGHT_DB or the "
                          "SQLite file in $FLOORLIGHT_HOME)")
    parser.set_defaults(func=lambda args: run_guarded(_run, args))


def cli_actor() -> Actor:
    # whoever can reach the store with its credentials is its administrator
    return Actor(f"cli:{getpass.getuser()}", "admin")


def read_password(stdin=None) -> str:
    """One line from ``stdin`` when it is not a terminal; else asked twice, without echo."""
    stdin = stdin or sys.stdin
    if not stdin.isatty():
        password = stdin.readline().rstrip("\r\n")
        if not password:
            raise StoreError("no password on standard input")
        return password
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise StoreError("the two passwords differ")
    return first


def _run(args: argparse.Namespace) -> int:
    from store.db import open_store
    from store.users import add_user, list_users, remove_user, set_password

    engine = open_store(args.db or settings.default_db_url())
    try:
        if args.action == "add":
            user = add_user(engine, args.name, args.role, read_password(), cli_actor())
            print(f"added {user.name} ({user.role})")
        elif args.action == "list":
            for user in list_users(engine):
                how = "password" if user.has_password else "identity provider"
                print(f"{user.name}\t{user.role}\t{how}\t{user.created_at:%Y-%m-%d}")
        elif args.action == "passwd":
            set_password(engine, args.name, read_password(), cli_actor())
            print(f"password of {args.name} changed")
        else:
            remove_user(engine, args.name, cli_actor())
            print(f"removed {args.name}")
    finally:
        engine.dispose()
    return 0


def announce_first_admin(db_url: str) -> None:
    """On a store without accounts: make ``admin`` with a one-time random password and print
    it once (as notebook servers print a token). Nothing when accounts exist already."""
    from sqlalchemy.exc import SQLAlchemyError

    from store.db import current_revision, head_revision, open_store
    from store.queries import sqlite_path
    from store.users import ensure_first_admin, first_run_notice

    path = sqlite_path(db_url)
    if path is not None and not path.exists():
        return  # no store yet (looking must not create it): the dashboard does it later
    try:
        engine = open_store(db_url, migrate=False)
    except StoreError:
        return  # the dashboard page says what is wrong with the store
    try:
        if current_revision(engine) != head_revision():
            return  # an older schema has no users table; the dashboard says to migrate
        password = ensure_first_admin(engine)
    except SQLAlchemyError as err:
        fail(f"cannot make the first account: {str(err).splitlines()[0]}")
        return
    finally:
        engine.dispose()
    if password is not None:
        print(first_run_notice(password), flush=True)
