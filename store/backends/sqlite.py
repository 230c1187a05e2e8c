"""SQLite's statements (the default store: a local file)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Engine, Executable, Integer, Table, cast, event
from sqlalchemy.dialects.sqlite import insert


def upsert(table: Table, keys: Sequence[str], columns: Sequence[str]) -> Executable:
    stmt = insert(table)
    return stmt.on_conflict_do_update(index_elements=list(keys),
                                      set_={c: stmt.excluded[c] for c in columns})


def insert_new(table: Table, keys: Sequence[str]) -> Executable:
    return insert(table).on_conflict_do_nothing(index_elements=list(keys))


def whole_number(value: ColumnElement) -> ColumnElement:
    return cast(value, Integer)  # SQLite's CAST truncates toward zero


def read_only(engine: Engine) -> Engine:
    event.listen(engine, "connect", _query_only)
    return engine


def _query_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()
