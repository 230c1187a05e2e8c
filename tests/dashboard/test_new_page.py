"""Issue 13: a new dashboard page is one new module plus one ``PAGES`` line. Streamlit runs
``dashboard/app.py`` as a script and finds each page file next to it, so the test builds
that folder as a deployment would have it: the app (with the one added line) and the shipped
pages, and the throwaway ``tests/dashboard/example_pages/example_page.py`` beside them."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.i18n import t
from tests.dashboard.conftest import APP, sign_in
from tests.dashboard.example_pages import example_page
from tests.dashboard.pages import ALL, TITLES

EXAMPLE = Path(example_page.__file__)
LINE = '    ("example_page.py", "Example page", "🧪", "example"),\n'


def with_page_line(source: str) -> str:
    """``app.py`` with the example's line added at the end of ``PAGES``."""
    start = source.index("PAGES = (\n")
    end = source.index("\n)\n", start) + 1
    return source[:end] + LINE + source[end:]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """The dashboard's app and pages with the example added; the ``dashboard`` package (what
    the pages import) stays the installed one."""
    folder = tmp_path / "site"
    folder.mkdir()
    source = APP.read_text(encoding="utf-8")
    (folder / "app.py").write_text(with_page_line(source), encoding="utf-8")
    for path, *_ in ALL:
        shutil.copy(APP.parent / path, folder / path)
    shutil.copy(EXAMPLE, folder / EXAMPLE.name)
    return folder


def test_the_change_is_one_line(site: Path) -> None:
    before = APP.read_text(encoding="utf-8").splitlines(keepends=True)
    after = (site / "app.py").read_text(encoding="utf-8").splitlines(keepends=True)
    changed = [line for line in difflib.ndiff(before, after) if line[:2] in ("+ ", "- ")]
    assert changed == [f"+ {LINE}"]


@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_the_new_page_renders_with_its_title(site: Path, small_store, monkeypatch,
                                            tmp_path: Path, role: str) -> None:
    monkeypatch.setenv("FLOORLIGHT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FLOORLIGHT_DB", small_store.url)
    at = AppTest.from_file(str(site / "app.py"), default_timeout=60)
    sign_in(at, small_store.url, "Mei", role)
    at.run()
    assert not at.exception, at.exception
    at.switch_page("example_page.py").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Example page"]
    assert at.metric[0].value == str(len(small_store.desks))
    assert at.caption[-1].value == "signed in as Mei"

    at.switch_page("floor_page.py").run()  # the shipped pages are still there, as before
    assert not at.exception, at.exception
    assert at.title[0].value == t(TITLES["floor"])


def test_without_the_line_the_module_alone_is_not_a_page(site: Path, small_store, monkeypatch,
                                                         tmp_path: Path) -> None:
    shutil.copy(APP, site / "app.py")  # the shipped app: no PAGES line for the example
    monkeypatch.setenv("FLOORLIGHT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FLOORLIGHT_DB", small_store.url)
    at = AppTest.from_file(str(site / "app.py"), default_timeout=60)
    sign_in(at, small_store.url, "Mei", "admin")
    at.run()
    assert not at.exception, at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("example_page.py")  # only registered pages can be opened
