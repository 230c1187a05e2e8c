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
class LightTest:
    """A light test's outcome as the bridge reports it (``firmware_bridge.light_test``)."""

    at: str | None
    ok: bool | None
    error: str | None
    subject: str = ""
    origin: str = ""  # the request file's name, for a request dropped in requests/


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
    last_test: LightTest | None = None


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def light_test(value: object) -> LightTest | None:
    """A test outcome object (per light, or the bridge's last), None when there is none."""
    if not isinstance(value, dict) or not value:
        return None
    ok = value.get("ok")
    return LightTest(at=_text(value.get("at")), ok=ok if isinstance(ok, bool) else None,
                     error=_text(value.get("error")), subject=str(value.get("subject") or ""),
                     origin=str(value.get("origin") or ""))


def health_rows(data: dict) -> list[LightHealthRow]:
    rows = []
    for name, entry in sorted((data.get("lights") or {}).items()):
        if not isinstance(entry, dict):
            continue
        online = entry.get("online")
        rows.append(LightHealthRow(
            light=str(entry.get("subject") or name), kind=str(entry.get("kind") or ""),
            address=str(entry.get("address") or ""),
            online=online if isinstance(online, bool) else None,
            state=_text(entry.get("state")), last_ok=_text(entry.get("last_ok")),
            last_error=_text(entry.get("last_error")),
            last_error_at=_text(entry.get("last_error_at")),
            detail=str(entry.get("detail") or ""), last_test=light_test(entry.get("last_test"))))
    return rows


def testable(light: str) -> bool:
    """Whether the bridge takes a test request for ``light``: a desk's light (team and floor
    lights have a ``kind/name`` or ``floor`` subject and are not tested from here)."""
    return "/" not in light and light != "floor" and _DESK.fullmatch(light) is not None


def request_outcome(data: dict, light: str, request: str, since: datetime) -> LightTest | None:
    """The outcome of the test asked for by the request file named ``request`` at ``since``:
    the bridge's last test when it names that file (a refused request has no light), else
    ``light``'s last test when it ran after ``since`` (a request merged into a running test
    reports under the first request's name). None while the bridge has not answered."""
    bridge = data.get("bridge")
    last = light_test(bridge.get("last_test")) if isinstance(bridge, dict) else None
    if last is not None and last.origin == request:
        return last
    row = next((r for r in health_rows(data) if r.light == light), None)
    outcome = row.last_test if row is not None else None
    if outcome is not None and (at := _moment(outcome.at)) is not None and at >= since:
        return outcome
    return None


def _moment(iso: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(iso))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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
