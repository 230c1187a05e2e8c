"""Reading stored values back the same way everywhere: datetimes as aware UTC (SQLite hands
them back naive) and JSON columns as dicts (a text column on some backends)."""

from __future__ import annotations

import json
from datetime import UTC, datetime


def utc(value: datetime | None) -> datetime | None:
    """``value`` as an aware UTC datetime (SQLite returns naive ones)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def json_dict(value: object) -> dict:
    """A JSON object column as a dict; anything else (NULL, a list, bad JSON) as ``{}``."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {}
    return value if isinstance(value, dict) else {}
