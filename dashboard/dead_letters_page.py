"""Dead letters: events the monitor rejected, newest first, with their reasons."""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd
import streamlit as st

from dashboard import common, data
from dashboard.common import tr


def page() -> None:
    common.require_store()
    url = common.config().db_url
    st.title(tr("page_dead_letters"))
    st.caption(tr("dead_letters_help"))
    cols = st.columns([2, 1])
    search = cols[0].text_input(tr("search"), key="dead_search", max_chars=200)
    hours = cols[1].number_input(tr("last_hours"), min_value=0, max_value=24 * 366, value=0,
                                 step=1, key="dead_hours")
    rows = data.dead_letters(url, int(hours), search.strip())
    if not rows:
        st.info(tr("no_dead_letters"))
        return
    frame = pd.DataFrame([asdict(r) for r in rows])
    common.table(frame, "dead-letters", key="dead_letters")


if __name__ == "__main__":  # Streamlit runs a page file as the main script
    page()
