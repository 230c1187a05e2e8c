"""What every page shares: the configuration, the sidebar (language, team),
the store guard (a clear message instead of a traceback), the monitor banner, CSV export,
the messages that stay until dismissed, and writes made with the signed-in name."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import pandas as pd
import streamlit as st
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from streamlit.errors import StreamlitAPIException

from dashboard import data
from dashboard.config import DashboardConfig
from dashboard.i18n import LANGUAGES, has, t, word
from dashboard.plain import md, md_values
from store import services
from store.access import ACTIONS, Actor
from store.db import head_revision
from store.errors import StoreError
from store.feedback import acknowledge_alert
from store.queries import sqlite_path
from store.schema import alerts

T = TypeVar("T")


def config() -> DashboardConfig:
    return st.session_state["_config"]


def lang() -> str:
    return st.session_state.get("lang", "en")


def tr(key: str, **values: object) -> str:
    """The label ``key`` in this run's language. Every message goes to a markdown element,
    so ``values`` (paths, ids, names, error text) are escaped to show as plain text."""
    return t(key, lang(), **md_values(values))


def sidebar() -> None:
    """The interface language: kept in session state across pages. (Who is signed in:
    ``dashboard/auth.py``; their name goes with every write, no name is typed.)"""
    with st.sidebar:
        st.selectbox(t("language", lang()), list(LANGUAGES), format_func=LANGUAGES.get,
                     key="lang", on_change=_relabel_choices)


def _relabel_choices() -> None:
    """On a language switch, hand every keyed choice its own value back. A keyed widget
    keeps its identity when its option labels change, and the browser goes on showing the
    label it had drawn (the old language: Team read "All teams" after a switch to 繁體中文)
    until the value is set from the server; a value set through session state is sent with
    its label in the new language. Text, numbers and other plain values are set back too,
    unchanged; widgets whose value cannot be set (buttons, uploads) refuse and are skipped."""
    for key in list(st.session_state):
        value = st.session_state[key]
        if key == "lang" or str(key).startswith("_") or isinstance(value, bool) \
                or not isinstance(value, str | int):
            continue
        try:
            st.session_state[key] = value
        except StreamlitAPIException:
            continue


def labels(options, *, all_key: str = "", prefix: str = "", translate: bool = False):
    """A ``format_func`` fixed to this run's language. (A lambda calling ``tr`` would read
    the language when the widget is drawn later, outside this run.)"""
    names = {o: (tr(f"{prefix}{o}") if prefix or translate else o) if o else tr(all_key)
             for o in options}
    return names.get


def team_filter(teams: list[str], *, key: str = "team") -> str | None:
    options = ["", *teams]
    if st.session_state.get(key) not in options:
        st.session_state[key] = ""
    choice = st.selectbox(tr("team"), options, key=key,
                          format_func=labels(options, all_key="all_teams"))
    return choice or None


def require_store():
    """The store's engine, or a clear message and the end of this page run."""
    url = config().db_url
    path = sqlite_path(url)
    if path is not None and not path.exists():
        st.error(tr("db_missing", path=path))
        st.stop()
    check = data.store_check(url)
    if not check.ok:
        message = {
            "missing": lambda: tr("db_missing", path=check.detail),
            "empty": lambda: tr("db_empty", path=check.detail),
            "old_schema": lambda: tr("db_old", rev=check.revision or "–", head=head_revision()),
            "newer_schema": lambda: tr("db_newer", rev=check.revision, head=head_revision()),
        }.get(check.status, lambda: tr("db_unreadable", detail=check.detail))()
        st.error(message)
        st.stop()
    return data.engine(url)


def monitor_banner(now: datetime | None = None) -> None:
    """A warning for each monitor worker the floor needs that is offline, silent or missing
    (the registry's judgement, ``store/services.py``, as the bridge makes it too)."""
    url = config().db_url
    path = sqlite_path(url)
    if (path is not None and not path.exists()) or not data.store_check(url).ok:
        return
    now = now or datetime.now(UTC)
    floor = services.liveness(services.from_rows(data.service_rows(url)), now)
    if not floor.registered:
        st.info(tr("monitor_never"))
    for worker in floor.down:
        _worker_warning(worker, now)
    heard = [w.sighting for w in floor.workers if w.sighting is not None]
    gaps = sum(int((s.info or {}).get("gaps") or 0) for s in heard)
    if gaps > 0:
        st.warning(tr("monitor_gaps", n=gaps), icon="⚠️")
    for worker in floor.workers:
        info = worker.sighting.info if worker.sighting is not None else None
        if worker.state == services.ONLINE and info:
            model_refused(info)
            if info.get("model"):
                st.caption(tr("monitor_model", version=info["model"],
                              since=when(info.get("model_since"))))
            break  # one line for the floor: every worker follows the same registry


def _worker_warning(worker: services.Worker, now: datetime) -> None:
    sighting, sharded = worker.sighting, worker.service.sharded
    if worker.state == services.SILENT and sighting is not None and sighting.heard_at:
        age = (now - sighting.heard_at).total_seconds()
        text = tr("worker_stale", name=worker.service, age=age) if sharded \
            else tr("monitor_stale", age=age)
    elif worker.state == services.MISSING:
        text = tr("worker_missing", name=worker.service)
    else:
        text = tr("worker_offline", name=worker.service) if sharded else tr("monitor_offline")
    st.warning(text, icon="⚠️")


FEEDBACK = "_feedback"  # session state: the messages shown until dismissed, oldest first
FEEDBACK_KEPT = 8  # a session that never dismisses anything does not grow without end
TOAST_ICONS = {"success": "✅", "info": "ℹ️", "warning": "⚠️", "error": "🚫"}


def notify(kind: str, text: str, *, about: str | None = None) -> None:
    """Queue a message for the person (``kind``: Streamlit's ``success``, ``info``,
    ``warning`` or ``error``; ``text`` already translated and escaped). It stays on every
    page and every refresh until they dismiss it: a confirmation or a refusal that vanished
    with the next 2 s refresh would leave them unsure whether their action counted. A newer
    message ``about`` the same thing (a light test that was waiting, now passed) replaces
    the older one."""
    queue = st.session_state.setdefault(FEEDBACK, [])
    if about is not None:
        queue[:] = [m for m in queue if m[3] != about]
    serial = st.session_state.get("_feedback_serial", 0) + 1
    st.session_state["_feedback_serial"] = serial
    queue.append((serial, kind, text, about))
    del queue[:-FEEDBACK_KEPT]
    # the queue shows at the top of the page; a button far down (Save review) gets a toast
    # too, so the answer is seen where the click was
    st.toast(text, icon=TOAST_ICONS.get(kind))


def dismiss(serial: int) -> None:
    st.session_state[FEEDBACK] = [m for m in st.session_state.get(FEEDBACK, [])
                                  if m[0] != serial]


def feedback() -> None:
    """The queued messages, each with its dismiss button. Call it once per page run (the
    buttons' keys are the messages' serial numbers); inside a page's live fragment, so a
    message left by a button in the fragment shows in the same run."""
    for serial, kind, text, _about in list(st.session_state.get(FEEDBACK, [])):
        message, close = st.columns([12, 1], vertical_alignment="center")
        with message:
            getattr(st, kind)(text)
        close.button("✕", key=f"dismiss_{serial}", on_click=dismiss, args=(serial,),
                     help=tr("dismiss"))


def refusal(action: str) -> str | None:
    """Why the signed-in person may not do ``action`` (for a greyed button), or None."""
    from dashboard import auth  # auth builds on this module

    who = auth.actor()
    if who is None:
        return tr("sign_in_to_write")
    if who.may(action):
        return None
    return tr("refused_for_role", role=tr(f"role_{who.role}"),
              needed=tr(f"role_{ACTIONS[action]}"))


def guarded_write(write: Callable[[Engine, Actor | None], T]) -> T | None:
    """Run ``write(engine, actor)`` with the signed-in person (the store checks the role);
    a refusal or a store that is down becomes a message (:func:`notify`), not a traceback.
    None when nothing was written."""
    from dashboard import auth  # auth builds on this module

    engine = data.engine(config().db_url)
    try:
        # asked first: with no store to read the role from, the refusal would otherwise
        # say "sign in first", which sends the person the wrong way
        with engine.connect() as conn:
            conn.execute(select(alerts.c.id).limit(1))
        return write(engine, auth.writer())
    except StoreError as err:
        notify("error", md(err))
    except SQLAlchemyError as err:
        notify("error", tr("store_down", detail=type(err).__name__))
    return None


def acknowledge(alert_id: int, desk_id: str) -> None:
    """Button callback (floor queue, call page): acknowledge with the signed-in name. It
    runs before the rerun, so the page is drawn without the alert."""
    result = guarded_write(lambda engine, who: acknowledge_alert(engine, alert_id, who))
    if result is None:
        return
    if result.acknowledged:
        notify("success", tr("acked_ok", desk=desk_id))
    else:
        status = word("alert_status_", result.status, lang())
        notify("warning", tr("already_acked", status=status, who=result.acked_by or "–"))
    data.clear_live()


def model_refused(info: dict) -> None:
    """A warning when a monitor refused the promoted model (from its heartbeat ``info``)."""
    refused = info.get("model_refused")
    if isinstance(refused, dict):
        st.warning(tr("monitor_model_refused", version=refused.get("version"),
                      running=info.get("model"), reason=refused.get("reason")), icon="⚠️")


def when(iso: object) -> str:
    """A time from a heartbeat (ISO 8601) as the dashboard shows it: UTC, to the second."""
    try:
        moment = datetime.fromisoformat(str(iso))
    except ValueError:
        return "–"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def csv_button(frame: pd.DataFrame, name: str, *, key: str) -> None:
    st.download_button(tr("download_csv"), frame.to_csv(index=False).encode("utf-8"),
                       file_name=f"{name}.csv", mime="text/csv", key=key)


def header(column: object) -> object:
    """A table column's header in this run's language: ``col_<name>`` in the catalogs for a
    column named by the code (``call_id``, ``raised_at``); a header a page already wrote
    with ``tr`` is kept."""
    key = f"col_{column}"
    return tr(key) if isinstance(column, str) and has(key) else column


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as shown: headers translated, and an empty text cell as "–" (the grid
    writes an empty text cell as the English word "None")."""
    shown = frame.rename(columns=header)
    for i in range(shown.shape[1]):
        cells = shown.iloc[:, i]
        if pd.api.types.is_object_dtype(cells) or pd.api.types.is_string_dtype(cells):
            shown.iloc[:, i] = cells.where(cells.notna(), "–")
    return shown


def table(frame: pd.DataFrame, name: str, *, key: str, csv_only: tuple[str, ...] = ()) -> None:
    """A table with its CSV export (every table on the dashboard has one). The headers are
    shown in the interface language; the CSV keeps the columns' names, which scripts read.
    ``csv_only`` columns (a cue's or zone's code beside its translated name) go to the CSV
    only, so the screen shows each fact once."""
    shown = frame.drop(columns=[c for c in csv_only if c in frame.columns])
    st.dataframe(_shown(shown), hide_index=True, width="stretch")
    csv_button(frame, name, key=f"csv_{key}")
