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


def test_0004_adds_the_turns_model_version_to_a_0003_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'v3.db'}"
    engine = make_engine(url)
    upgrade(engine, "0003")
    now = datetime(2026, 10, 1, 9, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO calls (call_id, agent_id, desk_id, started_at, status, implicit_start,"
            " turns, next_seq, risk, max_risk, state, alerted, gaps) VALUES ('c-1', 'a-1', "
            "'d-1', :ts, 'open', 0, 1, 1, 0.1, 0.1, 'calm', 0, 0)"), {"ts": now})
        conn.execute(text(
            "INSERT INTO utterances (call_id, seq, speaker, text, sentiment, p_negative, "
            "p_positive, cue, escalation, risk, state) VALUES ('c-1', 0, 'customer', 'hi', "
            "'neutral', 0.1, 0.2, 'none', 0.05, 0.1, 'calm')"))
    engine.dispose()
    upgraded = open_store(url)
    assert current_revision(upgraded) == _head()
    assert "model_version" in {c["name"] for c in inspect(upgraded).get_columns("utterances")}
    with upgraded.begin() as conn:  # the turn stored before 0004: version not known
        assert conn.execute(text("SELECT text, model_version FROM utterances")).one() == (
            "hi", None)
        conn.execute(text(
            "INSERT INTO utterances (call_id, seq, speaker, text, sentiment, p_negative, "
            "p_positive, cue, escalation, risk, state, model_version) VALUES ('c-1', 1, "
            "'agent', 'hello', 'neutral', 0.1, 0.2, 'none', 0.05, 0.1, 'calm', 'v2')"))
    from alembic import command

    from store.db import _alembic_config

    command.downgrade(_alembic_config(upgraded), "0003")
    assert "model_version" not in {c["name"] for c in
                                   inspect(upgraded).get_columns("utterances")}
    with upgraded.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM utterances")).scalar() == 2
    upgraded.dispose()


def test_the_schema_head_is_read_from_the_migration_scripts(tmp_path):
    from pathlib import Path

    from store.db import MIGRATIONS, head_revision, known_revision
    from store.queries import check_store

    newest = max(p.name.split("_")[0] for p in Path(MIGRATIONS, "versions").glob("0*.py"))
    assert head_revision() == _head() == newest
    assert known_revision("0001") and not known_revision("0999")
    url = f"sqlite:///{tmp_path / 'head.db'}"
    engine = open_store(url)
    assert check_store(engine).ok  # a store at the scripts' head: what the dashboard reads
    with engine.begin() as conn:  # stamped one of ours, not the newest
        conn.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    assert check_store(engine).status == "old_schema"
    with engine.begin() as conn:  # written by a newer Floorlight
        conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    assert (check_store(engine).status, check_store(engine).revision) == ("newer_schema", "0999")
    engine.dispose()


def test_migration_0005_adds_users_and_audit_and_takes_them_away(tmp_path):
    from alembic import command

    from store.db import _alembic_config

    engine = make_engine(f"sqlite:///{tmp_path / 'm5.db'}")
    upgrade(engine, "0004")
    assert not {"users", "audit"} & set(inspect(engine).get_table_names())
    upgrade(engine, "0005")
    assert {"users", "audit"} <= set(inspect(engine).get_table_names())
    now = datetime(2026, 12, 6, 18, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (name, role, password_hash, created_at, "
                          "updated_at) VALUES ('mei', 'supervisor', NULL, :t, :t)"), {"t": now})
        conn.execute(text("INSERT INTO audit (at, actor, role, action, target) VALUES "
                          "(:t, 'mei', 'supervisor', 'acknowledge', 'alert 1')"), {"t": now})
    command.downgrade(_alembic_config(engine), "0004")
    assert current_revision(engine) == "0004"
    assert not {"users", "audit"} & set(inspect(engine).get_table_names())
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0
    engine.dispose()
