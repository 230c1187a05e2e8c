"""Dialect-specific SQL, one module per database backend, chosen by SQLAlchemy's dialect
name. A backend is one module here with the functions of :class:`Backend` plus one line in
``BACKENDS``; a database with no module is refused with a clear error, never handed another
backend's SQL."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import Protocol, cast

from sqlalchemy import ColumnElement, Connection, Engine, Executable, Table

from store.errors import StoreError

BACKENDS: dict[str, str] = {
    "sqlite": "store.backends.sqlite",
    "postgresql": "store.backends.postgresql",
}
"""Dialect name -> the module holding that backend's statements."""


class UnknownBackend(StoreError):
    """The database's dialect has no module in ``store/backends``."""


class Backend(Protocol):
    """What each backend module defines."""

    def upsert(self, table: Table, keys: Sequence[str], columns: Sequence[str]) -> Executable:
        """An insert of ``columns`` rows that updates the row whose ``keys`` exist."""
        ...

    def insert_new(self, table: Table, keys: Sequence[str]) -> Executable:
        """An insert that skips rows whose ``keys`` exist."""
        ...

    def whole_number(self, value: ColumnElement) -> ColumnElement:
        """``value`` truncated to an integer (the cast that truncates differs per backend)."""
        ...

    def read_only(self, engine: Engine) -> Engine:
        """``engine`` made unable to write (for readers such as the bridge's store source)."""
        ...


def backend(dialect: str) -> Backend:
    """The statements for ``dialect`` (a dialect name, as ``engine.dialect.name``)."""
    module = BACKENDS.get(dialect)
    if module is None:
        known = ", ".join(sorted(BACKENDS))
        raise UnknownBackend(f"no store backend for the {dialect!r} database (known: {known}); "
                             "add a module to store/backends and a line to BACKENDS")
    return cast(Backend, _load(module))


def backend_of(conn: Connection) -> Backend:
    return backend(conn.dialect.name)


def _load(name: str) -> ModuleType:
    return importlib.import_module(name)
