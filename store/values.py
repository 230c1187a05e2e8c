"""Times and stored values, the same way everywhere: datetimes as aware UTC (SQLite hands
them back naive), times written as events.md writes them, and JSON columns as dicts (a text
column on some backends). The one home of the time helpers: import them, don't copy them."""

from __future__ import annotations

import json
from datetime import UTC, datetime


def utc(value: datetime | None) -> datetime | None:
    """``value`` as an aware UTC datetime (SQLite returns naive ones)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(ts: datetime) -> str:
    """A time as events.md writes it: ISO 8601 to the millisecond, UTC as ``Z``."""
    return ts.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def json_dict(value: object) -> dict:
    """A JSON object column as a dict; anything else (NULL, a list, bad JSON) as ``{}``."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {}
    return value if isinstance(value, dict) else {}
