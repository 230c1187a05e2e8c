"""Which database errors are worth waiting out, decided by type and error code (never by
words in a message), and the one backoff policy for waiting them out, through tenacity.

Transient: the connection was lost or invalidated (SQLAlchemy's ``connection_invalidated``,
``DisconnectionError``, an ``OSError`` underneath), PostgreSQL connection, shutdown, resource
and lock classes of SQLSTATE, and SQLite's busy, locked, full, I/O and read-only codes (a
full disk clears when the operator frees space; a locked file when the other writer commits).
Anything else (a constraint, a bad column, a programming error) raises at once."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, DisconnectionError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_never, wait_random
from tenacity.wait import wait_exponential

T = TypeVar("T")

INITIAL_S, CAP_S, JITTER = 0.05, 5.0, 0.1
"""The backoff policy: 50 ms, doubling to at most the cap, plus up to 10 % random jitter so
workers that failed together do not retry in lockstep."""

# SQLite primary result codes (https://sqlite.org/rescode.html)
SQLITE_TRANSIENT = frozenset({5, 6, 8, 10, 13})  # BUSY, LOCKED, READONLY, IOERR, FULL
# PostgreSQL SQLSTATE classes and codes (appendix A of its manual)
PG_TRANSIENT_CLASSES = ("08", "53", "57P")  # connection, insufficient resources, shutdown
PG_TRANSIENT_CODES = frozenset({"40001", "40P01", "55P03"})  # serialization, deadlock, lock


def transient(err: BaseException) -> bool:
    """Whether trying the same work again later can succeed."""
    if isinstance(err, DisconnectionError):
        return True
    if not isinstance(err, DBAPIError):
        return isinstance(err, OSError)
    if err.connection_invalidated:
        return True
    orig = err.orig
    if isinstance(orig, OSError):
        return True
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in SQLITE_TRANSIENT
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is None:  # psycopg: no server answer at all (refused, reset, timed out)
        return type(orig).__name__ == "OperationalError"
    return sqlstate in PG_TRANSIENT_CODES or sqlstate.startswith(PG_TRANSIENT_CLASSES)


def backoff(cap_s: float = CAP_S, initial_s: float = INITIAL_S, *, jitter: bool = True) -> Any:
    """The one backoff policy, as a tenacity wait strategy (also the bridge's reconnect
    delays, ``firmware_bridge/backoff.py``). ``jitter=False`` only for tests."""
    wait = wait_exponential(multiplier=initial_s, min=initial_s, max=cap_s)
    return wait + wait_random(0, JITTER * initial_s) if jitter else wait


def until_it_lands(work: Callable[[], T], *, cap_s: float = CAP_S,
                   before_wait: Callable[[BaseException, float], None] | None = None) -> T:
    """Run ``work`` until it succeeds, waiting out transient errors; any other error is
    raised at once. ``before_wait(error, seconds)`` runs before each wait: it logs, and may
    raise to stop waiting (a monitor that lost its lease)."""

    def _before_sleep(state: RetryCallState) -> None:
        if before_wait is not None and state.outcome is not None:
            error = state.outcome.exception()
            assert error is not None
            before_wait(error, state.upcoming_sleep)

    retrying = Retrying(retry=retry_if_exception(transient), wait=backoff(cap_s),
                        stop=stop_never, before_sleep=_before_sleep, reraise=True)
    return retrying(work)
