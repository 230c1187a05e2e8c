"""Signing in with a local password, with a limit on guessing: after :data:`MAX_FAILURES`
wrong passwords for one name within :data:`WINDOW`, that name is refused for
:data:`LOCKOUT` (whatever password comes), unknown names alike, so the limit tells nobody
which names exist. Every wrong password and every lock is an audit row, and the count is
read back from those rows, so it holds across sessions, dashboard processes and restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, func, select

from store.access import MAX_NAME, Actor, record
from store.errors import StoreError
from store.schema import audit
from store.users import authenticate

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
FAILED, LOCKED = "sign_in_failed", "sign_in_locked"
NOBODY = "-"  # the role of an audit row written for a name nobody has signed in as


class SignInLocked(StoreError):
    """Too many wrong passwords for this name: no attempt is checked until ``until``."""

    def __init__(self, name: str, until: datetime) -> None:
        super().__init__(f"too many wrong passwords for {name!r}: try again after "
                         f"{until:%H:%M} UTC")
        self.until = until


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; the store writes UTC only
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _last_lock(conn: Connection, name: str) -> datetime | None:
    at = conn.execute(select(func.max(audit.c.at)).where(
        audit.c.action == LOCKED, audit.c.actor == name)).scalar()
    return _utc(at) if at is not None else None


def locked_until(engine: Engine, name: str, now: datetime) -> datetime | None:
    with engine.connect() as conn:
        last = _last_lock(conn, name)
    return last + LOCKOUT if last is not None and last + LOCKOUT > now else None


def sign_in(engine: Engine, name: str, password: str,
            now: datetime | None = None) -> Actor | None:
    """The account's :class:`Actor`, or None for a wrong name or password; raises
    :class:`SignInLocked` while the name is locked, and when this wrong password locks it."""
    name = (name or "").strip()[:MAX_NAME]
    now = now or datetime.now(UTC)
    until = locked_until(engine, name, now)
    if until is not None:
        raise SignInLocked(name, until)
    who = authenticate(engine, name, password)
    if who is not None:
        return who
    tried = Actor(name, NOBODY)
    with engine.begin() as conn:
        record(conn, tried, FAILED, name, now)
        last = _last_lock(conn, name)  # failures before an earlier lock do not count again
        since = max(now - WINDOW, last) if last is not None else now - WINDOW
        failures = conn.execute(select(func.count()).select_from(audit).where(
            audit.c.action == FAILED, audit.c.actor == name, audit.c.at > since)).scalar()
        if failures >= MAX_FAILURES:
            record(conn, tried, LOCKED, f"{name} for {LOCKOUT.seconds // 60} min", now)
    if failures >= MAX_FAILURES:
        raise SignInLocked(name, now + LOCKOUT)
    return None
