"""Opening the store: an engine for a URL, SQLite tuned for one writer and many readers
(WAL), and the schema brought up to date with Alembic."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from store.errors import StoreError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the monitor's writes
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://…``)."""
    try:
        parsed = make_url(url)
    except ArgumentError as err:
        raise StoreError(f"not a database URL: {redact_url(url)}") from err
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True)


def redact_url(url: str) -> str:
    """The URL with any password hidden, for logs and messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def _alembic_config(engine: Engine):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``, keeping existing data."""
    from alembic import command

    try:
        command.upgrade(_alembic_config(engine), revision)
    except SQLAlchemyError as err:
        raise StoreError(f"cannot migrate {redact_url(str(engine.url))}: {err}") from err


@cache
def _script_directory():
    """The migrations as Alembic reads them (once per process: the files do not change)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS))


def head_revision() -> str:
    """The newest schema revision this code knows: read from the migration scripts, so a new
    migration needs no constant updated anywhere."""
    head = _script_directory().get_current_head()
    if head is None:  # only a broken install has no migrations at all
        raise StoreError(f"{MIGRATIONS}: no migration scripts")
    return head


def known_revision(revision: str) -> bool:
    """Whether ``revision`` is one of this code's migrations (a store at an unknown one was
    written by a newer Floorlight)."""
    from alembic.util.exc import CommandError

    try:
        return _script_directory().get_revision(revision) is not None
    except CommandError:
        return False


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def open_store(url: str, *, migrate: bool = True) -> Engine:
    """Engine for ``url`` with the schema at head (``migrate=False``: only check it)."""
    engine = make_engine(url)
    try:
        with engine.connect():
            pass
    except OperationalError as err:
        raise StoreError(f"cannot open {redact_url(url)}: {err.orig}") from err
    if migrate:
        upgrade(engine)
    elif not inspect(engine).has_table("calls"):
        raise StoreError(f"{redact_url(url)} has no Floorlight tables (run the monitor or "
                         "`floorlight ingest` first)")
    return engine
