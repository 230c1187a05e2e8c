"""SQLite's statements (the default store: a local file)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Executable, Integer, Table, cast
from sqlalchemy.dialects.sqlite import insert


def upsert(table: Table, keys: Sequence[str], columns: Sequence[str]) -> Executable:
    stmt = insert(table)
    return stmt.on_conflict_do_update(index_elements=list(keys),
                                      set_={c: stmt.excluded[c] for c in columns})


def insert_new(table: Table, keys: Sequence[str]) -> Executable:
    return insert(table).on_conflict_do_nothing(index_elements=list(keys))


def whole_number(value: ColumnElement) -> ColumnElement:
    return cast(value, Integer)  # SQLite's CAST truncates toward zero
