"""Opening the store: an engine for a URL, SQLite tuned for one writer and many readers
(WAL), and the schema brought up to date with Alembic."""

from __future__ import annotations

import json
import logging
from functools import cache
from pathlib import Path

import msgspec
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError, SQLAlchemyError

from store.errors import StoreError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Alembic's INFO lines ("Context impl SQLiteImpl.", "setup plugin …") are for someone running
# migrations by hand; the monitor logs at INFO and a newcomer's first screen should not fill
# with them. Its warnings and errors still show.
logging.getLogger("alembic").setLevel(logging.WARNING)


PG_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2,
                 "keepalives_count": 3,
                 "options": "-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 "
                            "-c tcp_keepalives_count=3"}
"""TCP keepalives both ways: a client or server that vanished is noticed in about 11 s, not
the kernel's two hours, so a dead monitor's open transaction (and the locks it holds) does
not hold up the standby that takes over."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the monitor's writes
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def to_json(value: object) -> str:
    """A JSON column's text. The monitor writes five JSON columns a turn, and the standard
    library's encoder was the largest single cost of storing one; msgspec writes the same
    JSON about seven times faster (a turn's scores and evidence). What it refuses and the
    standard library takes (a dict key that is a bool or None) goes through the standard
    library as before."""
    try:
        return msgspec.json.encode(value).decode()
    except (TypeError, OverflowError, msgspec.EncodeError):
        return json.dumps(value)


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://…``)."""
    try:
        parsed = make_url(url)
    except ArgumentError as err:
        raise StoreError(f"not a database URL: {redact_url(url)}") from err
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            make_parent(Path(parsed.database))
        engine = create_engine(parsed, connect_args={"check_same_thread": False},
                               json_serializer=to_json)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    keepalives = {k: v for k, v in PG_KEEPALIVES.items() if k not in parsed.query}
    return create_engine(parsed, pool_pre_ping=True, connect_args=keepalives,
                         json_serializer=to_json)


def make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as err:  # mkdir's "File exists" hides that it is not a folder
        raise StoreError(f"cannot create the folder {path.parent} for the store: a file of "
                         "that name is in the way") from err
    except OSError as err:
        raise StoreError(f"cannot create the folder {path.parent} for the store: "
                         f"{err.strerror or err}") from err


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
    check_readable(engine)
    if migrate:
        upgrade(engine)
    elif not inspect(engine).has_table("calls"):
        raise StoreError(f"{redact_url(url)} has no Floorlight tables (run the monitor or "
                         "`floorlight ingest` first)")
    return engine


def check_store(url: str) -> None:
    """Fail early on a store that exists but cannot be read (for commands that only read,
    such as the dashboard: a store that does not exist yet is fine, the monitor makes it)."""
    engine = make_engine(url)
    try:
        if engine.dialect.name != "sqlite" or Path(engine.url.database or "").exists():
            check_readable(engine)
    finally:
        engine.dispose()


def check_readable(engine: Engine) -> None:
    """Connect and read the catalogue once, so that a file that is not a database, a damaged
    one or an unwritable folder is one clear message at start-up, not a traceback later."""
    url = redact_url(str(engine.url))
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
    except OperationalError as err:
        raise StoreError(f"cannot open {url}: {_first_line(err.orig)}") from err
    except DatabaseError as err:  # SQLite: "file is not a database", a damaged page
        raise StoreError(f"{url} is not a SQLite database or is damaged "
                         f"({_first_line(err.orig)}); move it aside or choose another "
                         "--db") from err


def _first_line(err: object) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
