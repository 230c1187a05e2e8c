"""Which monitor may write a store for one monitor identity (its MQTT client id, which names
its shard): a lease.

PostgreSQL — a standby may wait for it. The lease is a session-level advisory lock
(``pg_try_advisory_lock``) on a key derived from the identity, held on a dedicated
connection. PostgreSQL releases it when that connection ends: the process died (the kernel
closes its socket), or the server stopped hearing from it (server-side TCP keepalives and
``idle_session_timeout``, set on the connection, bound that to seconds, not the kernel's
two hours). A keeper thread pings the connection every ``ping_s``; the holder takes the lease
for lost as soon as a ping fails or none succeeded for ``stale_s``.

Timing only decides how fast a standby takes over; what keeps two monitors from both writing
is a fence in every write transaction: it takes a transaction-level advisory lock on a second
key (the write key) and checks that the lease is still held by this holder's lease
connection, or raises :class:`LeaseLost`, so nothing is committed. A new holder takes and
drops the write key once before it reads the store (:meth:`PostgresLease.barrier`), so a
write the old holder had already started has committed (or rolled back) before the new one
resumes from what the store holds.

SQLite — there is no standby (one writer per file). An exclusive file lock next to the
database file refuses a second monitor with the same identity at start.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import socket
import threading
import time
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from store.db import make_parent
from store.errors import StoreError

log = logging.getLogger("floorlight.store.lease")

PING_S = 1.0
"""How often the holder pings its lease connection (and how often a standby asks for it)."""
STALE_S = 5.0
"""With no successful ping for this long, the holder takes the lease for lost."""
SERVER_GIVE_UP_S = 10
"""The server ends a silent lease connection (and so frees the lease) after about this long."""


class LeaseLost(StoreError):
    """This monitor no longer holds its lease: it must stop being active at once."""


class LeaseHeld(StoreError):
    """Another monitor holds the lease and this store cannot have a standby (SQLite)."""


def lease_key(identity: str, purpose: str) -> int:
    """A stable signed 64-bit advisory lock key for ``identity`` and ``purpose``."""
    digest = hashlib.blake2b(f"floorlight:{purpose}:{identity}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def describe_self() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()}"


class PostgresLease:
    """The active monitor's lease on a PostgreSQL store (see the module's docstring)."""

    def __init__(self, url: str, identity: str, *, ping_s: float = PING_S,
                 stale_s: float = STALE_S) -> None:
        self.identity, self.ping_s, self.stale_s = identity, ping_s, stale_s
        self.key, self.write_key = lease_key(identity, "lease"), lease_key(identity, "writes")
        parsed = make_url(url)
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        # application_name lets a standby say who holds the lease
        name = f"floorlight {identity} {describe_self()}"[:63]
        server = (f"-c tcp_keepalives_idle=2 -c tcp_keepalives_interval=1 "
                  f"-c tcp_keepalives_count=3 -c tcp_user_timeout={SERVER_GIVE_UP_S * 500} "
                  f"-c idle_session_timeout={SERVER_GIVE_UP_S * 1000}")
        self._engine = create_engine(
            parsed, poolclass=NullPool, isolation_level="AUTOCOMMIT",
            connect_args={"connect_timeout": 3, "application_name": name, "options": server,
                          "keepalives": 1, "keepalives_idle": 2, "keepalives_interval": 1,
                          "keepalives_count": 3, "tcp_user_timeout": int(stale_s * 1000)})
        self._conn: Connection | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._last_ok = 0.0
        self._lost: str | None = None
        self._keeper: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def held(self) -> bool:
        return self._pid is not None

    # --- taking it ------------------------------------------------------------------------------

    def try_acquire(self) -> bool:
        """Take the lease if it is free; False if another holds it or the store is down."""
        if self.held:
            return True
        try:
            with self._lock:
                if self._conn is None:
                    self._conn = self._engine.connect()
                got = self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                         {"k": self.key}).scalar()
                if not got:
                    return False
                self._pid = self._conn.execute(text("SELECT pg_backend_pid()")).scalar()
        except SQLAlchemyError as err:
            log.warning("cannot reach the store for the lease: %s", _short(err))
            self._close()
            return False
        self._lost, self._last_ok = None, time.monotonic()
        self._stop.clear()
        self._keeper = threading.Thread(target=self._keep, name="lease-keeper", daemon=True)
        self._keeper.start()
        return True

    def holder(self) -> str:
        """Who holds the lease, as PostgreSQL sees it (for the standby's log)."""
        query = text("SELECT a.application_name, a.client_addr FROM pg_locks l JOIN "
                     "pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND "
                     "l.classid = :hi AND l.objid = :lo AND l.objsubid = 1 AND l.granted")
        try:
            with self._lock:
                if self._conn is None:
                    return "unknown (the store is unreachable)"
                row = self._conn.execute(query, _split(self.key)).first()
        except SQLAlchemyError as err:
            self._close()
            return f"unknown ({_short(err)})"
        if row is None:
            return "nobody"
        return f"{row.application_name or 'another client'} ({row.client_addr or 'local'})"

    def barrier(self) -> None:
        """Wait until a write the previous holder had started has ended (see the module)."""
        try:
            with self._lock:
                if self._conn is None:
                    raise LeaseLost("the lease's connection is closed")
                self._conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": self.write_key})
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"),
                                   {"k": self.write_key})
        except SQLAlchemyError as err:
            self._lost = f"the lease's connection failed: {_short(err)}"
            raise LeaseLost(self._lost) from err
        self._last_ok = time.monotonic()  # the keeper could not ping while we waited

    # --- holding it -----------------------------------------------------------------------------

    def check(self) -> None:
        """Raise :class:`LeaseLost` unless the lease is (as far as we know) still ours."""
        if self._lost is not None:
            raise LeaseLost(self._lost)
        if not self.held:
            raise LeaseLost("not holding the lease")
        if time.monotonic() - self._last_ok > self.stale_s:
            raise LeaseLost(f"no answer from the store for {self.stale_s:.0f} s")

    def verify(self) -> None:
        """Ask the store now (not the keeper's last answer) whether the lease is still ours:
        before acting on a sign that another monitor took over."""
        self.check()
        try:
            with self._lock:
                if self._conn is None:
                    raise LeaseLost("the lease's connection is closed")
                ours = self._conn.execute(text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND "
                    "classid = :hi AND objid = :lo AND objsubid = 1 AND granted AND "
                    "pid = pg_backend_pid()"), _split(self.key)).scalar()
        except SQLAlchemyError as err:
            self._lost = f"the lease's connection failed: {_short(err)}"
            raise LeaseLost(self._lost) from err
        if not ours:
            self._lost = "the lease is no longer held by this monitor"
            raise LeaseLost(self._lost)

    def fence(self, conn: Connection) -> None:
        """In a write transaction: hold the write key to the commit, and make sure the lease
        is still held by our lease connection; otherwise nothing of it may commit."""
        self.check()
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self.write_key})
        ours = conn.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = :hi AND "
            "objid = :lo AND objsubid = 1 AND granted AND pid = :pid"),
            {**_split(self.key), "pid": self._pid}).scalar()
        if not ours:
            self._lost = "the lease's connection is gone (another monitor may hold it now)"
            raise LeaseLost(self._lost)

    def _keep(self) -> None:
        while not self._stop.wait(self.ping_s):
            try:
                with self._lock:
                    if self._conn is None:
                        return
                    self._conn.execute(text("SELECT 1"))
                self._last_ok = time.monotonic()
            except SQLAlchemyError as err:
                self._lost = f"the lease's connection failed: {_short(err)}"
                log.error("lease lost: %s", self._lost)
                self._close()
                return

    # --- giving it up -----------------------------------------------------------------------------

    def release(self) -> None:
        """Give the lease up (closing its connection frees it even if the unlock fails)."""
        self._stop.set()
        if self._keeper is not None and self._keeper is not threading.current_thread():
            self._keeper.join(timeout=self.ping_s + 1)
        self._keeper = None
        self._close()

    def _close(self) -> None:
        conn, self._conn, self._pid = self._conn, None, None
        if conn is not None:
            with contextlib.suppress(SQLAlchemyError):  # it is gone either way
                conn.close()

    def dispose(self) -> None:
        self.release()
        self._engine.dispose()


class FileLease:
    """An exclusive ``flock`` next to a SQLite file: one monitor per identity and file."""

    def __init__(self, database: Path, identity: str) -> None:
        self.database, self.identity = database, identity
        self.path = database.with_name(f"{database.name}.{identity}.lock")
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`LeaseHeld` naming who has it."""
        make_parent(self.path)  # the store's folder, with the store's own messages
        try:
            handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held to release
        except OSError as err:
            raise StoreError(f"cannot create the monitor's lock file {self.path}: "
                             f"{err.strerror}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            who = handle.read().strip() or "another process"
            handle.close()
            raise LeaseHeld(f"another monitor ({who}) is already running as {self.identity} "
                            f"on {self.database}; a standby needs a PostgreSQL store (see "
                            "monitor/README.md)") from None
        handle.seek(0)
        handle.truncate()
        handle.write(describe_self())
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing drops the flock
            self._file = None


def lease_for(url: str, identity: str) -> PostgresLease | FileLease | None:
    """The lease kind the store at ``url`` supports (none for an in-memory SQLite)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None  # opening the store says what is wrong with the URL
    if parsed.get_backend_name() == "postgresql":
        return PostgresLease(url, identity)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return FileLease(Path(parsed.database).resolve(), identity)
    return None


def _split(key: int) -> dict[str, int]:
    """A bigint advisory key as pg_locks shows it: high and low 32 bits (unsigned)."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    return {"hi": unsigned >> 32, "lo": unsigned & 0xFFFFFFFF}


def _short(err: Exception) -> str:
    return str(getattr(err, "orig", err)).splitlines()[0][:200]
