"""Opening a store that cannot be used is one clear sentence, not a traceback, and a store
that fills up is retried with a warning until there is room again (issue 11)."""

from __future__ import annotations

import logging
import os
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select

from store.db import make_engine, open_store
from store.errors import StoreError
from store.schema import services
from store.writer import StoreWriter


@pytest.mark.parametrize("content", [os.urandom(4096), b"hello, I am a text file\n", b"\0" * 100])
def test_a_file_that_is_not_a_database_is_named_in_one_line(tmp_path, content):
    path = tmp_path / "floor.db"
    path.write_bytes(content)
    with pytest.raises(StoreError) as err:
        open_store(f"sqlite:///{path}")
    message = str(err.value)
    assert "\n" not in message
    assert str(path) in message and "not a SQLite database or is damaged" in message
    assert path.read_bytes() == content  # nothing is written over the operator's file


def test_a_folder_that_cannot_be_made_is_named(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match=r"the folder .*a-file/sub for the store: Not a dir"):
        open_store(f"sqlite:///{blocker / 'sub' / 'floor.db'}")


def test_a_full_store_is_retried_with_a_warning_until_there_is_room(tmp_path, caplog):
    url = f"sqlite:///{tmp_path / 'full.db'}"
    open_store(url).dispose()
    engine = make_engine(url)
    limit = {"pages": 1}  # SQLite's own "database or disk is full", as on a full disk

    @event.listens_for(engine, "connect")
    def _cap(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA max_page_count = {limit['pages']}")
        cursor.close()

    writer = StoreWriter(engine, max_backoff_s=0.05)
    now = datetime(2026, 12, 6, 9, tzinfo=UTC)
    big = {"padding": "x" * 200_000}
    done = threading.Event()
    caplog.set_level(logging.ERROR, logger="store.writer")
    thread = threading.Thread(
        target=lambda: (writer.heartbeat("monitor", "online", big, now), done.set()), daemon=True)
    thread.start()
    assert not done.wait(1.0)  # still retrying: the write is not dropped, nothing raised
    assert any("full" in r.getMessage() for r in caplog.records)
    limit["pages"] = 1_000_000  # room again (the operator freed space)
    engine.dispose()
    assert done.wait(30)
    with engine.connect() as conn:
        row = conn.execute(select(services.c.info).where(services.c.name == "monitor")).one()
    assert row.info == big
    engine.dispose()
