"""Stores for the dashboard tests (real SQLite files, built once per session) and a helper
that opens the real app in Streamlit's AppTest against one of them."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

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
                 query: dict | None = None, **session) -> AppTest:
        monkeypatch.setenv("FLOORLIGHT_DB", url)
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.session_state["supervisor"] = supervisor
        for key, value in session.items():
            at.session_state[key] = value
        at.run()
        if page:
            for key, value in (query or {}).items():
                at.query_params[key] = value
            at.switch_page(f"views/{page}.py").run()
        return at

    open_app.home = home
    return open_app
