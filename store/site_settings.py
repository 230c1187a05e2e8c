"""Site settings kept in the store (the ``settings`` table, migration 0006): one text value
per name, changed only by an admin, each change an audit row in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, select, update

from store.access import Actor, record, require
from store.schema import settings


def read(engine: Engine, name: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(settings.c.value).where(settings.c.name == name)).scalar()


def changed(engine: Engine, name: str) -> tuple[datetime, str] | None:
    """When and by whom ``name`` was last set, or None."""
    with engine.connect() as conn:
        row = conn.execute(select(settings.c.updated_at, settings.c.updated_by)
                           .where(settings.c.name == name)).first()
    return (row.updated_at, row.updated_by) if row is not None else None


def put(conn: Connection, name: str, value: str, by: str, now: datetime) -> None:
    """Set ``name`` on the caller's connection (no role check: for the store's own values
    such as the pseudonym key; people go through :func:`change`)."""
    done = conn.execute(update(settings).where(settings.c.name == name).values(
        value=value, updated_at=now, updated_by=by)).rowcount
    if not done:
        conn.execute(settings.insert().values(name=name, value=value, updated_at=now,
                                              updated_by=by))


def change(engine: Engine, name: str, value: str, actor: Actor | None) -> None:
    """An admin sets ``name`` to ``value``; the audit row says who, when and what."""
    who = require(actor, "change_settings")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        put(conn, name, value, who.name, now)
        record(conn, who, "change_settings", f"{name} = {value}", now)
