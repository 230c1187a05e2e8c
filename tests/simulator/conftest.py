"""The simulator's tests share the monitor's fixtures (a real SQLite store per test)."""

from tests.monitor.conftest import db_url  # noqa: F401  (a fixture, used by name)
