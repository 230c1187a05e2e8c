"""Stores for the dashboard tests (real SQLite files, built once per session) and a helper
that opens the real app in Streamlit's AppTest against one of them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from models.artifacts import active_version
from tests.dashboard.store_factory import StoreInfo, StoreSpec, build_store, empty_store

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


@pytest.fixture(scope="session")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> StoreInfo:
    return build_store(tmp_path_factory.mktemp("small") / "floorlight.db",
                       StoreSpec(finished=80, live=8, desks=12))


@pytest.fixture(scope="session")
def large_store(tmp_path_factory: pytest.TempPathFactory) -> StoreInfo:
    return build_store(tmp_path_factory.mktemp("large") / "floorlight.db",
                       StoreSpec(finished=1500, live=300, desks=500, days=60))


@pytest.fixture(scope="session")
def empty_store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return empty_store(tmp_path_factory.mktemp("empty") / "floorlight.db")


@pytest.fixture
def fresh_store(tmp_path: Path) -> StoreInfo:
    """A small store a test may write to."""
    return build_store(tmp_path / "floorlight.db", StoreSpec(finished=20, live=5, desks=6))


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """``app(url, page=None, **session)`` → an AppTest that has run once on that page."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("FLOORLIGHT_HOME", str(home))

    def open_app(url: str, page: str | None = None, *, supervisor: str = "Mei",
                 role: str = "admin", query: dict | None = None, **session) -> AppTest:
        """Signed in as ``supervisor`` with ``role`` (an account made in the store; an empty
        name: nobody signed in, the sign-in form shows)."""
        monkeypatch.setenv("FLOORLIGHT_DB", url)
        at = AppTest.from_file(str(APP), default_timeout=60)
        if supervisor:
            sign_in(at, url, supervisor, role)
        for key, value in session.items():
            at.session_state[key] = value
        at.run()
        if page:
            for key, value in (query or {}).items():
                at.query_params[key] = value
            at.switch_page(f"{page}_page.py").run()
        return at

    open_app.home = home
    return open_app


def ensure_account(url: str, name: str, role: str, password: str | None = None) -> None:
    """The account ``name`` with ``role`` (and ``password``) in the store at ``url``, made or
    updated; a store that cannot hold accounts (missing, old, broken) is left alone: the
    dashboard shows its message before any sign-in."""
    from sqlalchemy import delete
    from sqlalchemy.exc import SQLAlchemyError

    from store.access import Actor
    from store.db import open_store
    from store.errors import StoreError
    from store.queries import sqlite_path
    from store.schema import users
    from store.users import add_user

    path = sqlite_path(url)
    if path is not None and not path.exists():
        return  # opening would create the file the test wants missing
    try:
        engine = open_store(url, migrate=False)
    except StoreError:
        return
    try:
        with engine.begin() as conn:
            conn.execute(delete(users).where(users.c.name == name))
        add_user(engine, name, role, password, Actor("test", "admin"))
    except (StoreError, SQLAlchemyError):
        pass
    finally:
        engine.dispose()


def sign_in(at: AppTest, url: str, name: str, role: str) -> None:
    """Signed in through session state, as the form leaves it (the form itself has its own
    tests in test_sign_in.py)."""
    from store.access import Actor

    ensure_account(url, name, role)
    at.session_state["_actor"] = Actor(name, role)
    at.session_state["_actor_source"] = "local"


@pytest.fixture
def registry(app, trained_registry: Path) -> Path:
    """A copy of the session's trained registry under the app's home, with a second version
    (same files, another name) so there is something to promote and roll back."""
    target = app.home / "models"
    shutil.copytree(trained_registry, target)
    first = active_version(target)
    second = "v29990101-000000"
    shutil.copytree(target / first, target / second)
    card = json.loads((target / second / "card.json").read_text())
    card["version"] = second
    (target / second / "card.json").write_text(json.dumps(card))
    return target
