"""Find the line of a key in TOML text, so configuration errors can name it. ``tomllib``
parses values but forgets positions; this scans headers and ``key =`` lines, which covers
how people write bridge configurations (tables and plain keys)."""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*\[\[?\s*(?P<name>[^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r'^\s*(?P<key>"[^"]*"|\'[^\']*\'|[A-Za-z0-9_.\-"\' ]+?)\s*=')


def split_dotted(name: str) -> tuple[str, ...]:
    """``desks."d-17".looks`` → ("desks", "d-17", "looks")."""
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([^.\s]+)', name)
    return tuple(a or b or c for a, b, c in parts)


def find_line(text: str, table: tuple[str, ...], key: str | None = None) -> int | None:
    """Line number (1-based) of ``key`` in ``[table]``, of the table header when ``key``
    is None, or of the header when the key cannot be found."""
    current: tuple[str, ...] = ()
    header_line: int | None = None if table else 1
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            current = split_dotted(header["name"])
            if key is not None and current[: len(table) + 1] == (*table, key):
                return number  # the key is itself a table: [table.key] or [table.key.sub]
            if current == table:
                header_line = number
                if key is None:
                    return number
            continue
        found = _KEY.match(line)
        if found and key is not None:
            path = current + split_dotted(found["key"])
            if path == (*table, key) or path[: len(table) + 1] == (*table, key):
                return number
    return header_line
