"""The schema is versioned: an existing store file is upgraded in place without losing data,
and the migrated schema matches the tables the code uses."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from store.db import current_revision, make_engine, open_store, upgrade
from store.schema import metadata


def test_an_old_file_is_upgraded_in_place_keeping_its_rows(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0001")
    now = datetime(2026, 10, 1, 9, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO calls (call_id, agent_id, desk_id, started_at, status, implicit_start,"
            " turns, next_seq, risk, max_risk, state, alerted) VALUES ('c-1', 'a-1', 'd-1', "
            ":ts, 'ended', 0, 2, 2, 0.1, 0.4, 'off', 0)"), {"ts": now})
        conn.execute(text(
            "INSERT INTO utterances (call_id, seq, speaker, text, sentiment, p_negative, "
            "p_positive, cue, escalation, risk, state) VALUES ('c-1', 0, 'customer', 'hi', "
            "'neutral', 0.1, 0.2, 'none', 0.05, 0.1, 'calm')"))
    engine.dispose()
    upgraded = open_store(url)
    assert current_revision(upgraded) == _head()
    with upgraded.connect() as conn:
        assert conn.execute(text("SELECT call_id, gaps FROM calls")).all() == [("c-1", 0)]
        assert conn.execute(text("SELECT text FROM utterances")).scalar() == "hi"
    assert {"pending_events", "services"} <= set(inspect(upgraded).get_table_names())
    upgraded.dispose()


def test_migrations_build_exactly_the_schema_the_code_uses(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'new.db'}")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_opening_twice_is_a_no_op(tmp_path):
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    open_store(url).dispose()
    again = open_store(url)
    assert current_revision(again) == _head()
    again.dispose()


def _head() -> str:
    from alembic.script import ScriptDirectory

    from store.db import MIGRATIONS, _alembic_config

    config = _alembic_config(make_engine("sqlite://"))
    assert config.get_main_option("script_location") == str(MIGRATIONS)
    return ScriptDirectory.from_config(config).get_current_head()
