"""Every page against every kind of store: empty, small, large, missing, older schema, not a
Floorlight database. No page may raise; store problems are one clear message."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dashboard.i18n import LANGUAGES, t
from store.db import make_engine, upgrade
from tests.dashboard.pages import NAMES as PAGES
from tests.dashboard.pages import TITLES

STORE_PAGES = ("floor", "call", "history", "dead_letters")  # need a usable store


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("store", ["empty", "small", "large"])
def test_page_renders(app, request, page: str, store: str) -> None:
    url = request.getfixturevalue("empty_store_url") if store == "empty" else \
        request.getfixturevalue(f"{store}_store").url
    at = app(url, page)
    assert not at.exception, at.exception
    assert at.title and at.title[0].value == t(TITLES[page])


@pytest.mark.parametrize("page", PAGES)
def test_empty_store_pages_say_so(app, empty_store_url: str, page: str) -> None:
    at = app(empty_store_url, page)
    assert not at.exception
    if page in ("call", "history", "dead_letters"):
        assert at.info, "an empty store is explained, not shown as blank"


def _old_store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0001")
    engine.dispose()
    return url


@pytest.mark.parametrize("page", STORE_PAGES)
@pytest.mark.parametrize("kind", ["missing", "old_schema", "not_floorlight"])
def test_bad_store_is_a_clear_message(app, tmp_path: Path, page: str, kind: str) -> None:
    if kind == "missing":
        url, expected = f"sqlite:///{tmp_path / 'nowhere' / 'none.db'}", "No database at"
    elif kind == "old_schema":
        url, expected = _old_store(tmp_path), "schema revision 0001"
    else:
        other = tmp_path / "other.db"
        with sqlite3.connect(other) as conn:
            conn.execute("create table things (x int)")
        url, expected = f"sqlite:///{other}", "no Floorlight tables"
    at = app(url, page)
    assert not at.exception
    assert any(expected in e.value for e in at.error), [e.value for e in at.error]
    if kind == "missing":
        assert not (tmp_path / "nowhere" / "none.db").exists(), "looking must not create it"


def test_monitor_banner_when_offline(app, tmp_path: Path) -> None:
    from tests.dashboard.store_factory import StoreSpec, build_store

    info = build_store(tmp_path / "offline.db", StoreSpec(finished=5, live=1, desks=2,
                                                          monitor_online=False))
    at = app(info.url, "floor")
    assert any("monitor is offline" in w.value for w in at.warning)


def test_monitor_banner_when_heartbeat_is_old(app, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from tests.dashboard.store_factory import StoreSpec, build_store

    info = build_store(tmp_path / "stale.db", StoreSpec(
        finished=5, live=1, desks=2, now=datetime.now(UTC) - timedelta(minutes=3)))
    at = app(info.url, "floor")
    assert any("No heartbeat from the monitor" in w.value for w in at.warning)


def test_monitor_banner_counts_turns_that_never_arrived(app, tmp_path: Path) -> None:
    import json

    from tests.dashboard.store_factory import StoreSpec, build_store

    info = build_store(tmp_path / "gaps.db", StoreSpec(finished=5, live=1, desks=2))
    with sqlite3.connect(tmp_path / "gaps.db") as conn:
        conn.execute("update services set info = ? where name = 'monitor'",
                     (json.dumps({"gaps": 3, "turns": 40}),))
    at = app(info.url, "floor")
    assert any("3 turns never arrived" in w.value for w in at.warning), \
        [w.value for w in at.warning]


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_chinese(app, small_store, lang: str, page: str) -> None:
    at = app(small_store.url, page, lang=lang)
    assert not at.exception
    assert at.title[0].value == t(TITLES[page], lang)
    assert at.title[0].value != t(TITLES[page], "en")
