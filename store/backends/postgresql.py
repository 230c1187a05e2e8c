"""PostgreSQL's statements (the shared store of a scaled-out floor)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Engine, Executable, Integer, Table, cast, func
from sqlalchemy.dialects.postgresql import insert


def upsert(table: Table, keys: Sequence[str], columns: Sequence[str]) -> Executable:
    stmt = insert(table)
    return stmt.on_conflict_do_update(index_elements=list(keys),
                                      set_={c: stmt.excluded[c] for c in columns})


def insert_new(table: Table, keys: Sequence[str]) -> Executable:
    return insert(table).on_conflict_do_nothing(index_elements=list(keys))


def whole_number(value: ColumnElement) -> ColumnElement:
    return cast(func.floor(value), Integer)  # PostgreSQL's CAST rounds: floor first


def read_only(engine: Engine) -> Engine:
    return engine.execution_options(postgresql_readonly=True)
