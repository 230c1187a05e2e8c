"""Lights: each light's kind, address and health as the bridge reports it (one table), a
test for a desk's light whose outcome stays on the page until dismissed, and the virtual
lights. Reads the bridge's JSON files; works without a store."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from dashboard import auth, common, data, lights_files
from dashboard.common import tr
from dashboard.i18n import label_keys, state_name, t, word
from dashboard.lights_files import LightHealthRow, LightTest
from dashboard.plain import md
from dashboard.tiles import lights_from_bridge, lights_from_states, lights_html
from store.access import perform
from store.errors import StoreError
from store.queries import sqlite_path

PENDING = "_light_test"  # the test request waiting for the bridge's answer
WAIT_S = 60.0  # a test cycles every state for a few seconds; past this the bridge is not answering


def page() -> None:
    cfg = common.config()
    st.title(tr("page_lights"))
    health_path = cfg.lights_dir / "health.json"
    health, error = lights_files.read_json(health_path)
    _collect_outcome(health or {})
    common.feedback()
    if error:
        st.error(tr("bad_file", path=health_path, error=error))
    elif health is None:
        st.info(tr("no_health", path=health_path))
    else:
        _health(health)
    if st.session_state.get(PENDING):
        st.fragment(run_every=1.0)(_watch)()
    st.subheader(tr("virtual_lights"))
    _virtual()


# --- health --------------------------------------------------------------------------------


def _health(health: dict) -> None:
    bridge = health.get("bridge")
    if isinstance(bridge, dict) and bridge:
        st.caption(f"{tr('bridge')}: {_bridge_line(bridge)}")
    rows = lights_files.health_rows(health)
    st.subheader(tr("lights_health"))
    common.table(health_frame(rows, common.lang()), "light-health", key="health")
    if rows:
        _test_panel(rows)


def health_frame(rows: list[LightHealthRow], lang: str) -> pd.DataFrame:
    """One row a light, every cell plain text ("–" for nothing known, times in UTC)."""
    return pd.DataFrame([{
        tr("light_col"): r.light,
        tr("kind"): word("light_kind_", r.kind, lang) if r.kind else "–",
        tr("address"): r.address or "–",
        tr("online"): _yes_no(r.online), tr("state"): state_name(r.state, lang),
        tr("last_ok"): _time(r.last_ok), tr("last_error"): _error(r),
        tr("last_test"): _outcome(r.last_test)} for r in rows],
        columns=[tr(k) for k in ("light_col", "kind", "address", "online", "state", "last_ok",
                                 "last_error", "last_test")])


def _plain(key: str, **values: object) -> str:
    """A label for a table cell, values unescaped (a dataframe renders no markdown; text
    for markdown goes through ``md`` instead)."""
    return t(key, common.lang(), **values)


def _yes_no(value: bool | None) -> str:
    return "–" if value is None else _plain("bool_true" if value else "bool_false")


def _time(iso: str | None) -> str:
    """A bridge time in UTC to the second; text that is no time is shown as it is."""
    if iso is None:
        return "–"
    shown = common.when(iso)
    return iso if shown == "–" else shown


def _error(row: LightHealthRow) -> str:
    if row.last_error is None:
        return "–"
    return f"{row.last_error} ({_time(row.last_error_at)})" if row.last_error_at \
        else row.last_error


def _outcome(test: LightTest | None) -> str:
    if test is None:
        return "–"
    if test.ok:
        return _plain("light_test_passed", at=_time(test.at))
    return _plain("light_test_failed", at=_time(test.at), error=test.error or "–")


def _bridge_line(bridge: dict) -> str:
    """The bridge's own report, key by key, as words (no Python reprs); markdown-safe."""
    known = label_keys()
    parts = []
    for key, value in bridge.items():
        label = _plain(f"bridge_{key}") if f"bridge_{key}" in known \
            else str(key).replace("_", " ")
        shown = _bridge_test(value) if key == "last_test" else _words(value)
        parts.append(f"{md(label)}: {md(shown)}")
    return " · ".join(parts)


def _bridge_test(value: object) -> str:
    """The bridge's last test, naming the light it was for."""
    test = lights_files.light_test(value)
    return f"{test.subject} {_outcome(test)}" if test and test.subject else _outcome(test)


def _words(value: object) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _plain("bool_true" if value else "bool_false")
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_words(v)}" for k, v in value.items()) or "–"
    if isinstance(value, list | tuple):
        return ", ".join(_words(v) for v in value) or "–"
    return str(value)


# --- testing a light -----------------------------------------------------------------------


def _test_panel(rows: list[LightHealthRow]) -> None:
    """Pick a light: its details, and a test for a desk's light."""
    names = [r.light for r in rows]
    if st.session_state.get("test_pick") not in names:
        st.session_state["test_pick"] = next((n for n in names if lights_files.testable(n)),
                                             names[0])
    cols = st.columns([3, 1])
    pick = cols[0].selectbox(tr("light_col"), names, key="test_pick")
    waiting = bool(st.session_state.get(PENDING))
    cols[1].button(tr("test_light"), key="test_light", on_click=_test,
                   disabled=not lights_files.testable(pick) or waiting
                   or not auth.may("light_test"))
    row = next(r for r in rows if r.light == pick)
    kind = word("light_kind_", row.kind, common.lang()) if row.kind else "–"
    lines = [f"**{md(row.light)}** ({md(kind)}, {_code(row.address)})"]
    if row.detail:  # the device's own words (firmware, model): data, shown as it is
        lines.append(f"{tr('device_report')}: {_code(row.detail)}")
    if row.last_error:
        lines.append(f"{tr('last_error')}: {md(_error(row))}")
    if row.last_test:
        lines.append(f"{tr('last_test')}: {md(_outcome(row.last_test))}")
    if not lights_files.testable(pick):
        lines.append(tr("light_not_testable"))
    st.markdown("  \n".join(lines))


def _code(text: str | None) -> str:
    """Device text (an address, a firmware report) as a code span: shown literally."""
    return f"`{text.replace('`', chr(39))}`" if text else "–"


def _test(now: datetime | None = None) -> None:
    light = st.session_state.get("test_pick")
    now = now or datetime.now(UTC)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as the request says it
    try:
        url = common.config().db_url
        path = sqlite_path(url)
        store = data.engine(url) if (path is None or path.exists()) and data.store_check(
            url).ok else None
        request = perform(store, auth.writer(), "light_test", str(light),
                          lambda: lights_files.request_test(common.config().lights_dir,
                                                            str(light), now=now))
    except (OSError, ValueError, StoreError) as err:
        common.notify("error", md(err), about="lights")
        return
    common.notify("info", tr("test_waiting", light=light), about="lights")
    st.session_state[PENDING] = {"light": light, "request": request.name,
                                 "since": now.isoformat()}


def _collect_outcome(health: dict) -> None:
    """Turn the waiting notice into the bridge's answer once it is in the health file (or
    into a warning when the bridge has not answered in ``WAIT_S``)."""
    pending = st.session_state.get(PENDING)
    if not pending:
        return
    since = datetime.fromisoformat(pending["since"])
    outcome = lights_files.request_outcome(health, pending["light"], pending["request"], since)
    light = pending["light"]
    if outcome is not None:
        st.session_state.pop(PENDING, None)
        if outcome.ok:
            common.notify("success", tr("test_passed", light=light, at=_time(outcome.at)),
                          about="lights")
        else:
            common.notify("error", tr("test_failed", light=light, at=_time(outcome.at),
                                      error=outcome.error or "–"), about="lights")
    elif (datetime.now(UTC) - since).total_seconds() > WAIT_S:
        st.session_state.pop(PENDING, None)
        common.notify("warning", tr("test_no_answer", light=light, s=int(WAIT_S)),
                      about="lights")


def _watch() -> None:
    """Polls the health file while a test is waiting; a full rerun shows the answer."""
    health, _error = lights_files.read_json(common.config().lights_dir / "health.json")
    pending = st.session_state.get(PENDING)
    if not pending:
        return
    since = datetime.fromisoformat(pending["since"])
    answered = lights_files.request_outcome(health or {}, pending["light"], pending["request"],
                                            since) is not None
    if answered or (datetime.now(UTC) - since).total_seconds() > WAIT_S:
        st.rerun()


# --- virtual lights ------------------------------------------------------------------------


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
