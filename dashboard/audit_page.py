"""Audit: every acknowledgement, review, promotion, rollback, retrain, light test and account
change, with who (name and role) and when. For analysts and admins."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import auth, common
from dashboard.common import tr
from dashboard.i18n import word
from store.access import audit_rows

SHOWN = 2000


def page() -> None:
    st.title(tr("page_audit"))
    if not auth.may("audit"):  # the page is only listed for them; a typed URL lands here
        st.error(tr("audit_denied"))
        return
    engine = common.require_store()
    st.caption(tr("audit_help"))
    rows = audit_rows(engine, limit=SHOWN)
    if not rows:
        st.info(tr("no_audit"))
        return
    lang = common.lang()
    frame = pd.DataFrame([{"at": r.at, "who": r.actor, "role": word("role_", r.role, lang),
                           tr("action"): word("action_", r.action, lang), "target": r.target}
                          for r in rows])
    common.table(frame, "audit", key="audit")


if __name__ == "__main__":  # Streamlit runs a page file as the main script
    page()
