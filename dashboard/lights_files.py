"""The bridge's files under ``<home>/lights``: ``virtual.json`` (what each virtual light
shows) and ``health.json`` (each light's kind, address, online, last ok, last error), both
written atomically by the bridge; and the test requests the dashboard drops for it in
``requests/``. The dashboard never imports the bridge: these files are the contract."""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_DESK = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")


def read_json(path: Path) -> tuple[dict | None, str | None]:
    """(data, None), or (None, None) when the file is absent, or (None, reason)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, None
    except (OSError, UnicodeDecodeError) as err:
        return None, str(err)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        return None, f"not valid JSON ({err.msg}, line {err.lineno})"
    if not isinstance(value, dict):
        return None, "not a JSON object"
    return value, None


@dataclass(frozen=True)
class LightHealthRow:
    light: str
    kind: str
    address: str
    online: bool | None
    state: str | None
    last_ok: str | None
    last_error: str | None
    last_error_at: str | None
    detail: str


def health_rows(data: dict) -> list[LightHealthRow]:
    rows = []
    for name, entry in sorted((data.get("lights") or {}).items()):
        if not isinstance(entry, dict):
            continue
        online = entry.get("online")
        rows.append(LightHealthRow(
            light=str(entry.get("subject") or name), kind=str(entry.get("kind", "")),
            address=str(entry.get("address", "")),
            online=online if isinstance(online, bool) else None,
            state=entry.get("state"), last_ok=entry.get("last_ok"),
            last_error=entry.get("last_error"), last_error_at=entry.get("last_error_at"),
            detail=str(entry.get("detail") or "")))
    return rows


def request_test(lights_dir: Path, desk_id: str, *, now: datetime | None = None) -> Path:
    """Drop ``requests/test-<desk>-<unix ms>.json`` for the bridge (written atomically)."""
    if not _DESK.fullmatch(desk_id):
        raise ValueError(f"not a desk id: {desk_id!r}")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    folder = lights_dir / "requests"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = int(now.timestamp() * 1000)
    path = folder / f"test-{desk_id}-{stamp}.json"
    body = {"v": 1, "action": "test", "desk_id": desk_id,
            "requested_at": now.isoformat(timespec="milliseconds").replace("+00:00", "Z")}
    fd, tmp = tempfile.mkstemp(prefix=".test-", suffix=".tmp", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(body, out)
    os.replace(tmp, path)
    return path
