"""History and coaching: escalation and sentiment over time, cues, supervisors' response
times, QA scores, per-agent technique use over time, and the four-quadrant coaching chart.
Every table can be downloaded as CSV."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from dashboard import charts, common, data
from dashboard.common import tr
from dashboard.i18n import cue_name, word
from store.queries import TECHNIQUES, HistoryFilter

DEFAULT_DAYS = 30


def page() -> None:
    common.require_store()
    url = common.config().db_url
    st.title(tr("page_history"))
    span = data.history_span(url)
    if span.calls == 0 or span.first_day is None or span.last_day is None:
        st.info(tr("no_history"))
        return
    flt = _filters(span)
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
        common.table(pd.DataFrame([{tr("cue"): cue_name(c, lang), "cue": c, tr("count"): n}
                                   for c, n in cues.items()]), "cues", key="cues")
    with right:
        latency = data.ack_latency(url, flt)
        st.plotly_chart(charts.ack_latency_bars(latency, lang), key="latency_chart")
        common.table(pd.DataFrame([asdict(r) for r in latency]), "ack-latency", key="latency")
    qa = data.qa_histogram(url, flt)
    st.plotly_chart(charts.qa_histogram(qa, lang), key="qa_chart")
    common.table(pd.DataFrame({"qa_from": list(qa), "calls": list(qa.values())}),
                 "qa-scores", key="qa")
    _techniques(url, flt)
    _quadrant(url, flt)


def _filters(span) -> HistoryFilter | None:
    """Date range, team and agent; absurd ranges become a message, not an exception."""
    default = (max(span.first_day, span.last_day - timedelta(days=DEFAULT_DAYS - 1)),
               span.last_day)
    cols = st.columns([2, 1, 1])
    picked = cols[0].date_input(tr("date_range"), value=default, key="history_range",
                                min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
    team = cols[1].selectbox(tr("team"), ["", *span.teams], key="history_team",
                             format_func=common.labels(["", *span.teams],
                                                       all_key="all_teams")) or None
    agent = cols[2].selectbox(tr("agent"), ["", *span.agents], key="history_agent",
                              format_func=common.labels(["", *span.agents],
                                                                all_key="all_agents")) or None
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


def _techniques(url: str, flt: HistoryFilter) -> None:
    st.subheader(tr("technique_use"))
    technique = st.selectbox(tr("technique"), TECHNIQUES, index=1, key="technique_pick",
                             format_func=common.labels(TECHNIQUES, prefix="tech_"))
    rates = data.technique_rates(url, flt)
    if not rates:
        st.info(tr("range_empty", start=flt.start, end=flt.end))
        return
    st.plotly_chart(charts.technique_heatmap(rates, technique, common.lang()),
                    key="technique_chart")
    frame = pd.DataFrame([{"agent_id": r.agent_id, "week": r.week,
                           "technique": word("tech_", r.technique, common.lang()),
                           "applicable": r.applicable, "used": r.used,
                           "rate": round(r.rate, 4)} for r in rates])
    common.table(frame, "technique-use", key="techniques")


def _quadrant(url: str, flt: HistoryFilter) -> None:
    st.subheader(tr("quadrant"))
    cols = st.columns(2)
    technique = cols[0].selectbox(tr("technique"), TECHNIQUES, index=1, key="quadrant_technique",
                                  format_func=common.labels(TECHNIQUES, prefix="tech_"))
    outcome = cols[1].selectbox(tr("outcome"), tuple(charts.OUTCOMES), key="quadrant_outcome",
                                format_func=common.labels(charts.OUTCOMES, prefix="out_"))
    points = charts.quadrant_points(data.agent_outcomes(url, flt, technique), outcome,
                                   technique)
    if not points:
        st.info(tr("range_empty", start=flt.start, end=flt.end))
        return
    st.plotly_chart(charts.quadrant(points, technique, outcome, common.lang()),
                    key="quadrant_chart")
    st.caption(tr("quadrant_help"))
    frame = pd.DataFrame([{"agent_id": p["agent_id"], "team": p["team"], "calls": p["calls"],
                           "use_rate": p["use_rate"], outcome: p["outcome"],
                           tr("zone"): tr(f"zone_{p['zone']}"), "zone": p["zone"]}
                          for p in points])
    common.table(frame, f"quadrant-{technique}-{outcome}", key="quadrant")


if __name__ == "__main__":  # Streamlit runs a page file as the main script
    page()
