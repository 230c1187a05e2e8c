"""What the store waits out is chosen by the error's type and code, not by words in its
message: a locked SQLite file is waited out, an error that merely mentions "server" or
"connection" raises at once."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from store.db import make_engine, open_store
from store.retry import transient
from store.schema import services
from store.writer import StoreWriter

NOW = datetime(2026, 12, 6, 9, tzinfo=UTC)


def test_a_locked_sqlite_file_is_waited_out_with_a_warning(tmp_path, caplog) -> None:
    path = tmp_path / "floor.db"
    open_store(f"sqlite:///{path}").dispose()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another writer holds the file
    engine = make_engine(f"sqlite:///{path}")
    writer = StoreWriter(engine, max_backoff_s=0.05)
    caplog.set_level(logging.ERROR)
    done = threading.Event()
    thread = threading.Thread(target=lambda: (writer.heartbeat("monitor", "online", {}, NOW),
                                              done.set()), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30  # past SQLite's own busy timeout (5 s)
        while not any("database is locked" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, "no warning while the file was locked"
            time.sleep(0.1)
        assert not done.is_set()  # still waiting: the write is not dropped, nothing raised
    finally:
        holder.execute("COMMIT")
        holder.close()
    assert done.wait(30)
    with engine.connect() as conn:
        assert conn.execute(select(services.c.status)).scalar() == "online"
    engine.dispose()


def test_an_error_that_only_mentions_the_server_is_not_retried(tmp_path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'floor.db'}")
    writer = StoreWriter(engine, max_backoff_s=0.05)
    with pytest.raises(OperationalError, match="no such table: server_connection"):
        writer._retry(lambda conn: conn.execute(text("select * from server_connection")))
    with engine.begin() as conn:
        conn.execute(services.insert().values(name="m", status="online", updated_at=NOW))
    with pytest.raises(IntegrityError) as caught:
        writer._retry(lambda conn: conn.execute(services.insert().values(
            name="m", status="online", updated_at=NOW)), transaction=True)
    assert not transient(caught.value)
    engine.dispose()


def test_lost_connections_are_transient() -> None:
    assert transient(ConnectionResetError("reset by peer"))
    assert not transient(ValueError("connection"))
