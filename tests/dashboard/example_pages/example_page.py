"""A throwaway dashboard page for tests/dashboard/test_new_page.py: what adding a page takes
is one module like this next to ``dashboard/app.py`` plus one line in its ``PAGES``. It reads
the store through the dashboard's own helpers, as the shipped pages do.

Its title key is plain English: a key the catalogs do not have shows as itself (a shipped
page adds its key to the three catalogs, which tests/dashboard/test_translations.py checks)."""

from __future__ import annotations

import streamlit as st

from dashboard import auth, common, data
from dashboard.common import tr

TITLE = "Example page"


def page() -> None:
    st.title(tr(TITLE))
    cfg = common.config()
    common.require_store()
    st.metric("desks", len(data.desk_tiles(cfg.db_url, None)))
    who = auth.actor()
    st.caption(f"signed in as {who.name if who else 'nobody'}")


if __name__ == "__main__":  # Streamlit runs a page file as the main script
    page()
