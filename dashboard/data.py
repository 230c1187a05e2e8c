"""Cached, parameterised loaders over :mod:`store.queries`. Live data lives for about one
refresh (TTL 1 s); history for longer. Pages call these, never SQL."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st
from sqlalchemy import Engine

from store import privacy, queries
from store.db import make_engine

LIVE_TTL = 1.0
HISTORY_TTL = 60.0


@st.cache_resource(show_spinner=False)
def engine(url: str) -> Engine:
    return make_engine(url)


@st.cache_data(ttl=5, show_spinner=False)
def store_check(url: str) -> queries.StoreCheck:
    return queries.check_store(engine(url))


@st.cache_data(ttl=LIVE_TTL, show_spinner=False)
def desk_tiles(url: str, team: str | None) -> list[queries.DeskTile]:
    return queries.desk_tiles(engine(url), team=team)


@st.cache_data(ttl=LIVE_TTL, show_spinner=False)
def floor_kpis(url: str, team: str | None) -> queries.FloorKpis:
    return queries.floor_kpis(engine(url), now=datetime.now(UTC), team=team)


@st.cache_data(ttl=LIVE_TTL, show_spinner=False)
def alert_queue(url: str, team: str | None) -> list[queries.QueuedAlert]:
    return queries.alert_queue(engine(url), team=team)


@st.cache_data(ttl=LIVE_TTL, show_spinner=False)
def service_rows(url: str) -> list[queries.ServiceRow]:
    return queries.service_rows(engine(url))


@st.cache_data(ttl=LIVE_TTL, show_spinner=False)
def call_detail(url: str, call_id: str) -> queries.CallDetail | None:
    return queries.call_detail(engine(url), call_id)


@st.cache_data(ttl=5, show_spinner=False)
def recent_calls(url: str, search: str, live_only: bool) -> list[queries.CallSummary]:
    return queries.recent_calls(engine(url), search=search, live_only=live_only)



@st.cache_data(ttl=LIVE_TTL, show_spinner=False)
def desk_call(url: str, desk_id: str) -> str | None:
    return queries.desk_call(engine(url), desk_id)


@st.cache_data(ttl=LIVE_TTL, show_spinner=False)
def opening_call(url: str) -> str | None:
    return queries.opening_call(engine(url))

@st.cache_data(ttl=HISTORY_TTL, show_spinner=False)
def history_span(url: str) -> queries.HistorySpan:
    return queries.history_span(engine(url))


@st.cache_data(ttl=HISTORY_TTL, show_spinner=False)
def daily_stats(url: str, flt: queries.HistoryFilter) -> list[queries.DayStats]:
    return queries.daily_stats(engine(url), flt)


@st.cache_data(ttl=HISTORY_TTL, show_spinner=False)
def cue_breakdown(url: str, flt: queries.HistoryFilter) -> dict[str, int]:
    return queries.cue_breakdown(engine(url), flt)


@st.cache_data(ttl=HISTORY_TTL, show_spinner=False)
def ack_latency(url: str, flt: queries.HistoryFilter) -> list[queries.SupervisorLatency]:
    return queries.ack_latency(engine(url), flt)


@st.cache_data(ttl=HISTORY_TTL, show_spinner=False)
def qa_histogram(url: str, flt: queries.HistoryFilter) -> dict[int, int]:
    return queries.qa_histogram(engine(url), flt)


@st.cache_data(ttl=HISTORY_TTL, show_spinner=False)
def technique_rates(url: str, flt: queries.HistoryFilter) -> list[queries.TechniqueRate]:
    return queries.technique_rates(engine(url), flt)


@st.cache_data(ttl=HISTORY_TTL, show_spinner=False)
def agent_outcomes(url: str, flt: queries.HistoryFilter,
                   technique: str) -> list[queries.AgentOutcome]:
    return queries.agent_outcomes(engine(url), flt, technique)


@st.cache_data(ttl=HISTORY_TTL, show_spinner=False)
def recent_call_escalations(url: str, days: int) -> list[queries.CallEscalation]:
    return queries.recent_call_escalations(engine(url), days=days, now=datetime.now(UTC))


@st.cache_data(ttl=5, show_spinner=False)
def agent_privacy(url: str) -> bool:
    """The site's agents' privacy setting (a change from the CLI shows within 5 s; the
    dashboard's own toggle clears this at once)."""
    return privacy.agent_privacy(engine(url))


@st.cache_resource(show_spinner=False)
def pseudonym_key(url: str) -> bytes:
    return privacy.pseudonym_key(engine(url))  # made once, never changed


@st.cache_data(ttl=HISTORY_TTL, show_spinner=False)
def agent_codes(url: str, roster: tuple[str, ...]) -> dict[str, str]:
    return privacy.codes(pseudonym_key(url), roster)


@st.cache_data(ttl=5, show_spinner=False)
def dead_letters(url: str, hours: int, search: str) -> list[queries.DeadLetter]:
    since = None
    if hours > 0:
        from datetime import timedelta

        since = datetime.now(UTC) - timedelta(hours=hours)
    return queries.dead_letter_rows(engine(url), since=since, search=search)


def clear_live() -> None:
    """After a write (acknowledge, review): the next run must see it."""
    for loader in (alert_queue, floor_kpis, desk_tiles, call_detail):
        loader.clear()
