"""The dashboard's pages as the tests name them, read from the one list in dashboard/app.py."""

from __future__ import annotations

from dashboard.app import AUDIT_PAGE, PAGES

ALL = (*PAGES, AUDIT_PAGE)
NAMES = tuple(path.removesuffix("_page.py") for path, *_ in ALL)
"""Page names as ``app(url, page)`` takes them: ``floor``, ``call``, …, ``audit``."""
TITLES = {path.removesuffix("_page.py"): title for path, title, *_ in ALL}
"""Page name -> the label key of its title."""
URLS = {path.removesuffix("_page.py"): url for path, _t, _i, url in ALL}
"""Page name -> its URL path in a browser."""
