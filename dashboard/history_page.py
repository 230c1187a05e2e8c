"""History and coaching: escalation and sentiment over time, cues, supervisors' response
times, QA scores, per-agent technique use over time, and the four-quadrant coaching chart.
Every table can be downloaded as CSV.

With the site's agents' privacy on (store/privacy.py), roles below analyst see every agent
on this page, in charts, filters and CSV files alike, as a stable pseudonym ("Agent 7F3A"):
the ids are replaced in the rows before anything is drawn, so no chart or export can miss
one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from dashboard import auth, charts, common, data
from dashboard.common import tr
from dashboard.i18n import cue_name, t, word
from dashboard.plain import md
from store import privacy
from store.errors import StoreError
from store.queries import TECHNIQUES, HistoryFilter

DEFAULT_DAYS = 30
PRIVACY_TOGGLE = "agent_privacy_toggle"
Label = Callable[[str], str]


def page() -> None:
    common.require_store()
    url = common.config().db_url
    st.title(tr("page_history"))
    _privacy_control(url)
    span = data.history_span(url)
    if span.calls == 0 or span.first_day is None or span.last_day is None:
        st.info(tr("no_history"))
        return
    label = agent_label(url, span.agents)
    flt = _filters(span, label)
    if flt is None:
        return
    lang = common.lang()
    days = data.daily_stats(url, flt)
    if not days:
        st.info(tr("range_empty", start=flt.start, end=flt.end))
        return
    st.plotly_chart(charts.escalation_over_time(days, lang), key="escalation_chart")
    common.table(pd.DataFrame([{**asdict(d), "escalation_rate": round(d.escalation_rate, 4)}
                               for d in days]), "daily", key="daily")
    left, right = st.columns(2)
    with left:
        cues = data.cue_breakdown(url, flt)
        st.plotly_chart(charts.cue_bars(cues, lang), key="cue_chart")
        rows = [{tr("cue"): cue_name(c, lang), "cue": c, tr("count"): n} for c, n in cues.items()]
        common.table(pd.DataFrame(rows), "cues", key="cues", csv_only=("cue",))
    with right:
        latency = data.ack_latency(url, flt)
        st.plotly_chart(charts.ack_latency_bars(latency, lang), key="latency_chart")
        common.table(pd.DataFrame([asdict(r) for r in latency]), "ack-latency", key="latency")
    qa = data.qa_histogram(url, flt)
    st.plotly_chart(charts.qa_histogram(qa, lang), key="qa_chart")
    common.table(pd.DataFrame({"qa_from": list(qa), "calls": list(qa.values())}),
                 "qa-scores", key="qa")
    _techniques(url, flt, label)
    _quadrant(url, flt, label)


def shows_names(url: str) -> bool:
    """Whether this person sees agents' ids here: analysts and admins always; the others
    while the site's agents' privacy is off."""
    return auth.may("see_agent_names") or not data.agent_privacy(url)


def agent_label(url: str, roster: Sequence[str]) -> Label:
    """How an agent is named on this page for this person: the id, or the pseudonym (codes
    fixed over the whole ``roster``, so they do not depend on the filters)."""
    if shows_names(url):
        return str
    key, known, lang = data.pseudonym_key(url), data.agent_codes(url, tuple(roster)), \
        common.lang()
    return lambda agent: t("agent_pseudonym", lang, code=privacy.code(key, agent, known))


def _privacy_control(url: str) -> None:
    """The setting as a switch (admins only may flip it; the store checks that too), and a
    line saying what it means for the person looking."""
    st.session_state[PRIVACY_TOGGLE] = on = data.agent_privacy(url)  # the store's, always
    st.toggle(tr("agent_privacy"), key=PRIVACY_TOGGLE, on_change=_set_privacy, args=(url,),
              disabled=not auth.may("change_settings"), help=tr("agent_privacy_help"))
    common.feedback()
    if on:
        st.caption(tr("agent_privacy_names" if auth.may("see_agent_names")
                      else "agent_privacy_pseudonyms"))


def _set_privacy(url: str) -> None:
    """Toggle callback: the store checks the role and writes the audit row."""
    on = bool(st.session_state.get(PRIVACY_TOGGLE))
    try:
        privacy.set_agent_privacy(data.engine(url), on, auth.writer())
    except StoreError as err:
        common.notify("error", md(err), about="privacy")
        return
    data.agent_privacy.clear()
    common.notify("success", tr("agent_privacy_now_on" if on else "agent_privacy_now_off"),
                  about="privacy")


def _filters(span, label: Label) -> HistoryFilter | None:
    """Date range, team and agent; absurd ranges become a message, not an exception."""
    default = (max(span.first_day, span.last_day - timedelta(days=DEFAULT_DAYS - 1)),
               span.last_day)
    cols = st.columns([2, 1, 1])
    picked = cols[0].date_input(tr("date_range"), value=default, key="history_range",
                                min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
    team = cols[1].selectbox(tr("team"), ["", *span.teams], key="history_team",
                             format_func=common.labels(["", *span.teams],
                                                       all_key="all_teams")) or None
    agents = {a: label(a) for a in span.agents}
    names = {"": tr("all_agents"), **agents}
    # ordered as shown: pseudonyms in id order would give the roster's order away
    agent = cols[2].selectbox(tr("agent"), ["", *sorted(agents, key=agents.get)],
                              key="history_agent", format_func=names.get) or None
    if not isinstance(picked, tuple | list) or len(picked) < 2:
        st.info(tr("pick_end"))
        return None
    start, end = picked[0], picked[1]
    if end < start:
        st.error(tr("range_bad"))
        return None
    if start < span.first_day or end > span.last_day:
        clamped = (max(start, span.first_day), min(end, span.last_day))
        if clamped[0] <= clamped[1]:
            st.caption(tr("range_clamped", first=span.first_day, last=span.last_day))
            start, end = clamped
    return HistoryFilter(start, end, team, agent)


def _agent_column(label: Label) -> str:
    return "agent_id" if label is str else "agent_pseudonym"


def _techniques(url: str, flt: HistoryFilter, label: Label) -> None:
    st.subheader(tr("technique_use"))
    technique = st.selectbox(tr("technique"), TECHNIQUES, index=1, key="technique_pick",
                             format_func=common.labels(TECHNIQUES, prefix="tech_"))
    rates = sorted((replace(r, agent_id=label(r.agent_id))
                    for r in data.technique_rates(url, flt)), key=lambda r: r.agent_id)
    if not rates:
        st.info(tr("range_empty", start=flt.start, end=flt.end))
        return
    st.plotly_chart(charts.technique_heatmap(rates, technique, common.lang()),
                    key="technique_chart")
    frame = pd.DataFrame([{_agent_column(label): r.agent_id, "week": r.week,
                           "technique": word("tech_", r.technique, common.lang()),
                           "applicable": r.applicable, "used": r.used,
                           "rate": round(r.rate, 4)} for r in rates])
    common.table(frame, "technique-use", key="techniques")


def _quadrant(url: str, flt: HistoryFilter, label: Label) -> None:
    st.subheader(tr("quadrant"))
    cols = st.columns(2)
    technique = cols[0].selectbox(tr("technique"), TECHNIQUES, index=1, key="quadrant_technique",
                                  format_func=common.labels(TECHNIQUES, prefix="tech_"))
    outcome = cols[1].selectbox(tr("outcome"), tuple(charts.OUTCOMES), key="quadrant_outcome",
                                format_func=common.labels(charts.OUTCOMES, prefix="out_"))
    agents = sorted((replace(a, agent_id=label(a.agent_id))
                     for a in data.agent_outcomes(url, flt, technique)),
                    key=lambda a: a.agent_id)
    chart = charts.quadrant_points(agents, outcome, technique)
    if not chart.points:
        st.info(tr("range_empty", start=flt.start, end=flt.end))
        return
    st.plotly_chart(charts.quadrant(chart, technique, outcome, common.lang()),
                    key="quadrant_chart")
    if chart.no_zones is not None:
        st.info(tr(f"quadrant_{chart.no_zones}", n=charts.MIN_QUADRANT_AGENTS,
                   count=len(chart.points)))
    st.caption(tr("quadrant_help"))
    frame = pd.DataFrame([{_agent_column(label): p["agent_id"], "team": p["team"],
                           "calls": p["calls"], "use_rate": p["use_rate"],
                           outcome: p["outcome"],
                           tr("zone"): tr(f"zone_{p['zone']}") if p["zone"] else "–",
                           "zone": p["zone"] or ""}
                          for p in chart.points])
    common.table(frame, f"quadrant-{technique}-{outcome}", key="quadrant", csv_only=("zone",))


if __name__ == "__main__":  # Streamlit runs a page file as the main script
    page()
