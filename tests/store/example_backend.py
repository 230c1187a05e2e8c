"""A throwaway store backend for tests/store/test_backends.py: what adding a database takes
is one module like this plus one line in ``store.backends.BACKENDS``. It speaks SQLite's SQL
(the test runs it on a SQLite file under another dialect name) and counts what it built."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Engine, Executable, Table

from store.backends import sqlite

built: list[str] = []


def upsert(table: Table, keys: Sequence[str], columns: Sequence[str]) -> Executable:
    built.append(f"upsert {table.name}")
    return sqlite.upsert(table, keys, columns)


def insert_new(table: Table, keys: Sequence[str]) -> Executable:
    built.append(f"insert_new {table.name}")
    return sqlite.insert_new(table, keys)


def whole_number(value: ColumnElement) -> ColumnElement:
    built.append("whole_number")
    return sqlite.whole_number(value)


def read_only(engine: Engine) -> Engine:
    built.append("read_only")
    return sqlite.read_only(engine)
