"""The live floor: KPIs, a tile per desk, the alert queue with Acknowledge / Open call, and
the virtual desk lights. Everything live sits in one fragment that reruns on its own every
few seconds, so the rest of the page (filters, scroll) stays put."""

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

from dashboard import auth, common, data, lights_files
from dashboard.common import tr
from dashboard.i18n import cue_name, word
from dashboard.plain import md
from dashboard.tiles import lights_from_bridge, lights_from_states, lights_html, tiles_html
from store.errors import StoreError
from store.feedback import acknowledge_alert
from store.queries import AlertRow

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
    live = st.fragment(run_every=common.config().refresh_s)(live_floor)
    live(team)
    _timing("page", started)


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
    _kpis(data.floor_kpis(url, team), now)
    _notify(queue)
    desks, alerts = st.columns([3, 2])
    with desks:
        st.subheader(tr("desks"))
        if tiles:
            st.html(tiles_html(tiles, now, common.lang()))
        else:
            st.info(tr("no_desks"))
    with alerts:
        st.subheader(tr("alert_queue"))
        common.flash("_flash")
        _queue(queue, now)
    # Drawn only when asked for (or when they are the floor's only lights): 500 bulbs on
    # every refresh are not free, and a collapsed expander would still build them.
    if st.toggle(tr("virtual_lights"), value=_no_hardware(), key="show_virtual_lights"):
        _virtual_lights(tiles)
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


def _notify(queue: list[AlertRow]) -> None:
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


def _acknowledge(alert_id: int, desk_id: str) -> None:
    """Button callback: runs before the rerun, so the queue is drawn without the alert."""
    try:
        result = acknowledge_alert(data.engine(common.config().db_url), alert_id,
                                   auth.writer())
    except StoreError as err:
        st.session_state["_flash"] = ("error", md(err))
        return
    if result.acknowledged:
        st.session_state["_flash"] = ("success", tr("acked_ok", desk=desk_id))
    else:
        status = word("alert_status_", result.status, common.lang())
        st.session_state["_flash"] = ("warning", tr("already_acked", status=status,
                                                    who=result.acked_by or "–"))
    data.clear_live()


def _queue(queue: list[AlertRow], now: datetime) -> None:
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
            # greyed out for a viewer; the store refuses them anyway (acknowledge_alert)
            ack.button(tr("acknowledge"), key=f"ack_{alert.id}", type="primary",
                       on_click=_acknowledge, args=(alert.id, alert.desk_id),
                       disabled=not auth.may("acknowledge"))
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


def _why_html(alert: AlertRow) -> str:
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


def _virtual_lights(tiles) -> None:
    path = common.config().lights_dir / "virtual.json"
    board, error = lights_files.read_json(path)
    if board is not None:
        st.caption(tr("virtual_from_bridge", path=path))
        st.html(lights_html(lights_from_bridge(board), common.lang()))
        return
    if error:
        st.warning(tr("bad_file", path=path, error=error))
    st.caption(tr("virtual_from_states", path=path))
    st.html(lights_html(lights_from_states(tiles), common.lang()))


if __name__ == "__main__":  # Streamlit runs a page file as the main script
    page()
