"""Dialect-specific SQL lives in one module per backend: a database with no module is
refused by name (never handed SQLite's SQL), and a new backend is one module plus one
registry line (shown with the throwaway ``tests/store/example_backend.py``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from store import backends
from store.backends import UnknownBackend, backend
from store.db import open_store
from store.schema import services
from store.writer import StoreWriter
from tests.store import example_backend

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_each_known_dialect_has_its_own_module() -> None:
    assert backend("sqlite").__name__ == "store.backends.sqlite"
    assert backend("postgresql").__name__ == "store.backends.postgresql"


def test_an_unknown_database_is_refused_by_name() -> None:
    with pytest.raises(UnknownBackend, match=r"no store backend for the 'mysql' database "
                       r"\(known: postgresql, sqlite\)"):
        backend("mysql")


def test_a_new_backend_is_one_module_and_one_registry_line(tmp_path, monkeypatch) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'floor.db'}")
    engine.dialect.name = "examplesql"  # a database the store has never heard of
    writer = StoreWriter(engine, max_backoff_s=0.01)
    with pytest.raises(UnknownBackend, match="examplesql"):
        writer.heartbeat("monitor", "online", {}, NOW)

    monkeypatch.setitem(backends.BACKENDS, "examplesql", "tests.store.example_backend")
    monkeypatch.setattr(example_backend, "built", [])
    writer.heartbeat("monitor", "online", {"n": 1}, NOW)
    writer.heartbeat("monitor", "offline", {"n": 2}, NOW)
    with engine.connect() as conn:
        row = conn.execute(select(services.c.name, services.c.status)).one()
    assert tuple(row) == ("monitor", "offline")
    assert example_backend.built == ["upsert services", "upsert services"]
