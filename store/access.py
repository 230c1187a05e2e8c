"""Who may write what, and the record of every write (the ``audit`` table, migration 0005).

Roles are ranked: each one may do everything the roles below it may. A write function takes
the :class:`Actor` and calls :func:`require` before it writes, so a page that forgets to hide
a button still cannot write; :func:`record` adds the audit row, in the write's transaction
where the write is in the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import Connection, Engine, select

from store.errors import StoreError
from store.schema import audit

ROLES = ("viewer", "supervisor", "analyst", "admin")
"""Lowest first: viewer (read-only wallboard), supervisor (acknowledge, review), analyst
(retrain, compare, promote, roll back; agents' names on History when their privacy is on),
admin (users, light tests, site settings)."""

ACTIONS = {
    "acknowledge": "supervisor",
    "review": "supervisor",
    "export": "analyst",
    "retrain": "analyst",
    "compare": "analyst",  # evaluating versions on a file: reads only, but costs the CPU
    "promote": "analyst",
    "rollback": "analyst",
    "audit": "analyst",  # reading the audit log
    "see_agent_names": "analyst",  # seeing agents' names on History when their privacy is on
    "light_test": "admin",
    "users": "admin",
    "change_settings": "admin",
}
"""Each action and the lowest role allowed to do it."""

MAX_NAME = 128
T = TypeVar("T")


class AccessDenied(StoreError):
    """The actor's role does not allow this action (nothing was written)."""


@dataclass(frozen=True)
class Actor:
    """A signed-in person: ``name`` as shown in the records, ``role`` one of :data:`ROLES`."""

    name: str
    role: str

    def may(self, action: str) -> bool:
        needed = ACTIONS.get(action)
        if needed is None:
            raise StoreError(f"unknown action {action!r}")
        return self.role in ROLES and ROLES.index(self.role) >= ROLES.index(needed)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise StoreError(f"role {role!r} is not one of {', '.join(ROLES)}")
    return role


def require(actor: Actor | None, action: str) -> Actor:
    """``actor`` if they may do ``action``; else :class:`AccessDenied` with a clear message."""
    if actor is None or not actor.name.strip():
        raise AccessDenied("sign in first: every change is kept with the name of who made it")
    if len(actor.name) > MAX_NAME:
        raise AccessDenied(f"name is longer than {MAX_NAME} characters")
    if not actor.may(action):
        raise AccessDenied(f"{actor.name} ({actor.role}) may not {action.replace('_', ' ')}: "
                           f"that needs the {ACTIONS[action]} role or higher")
    return actor


def record(conn: Connection, actor: Actor, action: str, target: str | None,
           now: datetime | None = None) -> None:
    """One audit row, on the caller's connection (so it commits with the write)."""
    conn.execute(audit.insert().values(at=(now or datetime.now(UTC)), actor=actor.name,
                                       role=actor.role, action=action, target=target))


def perform(engine: Engine | None, actor: Actor | None, action: str, target: str,
            write: Callable[[], T]) -> T:
    """For writes outside the store's tables (the model registry, light requests): check the
    role, do ``write``, then record it (``engine`` None: no store to record in)."""
    who = require(actor, action)
    result = write()
    if engine is not None:
        with engine.begin() as conn:
            record(conn, who, action, target)
    return result


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    target: str | None


def audit_rows(engine: Engine, *, limit: int = 1000, action: str | None = None) -> list[AuditRow]:
    """The newest ``limit`` audit rows, newest first."""
    query = select(audit).order_by(audit.c.id.desc()).limit(limit)
    if action:
        query = query.where(audit.c.action == action)
    with engine.connect() as conn:
        return [AuditRow(**row) for row in conn.execute(query).mappings()]
