"""The live floor: KPIs, a tile per desk (click one to open its call), the alert queue with
Acknowledge / Open call, and the virtual desk lights. Everything live sits in one fragment
that reruns on its own every few seconds, so the rest of the page (filters, scroll) stays
put; messages after an action stay until dismissed (``common.feedback``)."""

from __future__ import annotations

import html
import io
import math
import struct
import time
import wave
from datetime import UTC, datetime
from functools import cache

import pandas as pd
import streamlit as st

from dashboard import common, data, lights_files
from dashboard.common import tr
from dashboard.i18n import cue_name
from dashboard.plain import md
from dashboard.tiles import (
    lights_for_team,
    lights_from_bridge,
    lights_from_states,
    lights_html,
    tiles_html,
)
from store.queries import QueuedAlert

QUEUE_SHOWN = 8  # with buttons; the rest are listed in a table below them
SEVERITY_ICON = ("🔴", "🔴", "🔴", "🟠", "🟠", "🟠", "🟡", "🟣", "🟡")


def page() -> None:
    started = time.perf_counter()
    common.require_store()
    url = common.config().db_url
    st.title(tr("page_floor"))
    left, right = st.columns([3, 1])
    with left:
        teams = sorted({t.team for t in data.desk_tiles(url, None) if t.team})
        team = common.team_filter(teams, key="floor_team")
    with right:
        st.toggle(tr("sound"), key="sound")
    _follow_tile_click()
    live = st.fragment(run_every=common.config().refresh_s)(live_floor)
    live(team)
    _timing("page", started)


# Tiles are drawn by st.html, which runs no script: this script-only component listens for
# clicks on them in the page and hands the desk (and its call) to Python, so opening a call
# stays in this session. A plain link would load the app anew: a new session, signed out.
# Ctrl/Cmd/Shift-click and middle-click still follow the tile's link (a new tab, by choice).
_TILE_CLICKS_JS = """
export default function ({ setTriggerValue }) {
  const open = (event) => {
    const tile = event.target.closest ? event.target.closest("a.fl-tile[data-desk]") : null;
    if (!tile || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    event.preventDefault();
    setTriggerValue("open", { desk: tile.dataset.desk, call: tile.dataset.call || "" });
  };
  document.addEventListener("click", open, true);
  return () => document.removeEventListener("click", open, true);
}
"""
_tile_clicks = st.components.v2.component("floorlight_tile_clicks", js=_TILE_CLICKS_JS)


def _follow_tile_click() -> None:
    """A clicked tile: Call detail on the desk's current call, else its last one."""
    clicked = _tile_clicks(key="tile_clicks", on_open_change=lambda: None).open
    if not isinstance(clicked, dict):
        return
    params = tile_query(str(clicked.get("desk") or ""), str(clicked.get("call") or ""))
    if params:
        st.switch_page("call_page.py", query_params=params)


def tile_query(desk: str, call: str) -> dict[str, str]:
    """Call detail's query for a clicked tile: its call, else the desk (the page finds the
    desk's last call)."""
    if call:
        return {"call": call}
    return {"desk": desk} if desk else {}


def _timing(name: str, started: float) -> None:
    """Server-side run times, kept for the benchmark and the curious (last 50 of each)."""
    timings = st.session_state.setdefault("_timings", {})
    timings.setdefault(name, []).append(time.perf_counter() - started)
    del timings[name][:-50]


def live_floor(team: str | None) -> None:
    started = time.perf_counter()
    url = common.config().db_url
    now = datetime.now(UTC)
    tiles = data.desk_tiles(url, team)
    queue = data.alert_queue(url, team)
    common.feedback()
    _kpis(data.floor_kpis(url, team), now)
    _notify(queue)
    desks, alerts = st.columns([3, 2])
    with desks:
        st.subheader(tr("desks"))
        if tiles:
            st.caption(tr("tiles_help"))
            st.html(tiles_html(tiles, now, common.lang()))
        else:
            st.info(tr("no_desks"))
    with alerts:
        st.subheader(tr("alert_queue"))
        if queue and (refused := common.refusal("acknowledge")):
            st.caption(refused)
        _queue(queue, now)
    # Drawn only when asked for (or when they are the floor's only lights): 500 bulbs on
    # every refresh are not free, and a collapsed expander would still build them.
    if st.toggle(tr("virtual_lights"), value=_no_hardware(), key="show_virtual_lights"):
        _virtual_lights(tiles, team)
    _timing("fragment", started)


def _kpis(kpis, now: datetime) -> None:
    cols = st.columns(4)
    cols[0].metric(tr("calls_in_progress"), kpis.calls_in_progress)
    cols[1].metric(tr("open_alerts"), kpis.open_alerts)
    oldest = "–"
    if kpis.oldest_unacked_at is not None:
        seconds = max(0, int((now - kpis.oldest_unacked_at).total_seconds()))
        oldest = f"{seconds // 60}:{seconds % 60:02d}"
    cols[2].metric(tr("oldest_unacked"), oldest)
    rate = kpis.escalation_rate_today
    cols[3].metric(tr("escalation_today"), "–" if rate is None else f"{rate:.0%}")


def _notify(queue: list[QueuedAlert]) -> None:
    """A toast (and optionally a sound) for alerts not seen before in this session. The
    first view only remembers what is open: it is all on screen already."""
    seen = st.session_state.get("_seen_alerts")
    ids = {a.id for a in queue}
    if seen is not None:
        fresh = [a for a in queue if a.id not in seen]
        for alert in fresh[:5]:
            st.toast(tr("new_alert", desk=alert.desk_id, reason=cue_name(alert.reason,
                                                                          common.lang())),
                     icon="🚨")
        if fresh and st.session_state.get("sound"):
            st.audio(beep_wav(), format="audio/wav", autoplay=True)
        ids |= seen
    st.session_state["_seen_alerts"] = ids


@cache
def beep_wav(freq: float = 880.0, seconds: float = 0.25, rate: int = 16000) -> bytes:
    """A short sine beep, generated (nothing is downloaded or shipped)."""
    frames = b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq * i / rate)))
        for i in range(int(seconds * rate)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


def _queue(queue: list[QueuedAlert], now: datetime) -> None:
    if not queue:
        st.success(tr("no_alerts"))
        return
    lang = common.lang()
    for alert in queue[:QUEUE_SHOWN]:
        with st.container(border=True, key=f"alert_{alert.id}"):
            st.markdown(
                f"{SEVERITY_ICON[min(alert.severity, len(SEVERITY_ICON) - 1)]} "
                f"**{md(cue_name(alert.reason, lang))}** · {tr('desk')} **{md(alert.desk_id)}** · "
                f"{md(alert.agent_id)} · {tr('age')} {_age(now, alert.raised_at)} · "
                f"{tr('risk')} {alert.risk:.0%}")
            if alert.turn_text:
                st.html(_why_html(alert))
            ack, open_ = st.columns(2)
            # greyed out, with the reason, for a viewer; the store refuses them anyway
            refused = common.refusal("acknowledge")
            ack.button(tr("acknowledge"), key=f"ack_{alert.id}", type="primary",
                       on_click=common.acknowledge, args=(alert.id, alert.desk_id),
                       disabled=refused is not None, help=refused)
            open_.page_link("call_page.py", label=tr("open_call"), icon="📞",
                            query_params={"call": alert.call_id})
    if len(queue) > QUEUE_SHOWN:
        st.caption(tr("more_alerts", n=len(queue) - QUEUE_SHOWN))
        rest = pd.DataFrame([{
            tr("reason"): cue_name(a.reason, lang), tr("desk"): a.desk_id, tr("agent"): a.agent_id,
            tr("age"): _age(now, a.raised_at), tr("risk"): round(a.risk, 2),
            tr("choose_call"): a.call_id,
        } for a in queue[QUEUE_SHOWN:]])
        st.dataframe(rest, hide_index=True, height=min(400, 36 * (len(rest) + 1)))


def _age(now: datetime, then: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _why_html(alert: QueuedAlert) -> str:
    from dashboard.transcript import highlight

    text = alert.turn_text or ""
    snippet = text if len(text) <= 160 else text[:157] + "…"
    return (f'<div style="font-size:13px;opacity:.9">“{highlight(snippet, alert.evidence)}”'
            f'</div>') if snippet else html.escape(text)


def _no_hardware() -> bool:
    """True when the bridge reports no physical light (or no bridge runs): the virtual
    lights are then the floor's lights, so they are shown open."""
    health, _error = lights_files.read_json(common.config().lights_dir / "health.json")
    kinds = {r.kind for r in lights_files.health_rows(health or {})}
    return not kinds or kinds == {"virtual"}


def _virtual_lights(tiles, team: str | None) -> None:
    path = common.config().lights_dir / "virtual.json"
    board, error = lights_files.read_json(path)
    if board is not None:
        st.caption(tr("virtual_from_bridge", path=path))
        shown = lights_for_team(lights_from_bridge(board), (t.desk_id for t in tiles), team)
        st.html(lights_html(shown, common.lang()))
        return
    if error:
        st.warning(tr("bad_file", path=path, error=error))
    st.caption(tr("virtual_from_states", path=path))
    st.html(lights_html(lights_from_states(tiles), common.lang()))


if __name__ == "__main__":  # Streamlit runs a page file as the main script
    page()
