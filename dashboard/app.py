"""The Streamlit entry script: ``streamlit run dashboard/app.py -- --db URL`` (what
``floorlight dashboard`` runs). Builds the navigation; each page is one module,
``<name>_page.py``, run as the page's script."""

from __future__ import annotations

import sys

import streamlit as st

from dashboard import auth, common
from dashboard.config import from_args

PAGES = (
    ("floor_page.py", "page_floor", "🟢", "floor"),
    ("call_page.py", "page_call", "📞", "call"),
    ("history_page.py", "page_history", "📈", "history"),
    ("model_page.py", "page_model", "🧠", "model"),
    ("lights_page.py", "page_lights", "💡", "lights"),
    ("dead_letters_page.py", "page_dead_letters", "🗂️", "dead-letters"),
)
AUDIT_PAGE = ("audit_page.py", "page_audit", "📜", "audit")  # analysts and admins only


def main() -> None:
    st.set_page_config(page_title="Floorlight", page_icon="🚦", layout="wide")
    if "_config" not in st.session_state:
        try:
            st.session_state["_config"] = from_args(sys.argv[1:])
        except ValueError as err:
            st.error(str(err))
            st.stop()
    common.sidebar()
    who = auth.current()
    shown = PAGES + ((AUDIT_PAGE,) if who is not None and who.may("audit") else ())
    pages = [
        st.Page(path, title=common.tr(title), icon=icon, url_path=url, default=i == 0)
        for i, (path, title, icon, url) in enumerate(shown)
    ]
    # the pages are registered (hidden) before sign-in too, so a link such as
    # /call?call=… still opens that page once the person has signed in
    nav = st.navigation(pages, position="sidebar" if who is not None else "hidden")
    if who is None:
        auth.sign_in_page()  # the form, then the end of this run
    auth.sidebar()
    common.monitor_banner()
    nav.run()


if __name__ == "__main__":  # Streamlit runs this file as the main script; tests import PAGES
    main()
