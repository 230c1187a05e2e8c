"""Agents' privacy (works councils; the EU AI Act's limits on monitoring at work): a site
setting that, when on, shows agents on History & coaching as stable pseudonyms to every role
below analyst. A pseudonym is a keyed HMAC of the agent id with a random site key kept in the
store, so it is the same on every page load and day, and cannot be turned back into the
agent id by anyone who only sees the dashboard."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from store import site_settings
from store.access import Actor

AGENT_PRIVACY = "agent_privacy"
KEY = "pseudonym_key"  # never shown: `floorlight settings list` and the page leave it out
MIN_CODE = 4  # hex digits: "Agent 7F3A"; longer only where two agents would share a code


def agent_privacy(engine: Engine) -> bool:
    return site_settings.read(engine, AGENT_PRIVACY) == "on"


def set_agent_privacy(engine: Engine, on: bool, actor: Actor | None) -> None:
    """Admins only (:func:`store.access.require`); recorded in the audit log."""
    site_settings.change(engine, AGENT_PRIVACY, "on" if on else "off", actor)


def pseudonym_key(engine: Engine) -> bytes:
    """The site's key, made (32 random bytes) the first time anyone needs it."""
    stored = site_settings.read(engine, KEY)
    if stored is None:
        try:
            with engine.begin() as conn:
                site_settings.put(conn, KEY, secrets.token_hex(32), "floorlight",
                                  datetime.now(UTC))
        except IntegrityError:
            pass  # another process made it at the same moment: use theirs
        stored = site_settings.read(engine, KEY)
    return bytes.fromhex(stored or "")


def _digest(key: bytes, agent_id: str) -> str:
    return hmac.new(key, agent_id.encode("utf-8"), hashlib.sha256).hexdigest().upper()


def codes(key: bytes, roster: Iterable[str]) -> dict[str, str]:
    """Each agent's code: the first :data:`MIN_CODE` hex digits of its HMAC, two more (and so
    on) only for agents that would otherwise share a code with another one on ``roster``, so
    every code names one agent and most never change as agents join."""
    digests = {agent: _digest(key, agent) for agent in set(roster)}
    found: dict[str, str] = {}
    length = MIN_CODE
    while len(found) < len(digests):
        left = {a: d for a, d in digests.items() if a not in found}
        taken = Counter(d[:length] for d in digests.values())
        for agent, digest in left.items():
            if taken[digest[:length]] == 1 or length >= len(digest):
                found[agent] = digest[:length]
        length += 2
    return found


def code(key: bytes, agent_id: str, roster: dict[str, str]) -> str:
    """``agent_id``'s code from ``roster`` (:func:`codes`), or the short one for an agent
    the roster has not seen yet."""
    return roster.get(agent_id) or _digest(key, agent_id)[:MIN_CODE]
