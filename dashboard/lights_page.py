"""Lights: each light's kind, address and health as the bridge reports it, a test button
per light, and the virtual lights. Reads the bridge's JSON files; works without a store."""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd
import streamlit as st

from dashboard import auth, common, data, lights_files
from dashboard.common import tr
from dashboard.i18n import state_name, word
from dashboard.plain import md
from dashboard.tiles import lights_from_bridge, lights_from_states, lights_html
from store.access import perform
from store.errors import StoreError
from store.queries import sqlite_path

PAGE_SIZE = 25


def page() -> None:
    cfg = common.config()
    st.title(tr("page_lights"))
    health_path = cfg.lights_dir / "health.json"
    health, error = lights_files.read_json(health_path)
    common.flash("_lights_flash")
    if error:
        st.error(tr("bad_file", path=health_path, error=error))
    elif health is None:
        st.info(tr("no_health", path=health_path))
    else:
        _health(health)
    st.subheader(tr("virtual_lights"))
    _virtual()


def _health(health: dict) -> None:
    bridge = health.get("bridge")
    if isinstance(bridge, dict) and bridge:
        st.caption(f"{tr('bridge')}: "
                   + " · ".join(f"{md(k)}={md(v)}" for k, v in bridge.items()))
    rows = lights_files.health_rows(health)
    st.subheader(tr("lights_health"))
    lang = common.lang()
    frame = pd.DataFrame([{**asdict(r), "kind": word("light_kind_", r.kind, lang),
                           "state": state_name(r.state, lang)} for r in rows])
    common.table(frame, "light-health", key="health")
    if not rows:
        return
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    number = st.number_input(tr("page_n"), 1, pages, 1, key="lights_page") if pages > 1 else 1
    for row in rows[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]:
        cols = st.columns([2, 2, 3, 1, 1])
        online = {True: "🟢", False: "🔴", None: "⚪"}[row.online]
        cols[0].markdown(f"{online} **{md(row.light)}**")
        cols[1].markdown(f"{md(word('light_kind_', row.kind, lang))} · "
                         f"{md(state_name(row.state, lang))}")
        cols[2].markdown(f"{tr('last_ok')}: {md(row.last_ok or '–')}"
                         + (f"  \n{tr('last_error')}: {md(row.last_error)}"
                            if row.last_error else ""))
        cols[3].markdown(md(row.address or "–"))
        cols[4].button(tr("test_light"), key=f"test_{row.light}", on_click=_test,
                       args=(row.light,), disabled="/" in row.light or row.light == "floor"
                       or not auth.may("light_test"))


def _test(light: str) -> None:
    try:
        url = common.config().db_url
        path = sqlite_path(url)
        store = data.engine(url) if (path is None or path.exists()) and data.store_check(
            url).ok else None
        perform(store, auth.writer(), "light_test", light,
                lambda: lights_files.request_test(common.config().lights_dir, light))
    except (OSError, ValueError, StoreError) as err:
        st.session_state["_lights_flash"] = ("error", md(err))
    else:
        st.session_state["_lights_flash"] = ("success", tr("test_sent", light=light))


def _virtual() -> None:
    cfg = common.config()
    path = cfg.lights_dir / "virtual.json"
    board, error = lights_files.read_json(path)
    if board is not None:
        st.caption(tr("virtual_from_bridge", path=path))
        st.html(lights_html(lights_from_bridge(board), common.lang()))
        return
    if error:
        st.warning(tr("bad_file", path=path, error=error))
    db = sqlite_path(cfg.db_url)
    if (db is not None and not db.exists()) or not data.store_check(cfg.db_url).ok:
        return
    st.caption(tr("virtual_from_states", path=path))
    st.html(lights_html(lights_from_states(data.desk_tiles(cfg.db_url, None)), common.lang()))


if __name__ == "__main__":  # Streamlit runs a page file as the main script
    page()
