"""Call detail (live or past): the transcript as a conversation, the risk timeline with its
alert and acknowledgement, the QA scorecard, the caller style, and the review form whose
corrections become training feedback."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from dashboard import auth, charts, common, data
from dashboard.common import tr
from dashboard.i18n import cue_name, review_value, sentiment_name, speaker_name, state_name, word
from dashboard.plain import md
from dashboard.transcript import transcript_html
from models.caller_style import STYLES, approach
from store.errors import StoreError
from store.feedback import CUES, SENTIMENTS, save_review
from store.queries import CallDetail

SCORECARD_ITEMS = ("greeting", "apology_before_thanks", "empathy", "solution_after_heard",
                   "taboo", "closing_thanks")


def page() -> None:
    common.require_store()
    url = common.config().db_url
    st.title(tr("page_call"))
    call_id = _choose_call(url)
    if call_id is None:
        return
    detail = data.call_detail(url, call_id)
    if detail is None:
        st.error(tr("no_such_call", call=call_id))
        return
    if detail.call.status == "open":
        st.fragment(run_every=common.config().refresh_s)(_live_part)(call_id)
    else:
        _live_part(call_id)
    _scorecard(detail)
    _review(detail)


def _choose_call(url: str) -> str | None:
    wanted = st.query_params.get("call")
    cols = st.columns([2, 1])
    search = cols[0].text_input(tr("search_calls"), key="call_search", max_chars=128)
    live_only = cols[1].toggle(tr("live_only"), key="call_live_only")
    options = [c.call_id for c in data.recent_calls(url, search.strip(), live_only)]
    if wanted and wanted not in options:
        options.insert(0, wanted)
    if not options:
        st.info(tr("no_calls"))
        return None
    if st.session_state.get("call_pick") not in options or (
            wanted and st.session_state.get("_call_wanted") != wanted):
        st.session_state["call_pick"] = wanted or options[0]
        st.session_state["_call_wanted"] = wanted
    choice = st.selectbox(tr("choose_call"), options, key="call_pick")
    if choice != wanted:
        st.query_params["call"] = choice
        st.session_state["_call_wanted"] = choice
    return choice


def _live_part(call_id: str) -> None:
    """Header, transcript and timeline: refreshed on its own while the call is live."""
    detail = data.call_detail(common.config().db_url, call_id)
    if detail is None:
        return
    lang = common.lang()
    call = detail.call
    end = call.ended_at or datetime.now(UTC)
    seconds = int((end - call.started_at).total_seconds())
    cols = st.columns(6)
    cols[0].metric(tr("agent"), md(call.agent_id))
    cols[1].metric(tr("desk"), md(call.desk_id))
    cols[2].metric(tr("status"), f"{md(word('call_status_', call.status, lang))} · "
                                  f"{md(state_name(call.state, lang))}")
    cols[3].metric(tr("duration"), f"{seconds // 60}:{seconds % 60:02d}")
    cols[4].metric(tr("max_risk"), f"{call.max_risk:.0%}")
    cols[5].metric(tr("csat"), "–" if call.csat is None else md(call.csat))
    st.caption(f"{md(call.call_id)} · {tr('team')} {md(call.team or '–')} · "
               f"{md(call.lang or '–')} · "
               f"{tr('started')} {call.started_at:%Y-%m-%d %H:%M:%S} UTC · "
               f"{tr('model_version', version=call.model_version or '–')}")
    st.plotly_chart(charts.risk_timeline(detail.turns, detail.alerts, lang),
                    key=f"timeline_{call_id}")
    if detail.alerts:
        _alerts_table(detail)
    st.subheader(tr("transcript"))
    st.html(transcript_html(detail.turns, lang))


def _alerts_table(detail: CallDetail) -> None:
    lang = common.lang()
    frame = pd.DataFrame([{
        "id": a.id, tr("reason"): cue_name(a.reason, lang), tr("risk"): round(a.risk, 3),
        tr("turn"): a.turn_index, "raised_at": a.raised_at,
        tr("status"): word("alert_status_", a.status, lang),
        "acked_by": a.acked_by, "ack_latency_s": a.ack_latency_s,
        tr("why"): ", ".join(a.evidence)} for a in detail.alerts])
    st.subheader(tr("alerts"))
    common.table(frame, f"alerts-{detail.call.call_id}", key="call_alerts")


def _scorecard(detail: CallDetail) -> None:
    st.subheader(tr("scorecard"))
    card = detail.call.scorecard
    if not card:
        st.info(tr("no_scorecard"))
        return
    left, right = st.columns([3, 2])
    with left:
        score = card.get("score", detail.call.qa_score)
        st.metric(tr("qa_score"), "–" if score is None else md(score))
        items = card.get("items") or {}
        rows = []
        for name in SCORECARD_ITEMS:
            item = items.get(name)
            if not isinstance(item, dict):
                continue
            result = ("– " + tr("not_applicable") if not item.get("applicable") else
                      "✔ " + tr("passed") if item.get("passed") else "✘ " + tr("failed"))
            rows.append({tr("item"): tr(f"item_{name}"), tr("result"): result,
                         tr("turns"): ", ".join(f"#{i}" for i in item.get("turns") or []),
                         tr("phrases"): ", ".join(item.get("phrases") or [])})
        common.table(pd.DataFrame(rows), f"scorecard-{detail.call.call_id}", key="scorecard")
    with right:
        _caller_style(card.get("caller_style") or {}, detail.call.caller_style)
        _timing(card.get("timing") or {})


def _caller_style(style: dict, stored: str | None) -> None:
    letter = style.get("style") or stored
    lang = common.lang()
    st.markdown(f"**{tr('caller_style')}**: {md(word('caller_style_', letter, lang))}")
    # the approach in the interface language (the scorecard keeps it in the call's)
    advice = approach(letter, lang) if letter in STYLES else style.get("approach")
    if advice:
        st.info(f"**{tr('approach')}**: {md(advice)}")


def _timing(timing: dict) -> None:
    st.markdown(f"**{tr('timing')}**")
    speed = timing.get("talk_speed") or {}
    interruptions = timing.get("interruptions") or {}
    rows = [
        (tr("longest_silence"), timing.get("longest_silence_s")),
        (f"{tr('talk_speed')} · {speaker_name('agent', common.lang())} ({speed.get('unit', '')})",
         speed.get("agent")),
        (f"{tr('talk_speed')} · {speaker_name('customer', common.lang())}", speed.get("customer")),
        (f"{tr('interruptions')} · {speaker_name('agent', common.lang())}",
         interruptions.get("agent")),
        (f"{tr('interruptions')} · {speaker_name('customer', common.lang())}",
         interruptions.get("customer")),
    ]
    st.dataframe(pd.DataFrame([{tr("metric"): k, "": "–" if v is None else v} for k, v in rows]),
                 hide_index=True)


def _review(detail: CallDetail) -> None:
    st.subheader(tr("review"))
    lang = common.lang()
    call_id = detail.call.call_id
    common.flash("_review_flash")
    turn_col, call_col = st.columns([3, 2])
    with turn_col, st.container(border=True):
        st.markdown(f"**{tr('review_turn')}**")
        by_seq = {t.seq: t for t in detail.turns}
        seq = st.selectbox(tr("turn"), list(by_seq), key="review_seq", format_func=lambda s: (
            f"#{s} {speaker_name(by_seq[s].speaker, lang)} · "
            f"{sentiment_name(by_seq[s].sentiment, lang)} · {cue_name(by_seq[s].cue, lang)} · "
            f"{by_seq[s].text[:60]}"))
        field = st.radio(tr("field"), ("sentiment", "cue"), key="review_field", horizontal=True,
                         format_func=common.labels(("sentiment", "cue"), translate=True))
        values, name = (SENTIMENTS, sentiment_name) if field == "sentiment" else (CUES, cue_name)
        value = st.selectbox(tr("new_value"), values, key=f"review_value_{field}",
                             format_func=lambda v: name(v, lang))
        note = st.text_input(tr("note"), key="review_note", max_chars=2000)
        if st.button(tr("save_review"), key="save_turn_review",
                     disabled=not auth.may("review")) and seq is not None:
            _save(call_id=call_id, seq=seq, field=field, new_value=value, note=note)
    with call_col, st.form(f"review_call_{call_id}", clear_on_submit=True):
        st.markdown(f"**{tr('review_call')}**")
        escalated = st.radio(tr("escalated"), ("true", "false"), key="review_escalated",
                             index=0 if detail.call.alerted else 1, horizontal=True,
                             format_func=common.labels(("true", "false"), prefix="bool_"))
        note = st.text_input(tr("note"), key="review_call_note", max_chars=2000)
        if st.form_submit_button(tr("save_review"), disabled=not auth.may("review")):
            _save(call_id=call_id, seq=None, field="escalated", new_value=escalated, note=note)
    if detail.reviews:
        frame = pd.DataFrame([{"seq": r.seq, tr("field"): word("", r.field, lang),
                               "old": review_value(r.field, r.old_value, lang),
                               "new": review_value(r.field, r.new_value, lang),
                               "reviewer": r.reviewer, "note": r.note,
                               "created_at": r.created_at} for r in detail.reviews])
        st.markdown(f"**{tr('reviews')}**")
        common.table(frame, f"reviews-{call_id}", key="reviews")


def _save(**review) -> None:
    try:
        save_review(data.engine(common.config().db_url),
                    actor=auth.writer(), **review)
    except StoreError as err:
        st.session_state["_review_flash"] = ("error", md(err))
    else:
        st.session_state["_review_flash"] = ("success", tr("review_saved"))
        data.clear_live()
    st.rerun()




if __name__ == "__main__":  # Streamlit runs a page file as the main script
    page()
