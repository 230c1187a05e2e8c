"""Desk states as they arrive (events.md): parsed at the edge into frozen, self-validating
dataclasses so raw JSON never travels further than this module."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from firmware_bridge.errors import BadMessage

# the one vocabulary (architecture.md), re-exported for the bridge's modules
from models.desk_states import STALE, STATES  # noqa: F401

Scope = Literal["desk", "floor", "team"]
_FORBIDDEN = set("/+#\x00")


def _check_name(name: str, what: str) -> str:
    if not isinstance(name, str) or not name or len(name) > 128:
        raise BadMessage(f"{what} must be a non-empty string of at most 128 characters")
    if _FORBIDDEN & set(name) or name != name.strip():
        raise BadMessage(f"{what} {name!r} may not contain '/', '+', '#' or outer spaces")
    return name


@dataclass(frozen=True, order=True)
class Subject:
    """Whose state a light shows: one desk, the whole floor, or one team."""

    scope: Scope
    name: str = ""

    def __post_init__(self) -> None:
        if self.scope == "floor":
            if self.name:
                raise BadMessage("the floor subject has no name")
        elif self.scope in ("desk", "team"):
            _check_name(self.name, f"{self.scope} id")
        else:
            raise BadMessage(f"unknown subject scope {self.scope!r}")

    @classmethod
    def parse(cls, text: str) -> Subject:
        """``d-17`` → a desk, ``floor`` → the floor, ``team/billing`` → a team."""
        if text == "floor":
            return cls("floor")
        if text.startswith("team/"):
            return cls("team", text[5:])
        return cls("desk", text)

    @property
    def label(self) -> str:
        """The inverse of :meth:`parse`; also the subject's topic path under the prefix."""
        if self.scope == "floor":
            return "floor"
        return self.name if self.scope == "desk" else f"team/{self.name}"

    @property
    def path(self) -> str:
        """Topic path: ``desk/d-17``, ``floor`` or ``team/billing``."""
        return "floor" if self.scope == "floor" else f"{self.scope}/{self.name}"

    def state_topic(self, prefix: str) -> str:
        return f"{prefix}/{self.path}/state"

    def __str__(self) -> str:
        return self.label


def subject_from_topic(prefix: str, topic: str) -> Subject | None:
    """The subject of a desk/floor/team state topic, or None for any other topic."""
    head = prefix + "/"
    if not topic.startswith(head) or not topic.endswith("/state"):
        return None
    parts = topic[len(head):-len("/state")].split("/")
    try:
        if parts == ["floor"]:
            return Subject("floor")
        if len(parts) == 2 and parts[0] in ("desk", "team"):
            return Subject(parts[0], parts[1])  # type: ignore[arg-type]
    except BadMessage:
        return None
    return None


@dataclass(frozen=True)
class StateUpdate:
    """One subject's state. ``ts`` is the monitor's timestamp (ISO 8601), kept for logs
    and ordering; the bridge does not trust it for timing."""

    subject: Subject
    state: str
    ts: str = ""
    reason: str = ""

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise BadMessage(f"unknown state {self.state!r} (expected one of {', '.join(STATES)})")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, subject: Subject | None = None
                     ) -> StateUpdate:
        """Build from a parsed state message or a store row (``desk_id``, ``state``, …)."""
        if not isinstance(data, Mapping):
            raise BadMessage("a desk state must be a JSON object")
        version = data.get("v", 1)
        if version != 1:
            raise BadMessage(f"unsupported desk state version {version!r}")
        state = data.get("state")
        if not isinstance(state, str):
            raise BadMessage("missing or non-string 'state'")
        named = _named_subject(data)
        if subject is None:
            if named is None:
                raise BadMessage("no 'desk_id' or 'team' says whose state this is")
            subject = named
        elif named is not None and named != subject:
            raise BadMessage(f"message for {named} arrived on the topic of {subject}")
        ts, reason = data.get("ts", ""), data.get("reason", "")
        return cls(subject, state, ts if isinstance(ts, str) else "",
                   reason if isinstance(reason, str) else "")


def _named_subject(data: Mapping[str, Any]) -> Subject | None:
    if data.get("desk_id") is not None:
        return Subject("desk", data["desk_id"])
    if data.get("team") is not None and data.get("scope", "team") == "team" \
            and "agent_id" not in data:
        return Subject("team", data["team"])
    if data.get("scope") == "floor":
        return Subject("floor")
    return None


def parse_state_message(subject: Subject, payload: bytes) -> StateUpdate:
    """Parse the payload of ``<prefix>/<subject path>/state``. An empty payload (a
    retained state cleared by the monitor) means the desk is ``off``."""
    if not payload:
        return StateUpdate(subject, "off", reason="cleared")
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BadMessage(f"malformed state JSON on {subject.path}: {err}") from err
    if subject.scope != "desk" and isinstance(data, dict):
        # Floor and team summaries carry counts, not a desk id: the topic says whose.
        data = {k: v for k, v in data.items() if k not in ("desk_id", "team", "scope")}
    return StateUpdate.from_mapping(data, subject=subject)
