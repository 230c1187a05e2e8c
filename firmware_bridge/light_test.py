"""Light test requests: "cycle this desk's light through every state", asked for by the
dashboard (a file) or over MQTT (``<prefix>/bridge/request``). Parsed at the edge into a
frozen :class:`TestRequest`; the outcome is a :class:`TestOutcome` reported in health."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from firmware_bridge.errors import BadMessage
from firmware_bridge.states import STALE, STATES, Subject

TEST_STATES: tuple[str, ...] = (*STATES, STALE)
"""The order a light is cycled through; it then goes back to its desk's current state."""
MAX_REQUEST_BYTES = 4096


@dataclass(frozen=True)
class TestRequest:
    """``{"v":1,"action":"test","desk_id":"d1","requested_by":"..."}``; ``subject`` may
    replace ``desk_id`` for supervisors' lights (``floor``, ``team/<name>``)."""

    __test__ = False  # a request, not a pytest test class

    subject: Subject
    requested_by: str = ""
    origin: str = ""

    @classmethod
    def from_json(cls, payload: bytes, *, origin: str) -> TestRequest:
        if len(payload) > MAX_REQUEST_BYTES:
            raise BadMessage(f"test request over {MAX_REQUEST_BYTES} bytes")
        try:
            data = json.loads(payload)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise BadMessage(f"malformed test request JSON: {err}") from err
        if not isinstance(data, dict):
            raise BadMessage("a test request must be a JSON object")
        return cls.from_mapping(data, origin=origin)

    @classmethod
    def from_mapping(cls, data: dict[str, Any], *, origin: str) -> TestRequest:
        if data.get("v", 1) != 1:
            raise BadMessage(f"unsupported test request version {data.get('v')!r}")
        if data.get("action") != "test":
            raise BadMessage(f"unknown action {data.get('action')!r} (expected 'test')")
        desk, subject = data.get("desk_id"), data.get("subject")
        if isinstance(desk, str):
            target = Subject("desk", desk)
        elif isinstance(subject, str):
            target = Subject.parse(subject)
        else:
            raise BadMessage("a test request needs 'desk_id' (a string)")
        by = data.get("requested_by", "")
        return cls(target, by if isinstance(by, str) else str(by), origin)


@dataclass(frozen=True)
class TestOutcome:
    """What happened: ``ok`` when every state was shown without a fault on the light."""

    __test__ = False

    at: float
    subject: str
    ok: bool
    error: str | None = None
    requested_by: str = ""
    origin: str = ""

    def to_json(self) -> dict[str, object]:
        at = datetime.fromtimestamp(self.at, UTC).isoformat(timespec="milliseconds")
        return {"at": at.replace("+00:00", "Z"), "subject": self.subject, "ok": self.ok,
                "error": self.error, "requested_by": self.requested_by, "origin": self.origin}
