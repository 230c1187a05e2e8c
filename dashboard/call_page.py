"""Call detail (live or past): the transcript as a conversation, the risk timeline with its
alert and acknowledgement, Acknowledge for its open alerts, the QA scorecard, the caller
style, and the review form whose corrections become training feedback.

A live call's whole body sits in a fragment that reruns every few seconds, so its turns, its
alerts and the review's turn list follow the call; widgets are keyed by call id, so a choice
made on one call never carries over to the next."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from dashboard import charts, common, data
from dashboard.common import tr
from dashboard.i18n import cue_name, review_value, sentiment_name, speaker_name, state_name, word
from dashboard.plain import md
from dashboard.transcript import transcript_html
from models.caller_style import STYLES, approach
from store.feedback import CUES, ESCALATED, SENTIMENTS, save_review
from store.queries import CallDetail

SCORECARD_ITEMS = ("greeting", "apology_before_thanks", "empathy", "solution_after_heard",
                   "taboo", "closing_thanks")


def page() -> None:
    common.require_store()
    url = common.config().db_url
    st.title(tr("page_call"))
    call_id = _choose_call(url)
    if call_id is None:
        common.feedback()
        return
    detail = data.call_detail(url, call_id)
    if detail is None:
        common.feedback()
        st.error(tr("no_such_call", call=call_id))
        return
    if detail.call.status == "open":
        st.fragment(run_every=common.config().refresh_s)(_call_body)(call_id)
    else:
        _call_body(call_id)


def _choose_call(url: str) -> str | None:
    """The call to show: ``?call=``, a desk tile's ``?desk=`` (that desk's current or last
    call), the person's pick, else :func:`store.queries.opening_call`. A search that matches
    nothing selects nothing."""
    wanted = _wanted_call(url)
    cols = st.columns([2, 1])
    search = cols[0].text_input(tr("search_calls"), key="call_search", max_chars=128).strip()
    live_only = cols[1].toggle(tr("live_only"), key="call_live_only")
    options = [c.call_id for c in data.recent_calls(url, search, live_only)]
    if search and not options:
        st.info(tr("no_call_match", search=search))
        return None
    default = wanted or data.opening_call(url)
    if default and default not in options and not search:
        options.insert(0, default)
    if not options:
        st.info(tr("no_calls"))
        return None
    if wanted in options and st.session_state.get("_call_wanted") != wanted:
        st.session_state["call_pick"] = wanted  # a new ?call= (a tile, a link) wins
    elif st.session_state.get("call_pick") not in options:
        st.session_state["call_pick"] = default if default in options else options[0]
    st.session_state["_call_wanted"] = wanted
    choice = st.selectbox(tr("choose_call"), options, key="call_pick")
    if choice != wanted:
        st.query_params["call"] = choice
        st.session_state["_call_wanted"] = choice
    return choice


def _wanted_call(url: str) -> str | None:
    """``?call=``, or the call a clicked desk tile means (``?desk=``), which then becomes
    ``?call=`` so the address names the call shown."""
    wanted = st.query_params.get("call")
    desk = st.query_params.get("desk")
    if desk is None:
        return wanted
    del st.query_params["desk"]
    if not wanted:
        wanted = data.desk_call(url, desk)
        if wanted is None:
            common.notify("info", tr("desk_no_calls", desk=desk))
        else:
            st.query_params["call"] = wanted
    return wanted


def _call_body(call_id: str) -> None:
    """Everything about one call; refreshed on its own while the call is live."""
    common.feedback()
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
    _acknowledge(detail)
    st.plotly_chart(charts.risk_timeline(detail.turns, detail.alerts, lang),
                    key=f"timeline_{call_id}")
    if detail.alerts:
        _alerts_table(detail)
    st.subheader(tr("transcript"))
    if detail.turns:
        st.html(transcript_html(detail.turns, lang))
    else:
        st.info(tr("no_turns_yet"))
    _scorecard(detail)
    _review(detail)


def _acknowledge(detail: CallDetail) -> None:
    """A button per open alert of the call (supervisors and above); for anyone else greyed,
    with the reason written next to it."""
    lang = common.lang()
    refused = common.refusal("acknowledge")
    for alert in detail.alerts:
        if alert.status != "open":
            continue
        button, why = st.columns([1, 2], vertical_alignment="center")
        button.button(f"{tr('acknowledge')} · {cue_name(alert.reason, lang)}",
                      key=f"call_ack_{alert.id}", type="primary", icon="✔",
                      on_click=common.acknowledge, args=(alert.id, alert.desk_id),
                      disabled=refused is not None, help=refused)
        if refused:
            why.caption(refused)


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
    """The style's letter with its name and signs, and how to serve it, in the interface's
    language (domain.md; the vocabulary and the advice are ``models/caller_style.py``'s)."""
    letter = style.get("style") or stored
    if letter not in STYLES:
        st.markdown(f"**{tr('caller_style')}**: {md(letter or '–')}")
        return
    st.markdown(f"**{tr('caller_style')}**: {tr(f'caller_style_{letter}')}")
    st.info(f"**{tr('approach')}**: {md(approach(letter, common.lang()))}")


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
    refused = common.refusal("review")
    if refused:
        st.caption(refused)
    turn_col, call_col = st.columns([3, 2])
    with turn_col, st.container(border=True):
        st.markdown(f"**{tr('review_turn')}**")
        by_seq = {t.seq: t for t in detail.turns}  # re-read each refresh of a live call
        st.selectbox(tr("turn"), list(by_seq), key=f"review_seq_{call_id}", format_func=lambda s: (
            f"#{s} {speaker_name(by_seq[s].speaker, lang)} · "
            f"{sentiment_name(by_seq[s].sentiment, lang)} · {cue_name(by_seq[s].cue, lang)} · "
            f"{by_seq[s].text[:60]}"))
        field = st.radio(tr("field"), ("sentiment", "cue"), key=f"review_field_{call_id}",
                         horizontal=True,
                         format_func=common.labels(("sentiment", "cue"), translate=True))
        values, name = (SENTIMENTS, sentiment_name) if field == "sentiment" else (CUES, cue_name)
        st.selectbox(tr("new_value"), values, key=f"review_value_{field}_{call_id}",
                     format_func=lambda v: name(v, lang))
        st.text_input(tr("note"), key=f"review_note_{call_id}", max_chars=2000)
        st.button(tr("save_review"), key=f"save_turn_review_{call_id}",
                  disabled=refused is not None or not by_seq, help=refused,
                  on_click=_save_turn, args=(call_id,))
    with call_col, st.form(f"review_call_{call_id}", clear_on_submit=True):
        st.markdown(f"**{tr('review_call')}**")
        st.radio(tr("escalated"), ESCALATED, key=f"review_escalated_{call_id}",
                 index=0 if detail.call.alerted else 1, horizontal=True,
                 format_func=common.labels(ESCALATED, prefix="bool_"))
        st.text_input(tr("note"), key=f"review_call_note_{call_id}", max_chars=2000)
        st.form_submit_button(tr("save_review"), disabled=refused is not None, help=refused,
                              on_click=_save_call, args=(call_id,))
    if detail.reviews:
        frame = pd.DataFrame([{"seq": r.seq, tr("field"): word("", r.field, lang),
                               "old": review_value(r.field, r.old_value, lang),
                               "new": review_value(r.field, r.new_value, lang),
                               "reviewer": r.reviewer, "note": r.note,
                               "created_at": r.created_at} for r in detail.reviews])
        st.markdown(f"**{tr('reviews')}**")
        common.table(frame, f"reviews-{call_id}", key=f"reviews_{call_id}")


def _save_turn(call_id: str) -> None:
    """Button callback: the turn review as the widgets hold it."""
    state = st.session_state
    seq = state.get(f"review_seq_{call_id}")
    if seq is None:
        return
    field = state.get(f"review_field_{call_id}", "sentiment")
    _save(call_id=call_id, seq=seq, field=field,
          new_value=state.get(f"review_value_{field}_{call_id}"),
          note=state.get(f"review_note_{call_id}", ""))


def _save_call(call_id: str) -> None:
    """Form callback: the call-level review (was it an escalation)."""
    state = st.session_state
    _save(call_id=call_id, seq=None, field="escalated",
          new_value=state.get(f"review_escalated_{call_id}"),
          note=state.get(f"review_call_note_{call_id}", ""))


def _save(**review) -> None:
    """Saved with the signed-in name; the message stays until dismissed."""
    saved = common.guarded_write(lambda engine, who: save_review(engine, actor=who, **review))
    if saved is not None:
        common.notify("success", tr("review_saved"))
        data.clear_live()


if __name__ == "__main__":  # Streamlit runs a page file as the main script
    page()
