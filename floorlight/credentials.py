"""Store and broker URLs, which may carry a password, on the command line: every user of the
machine reads a process's command line (``ps``, /proc/<pid>/cmdline), so a URL with a
password is refused there. It comes from the environment (``FLOORLIGHT_DB``,
``FLOORLIGHT_MQTT``, read by :mod:`floorlight.settings`) or from a file only its owner can
read (``--db-file PATH``, ``--mqtt-file PATH``, mode 0600). Child processes get it through
their environment (:func:`child_environment`), never their arguments."""

from __future__ import annotations

import argparse
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

ENVIRONMENT = {"db": "FLOORLIGHT_DB", "mqtt": "FLOORLIGHT_MQTT"}
_PASSWORD_KEYS = {"password", "passwd", "pwd", "pass"}  # libpq / driver query parameters


def has_password(url: str) -> bool:
    """True when ``url`` holds a password: ``scheme://user:pw@host`` or a query parameter
    such as ``?password=`` (PostgreSQL drivers accept both)."""
    parts = urlsplit(url.strip())
    if "@" in parts.netloc and ":" in parts.netloc.rsplit("@", 1)[0]:
        return True
    return any(key.lower() in _PASSWORD_KEYS
               for key, _value in parse_qsl(parts.query, keep_blank_values=True))


def _hint(name: str) -> str:
    return (f"put it in ${ENVIRONMENT[name]}, or in a file only you can read and pass "
            f"--{name}-file PATH (chmod 600 PATH)")


def url_argument(name: str):
    """The argparse ``type`` of ``--db`` / ``--mqtt``: a URL without a password."""

    def check(url: str) -> str:
        if has_password(url):
            raise argparse.ArgumentTypeError(
                "this URL holds a password, and a command line is visible to every user of "
                f"the machine (ps); {_hint(name)}")
        return url

    check.__name__ = "URL"  # argparse names the type in its messages
    return check


def exposed(path: Path) -> str | None:
    """Why ``path`` may not hold a password (group or others may read or write it), with the
    fix; None when only its owner may. The rule for every file with a secret in it."""
    mode = path.stat().st_mode
    if mode & 0o077:
        return (f"{path}: mode {stat.S_IMODE(mode):04o} lets other users read it; a file that "
                f"holds a password must be readable by its owner only (chmod 600 {path})")
    return None


def read_private_text(path: Path | str) -> str:
    """The text of ``path``; refused (ValueError, with the fix) when it is not a regular file
    or when :func:`exposed` objects."""
    path = Path(path)
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise ValueError(f"{path}: not a regular file")
        problem = exposed(path)
        if problem:
            raise ValueError(problem)
        return path.read_text(encoding="utf-8")
    except OSError as err:
        raise ValueError(f"{path}: cannot read: {err.strerror}") from err
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not a text file") from err


def read_url_file(path: Path | str) -> str:
    """The URL in ``path`` (its first non-blank line). Refused, with the fix, when group or
    others may read or write the file."""
    lines = read_private_text(path).splitlines()
    url = next((line.strip() for line in lines if line.strip()), "")
    if not url:
        raise ValueError(f"{path}: empty (write the URL on its first line)")
    return url


def _file_argument(path: str) -> str:
    try:
        return read_url_file(path)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


_file_argument.__name__ = "FILE"


def add_url_arguments(parser: argparse.ArgumentParser | argparse._ActionsContainer, name: str,
                      help: str) -> None:
    """``--NAME URL`` and ``--NAME-file PATH`` (one of them, or of the mutually exclusive
    group given), both stored in ``args.NAME``. ``help`` says what the URL is."""
    group = parser if isinstance(parser, argparse._MutuallyExclusiveGroup) else \
        parser.add_mutually_exclusive_group()
    group.add_argument(f"--{name}", type=url_argument(name), default=None, metavar="URL",
                       help=f"{help}; without a password (a URL with one: "
                       f"${ENVIRONMENT[name]} or --{name}-file)")
    group.add_argument(f"--{name}-file", dest=name, type=_file_argument, default=None,
                       metavar="PATH", help=f"read the {name} URL from PATH (mode 0600)")


def child_environment(base: Mapping[str, str], **urls: str | None) -> dict[str, str]:
    """``base`` with each URL given (``db=…``, ``mqtt=…``) in its environment variable; a
    URL given as None is removed, so a child does not pick up one it was not meant to use."""
    env = dict(base)
    for name, url in urls.items():
        if url is None:
            env.pop(ENVIRONMENT[name], None)
        else:
            env[ENVIRONMENT[name]] = url
    return env


def environment_url(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    value = (os.environ if environ is None else environ).get(ENVIRONMENT[name], "").strip()
    return value or None
