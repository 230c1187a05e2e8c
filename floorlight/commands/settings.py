"""``floorlight settings``: the site settings kept in the store, for admins (whoever can reach
the store with its credentials is its administrator, as for ``floorlight users``).

    floorlight settings list
    floorlight settings set agent-privacy on|off

Each change is an audit row with the name ``cli:<login>``; the dashboard's History page has
the same switch for admins."""

from __future__ import annotations

import argparse

from floorlight import settings
from floorlight.commands._common import run_guarded
from floorlight.commands.users import cli_actor
from floorlight.credentials import add_url_arguments

SETTINGS = ("agent-privacy",)  # the one setting so far; its values are on and off


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("settings", help="site settings (agents' privacy)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every setting, its value, who set it and when")
    change = actions.add_parser("set", help="change a setting (recorded in the audit log)")
    change.add_argument("name", choices=SETTINGS)
    change.add_argument("value", choices=("on", "off"))
    for action in (listing, change):
        add_url_arguments(action, "db", help="store URL (default: $FLOORLIGHT_DB or the "
                          "SQLite file in $FLOORLIGHT_HOME)")
    parser.set_defaults(func=lambda args: run_guarded(_run, args))


def _run(args: argparse.Namespace) -> int:
    from store.db import open_store
    from store.privacy import agent_privacy, set_agent_privacy

    engine = open_store(args.db or settings.default_db_url())
    try:
        if args.action == "set":
            set_agent_privacy(engine, args.value == "on", cli_actor())
            print(f"{args.name} = {args.value}")
        else:
            print(f"agent-privacy\t{'on' if agent_privacy(engine) else 'off'}\t"
                  f"{_changed(engine)}")
    finally:
        engine.dispose()
    return 0


def _changed(engine) -> str:
    from store.privacy import AGENT_PRIVACY
    from store.site_settings import changed

    last = changed(engine, AGENT_PRIVACY)
    return "never changed" if last is None else f"set {last[0]:%Y-%m-%d %H:%M} by {last[1]}"
