"""The model: the promoted version's card, retraining in the background, comparing two
versions on the same labelled file, promote / roll back, and the threshold view."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import auth, charts, common, data, evaluation, training_job
from dashboard.common import tr
from dashboard.i18n import class_name
from dashboard.plain import md
from models.artifacts import active_version, list_versions, promote, rollback
from models.errors import ModelError
from store.access import perform
from store.errors import StoreError
from store.feedback import export_reviewed_turns, reviewed_turns

RECENT_DAYS = 7


def page() -> None:
    cfg = common.config()
    st.title(tr("page_model"))
    registry = cfg.models_dir
    try:
        versions = list_versions(registry) if registry.exists() else []
    except ModelError as err:
        st.error(tr("model_error", error=err))
        versions = []
    active = next((v for v in versions if v["active"]), None)
    if active is None:
        st.warning(tr("no_model", path=registry))
    else:
        _card(active)
        _live(active["version"])
    if versions:
        _registry(registry, versions)
    _retrain(registry)
    if versions:
        _compare(versions)
    if active is not None:
        _thresholds(active)


# --- the card ------------------------------------------------------------------------------


def _card(card: dict) -> None:
    st.subheader(f"{tr('active_model')}: {md(card['version'])}")
    st.caption(f"{tr('created')} {md(card.get('created', '–'))}")
    info = card.get("data", {})
    with st.expander(tr("card_data")):
        st.json({k: v for k, v in info.items() if k != "paths"}, expanded=False)
    utt = card.get("metrics", {}).get("heldout_utterances", {})
    overall = utt.get("overall", {})
    if overall:
        st.markdown(f"**{tr('per_class')}**")
        left, right = st.columns(2)
        with left:
            common.table(_per_class(overall.get("sentiment", {})), "sentiment-per-class",
                         key="card_sentiment")
        with right:
            common.table(_per_class(overall.get("cue", {})), "cue-per-class", key="card_cue")
        st.markdown(f"**{tr('per_language')}**")
        rows = [{"lang": name, **{k: block.get(k) for k in
                                  ("n", "sentiment_macro_f1", "cue_macro_f1", "escalation_f1")}}
                for name, block in {tr("all"): overall, **utt.get("per_language", {})}.items()]
        common.table(pd.DataFrame(rows), "per-language", key="card_langs")
    calls = card.get("metrics", {}).get("heldout_calls", {})
    if calls:
        st.markdown(f"**{tr('held_out_calls')}**")
        rows = [{"group": name, **evaluation.headline("calls", {"overall": block})}
                for name, block in {tr("all"): calls.get("overall", {}),
                                    **calls.get("per_language", {}),
                                    **calls.get("per_type", {})}.items()]
        common.table(pd.DataFrame(rows), "held-out-calls", key="card_calls")
        turns = calls.get("turns", {})
        if turns:
            st.markdown(f"**{tr('turns_in_calls')}**")
            rows = [{"lang": name, **{k: block.get(k) for k in
                                      ("n", "sentiment_macro_f1", "cue_macro_f1",
                                       "escalation_f1")}}
                    for name, block in {tr("all"): turns.get("overall", {}),
                                        **turns.get("per_language", {})}.items()]
            common.table(pd.DataFrame(rows), "held-out-call-turns", key="card_call_turns")
    confusion = overall.get("confusion", {})
    if confusion:
        st.markdown(f"**{tr('confusion')}**")
        cols = st.columns(2)
        for col, head in zip(cols, ("sentiment", "cue"), strict=True):
            block = confusion.get(head)
            if block:
                col.plotly_chart(charts.confusion_heatmap(block["labels"], block["matrix"],
                                                          tr(head), common.lang()),
                                 key=f"confusion_{head}")


def _per_class(block: dict) -> pd.DataFrame:
    return pd.DataFrame([{"class": class_name(name, common.lang()), **values}
                         for name, values in block.items()])


# --- what the live floor runs --------------------------------------------------------------


def _live(promoted: str) -> None:
    """Each online monitor's version and when it switched (from its heartbeat), and whether
    the promoted version has reached it."""
    url = common.config().db_url
    if not data.store_check(url).ok:
        return
    st.subheader(tr("live_model"))
    monitors = [s for s in data.service_rows(url)
                if s.name.startswith("monitor") and s.status == "online" and s.info.get("model")]
    if not monitors:
        st.info(tr("live_model_none"))
    for monitor in monitors:
        info = monitor.info
        line = tr("live_model_row", monitor=monitor.name, version=info["model"],
                  since=common.when(info.get("model_since")))
        if info.get("model_previous"):
            line += " " + tr("live_model_switched", previous=info["model_previous"])
        st.markdown(line)
        if info.get("model_refused"):
            common.model_refused(info)
        elif info["model"] != promoted and info.get("model_follows") is False:
            st.warning(tr("live_model_pinned", monitor=monitor.name), icon="⚠️")
        elif info["model"] != promoted:
            st.info(tr("live_model_pending", monitor=monitor.name, version=promoted))


# --- promote / roll back -------------------------------------------------------------------


def _registry(registry: Path, versions: list[dict]) -> None:
    st.subheader(tr("versions"))
    rows = []
    for v in reversed(versions):
        overall = v.get("metrics", {}).get("heldout_utterances", {}).get("overall", {})
        calls = v.get("metrics", {}).get("heldout_calls", {}).get("overall", {})
        rows.append({"": "★" if v["active"] else "", tr("version"): v["version"],
                     tr("created"): v.get("created"),
                     "escalation_f1": overall.get("escalation_f1"),
                     "cue_macro_f1": overall.get("cue_macro_f1"),
                     "on_time_rate": calls.get("on_time_rate"),
                     "false_alert_rate": calls.get("false_alert_rate")})
    common.table(pd.DataFrame(rows), "model-versions", key="versions")
    common.flash("_model_flash")
    names = [v["version"] for v in reversed(versions)]
    cols = st.columns([2, 1, 1])
    choice = cols[0].selectbox(tr("version"), names, key="promote_pick")
    cols[1].button(tr("promote"), key="promote", on_click=_promote, args=(registry, choice),
                   disabled=choice == active_version(registry) or not auth.may("promote"))
    cols[2].button(tr("rollback"), key="rollback", on_click=_rollback, args=(registry,),
                   disabled=not auth.may("rollback"))


def _who() -> str:
    who = auth.actor()
    return f"dashboard:{who.name if who else 'anonymous'}"


def _store():
    """The store to record in (None: no usable store; the registry still works)."""
    url = common.config().db_url
    return data.engine(url) if data.store_check(url).ok else None


def _promote(registry: Path, version: str) -> None:
    try:
        perform(_store(), auth.writer(), "promote", version,
                lambda: promote(registry, version, who=_who()))
        st.session_state["_model_flash"] = ("success", tr("promoted", version=version))
    except (ModelError, StoreError) as err:
        st.session_state["_model_flash"] = ("error", md(err))


def _rollback(registry: Path) -> None:
    try:
        version = perform(_store(), auth.writer(), "rollback", str(active_version(registry)),
                          lambda: rollback(registry, who=_who()))
        st.session_state["_model_flash"] = ("success", tr("rolled_back", version=version))
    except (ModelError, StoreError) as err:
        st.session_state["_model_flash"] = ("error", md(err))


# --- retrain -------------------------------------------------------------------------------


def _reviewed_count() -> int:
    cfg = common.config()
    try:
        return len(reviewed_turns(data.engine(cfg.db_url))) if data.store_check(
            cfg.db_url).ok else 0
    except Exception:  # a store problem must not hide the model page; the floor reports it
        return 0


def _retrain(registry: Path) -> None:
    cfg = common.config()
    st.subheader(tr("retrain"))
    st.caption(tr("retrain_help", n=_reviewed_count()))
    job = training_job.current(registry)
    idle = job is None or not job.running
    if idle and st.button(tr("start_training"), key="start_training",
                          disabled=not auth.may("retrain")):
        try:
            job = perform(_store(), auth.writer(), "retrain", str(registry),
                          lambda: training_job.start(registry, _training_data(), cfg.lexicon))
        except StoreError as err:
            st.error(md(err))
            return
        time.sleep(0.05)  # let the thread report its first step
    if job is not None:
        st.fragment(run_every=1.0 if job.running else None)(_progress)(registry)


def _training_data() -> list[Path]:
    """The bundled corpus plus the supervisors' reviewed turns, exported to a file."""
    cfg = common.config()
    paths = list(cfg.train_data)
    if data.store_check(cfg.db_url).ok:
        out = cfg.home / "reviews" / "reviewed_turns.jsonl"
        if export_reviewed_turns(data.engine(cfg.db_url), out, auth.writer()).turns:
            paths.append(out)
    return paths


def _progress(registry: Path) -> None:
    job = training_job.current(registry)
    if job is None:
        return
    if job.running:
        st.progress(job.fraction, text=tr("training", step=job.step))
    elif job.error:
        st.error(tr("training_failed", error=job.error))
    elif job.version_dir is not None:
        st.progress(1.0)
        st.success(tr("training_done", version=job.version_dir.name))
        if not st.session_state.get(f"_seen_job_{job.started}"):
            st.session_state[f"_seen_job_{job.started}"] = True
            st.rerun()  # the new version must appear in the lists above


# --- compare -------------------------------------------------------------------------------


def _eval_file(key: str) -> Path | None:
    """A labelled file: a path (default the bundled call corpus) or an upload."""
    cfg = common.config()
    default = str(cfg.train_data[-1] / "calls.jsonl") if cfg.train_data[-1].is_dir() else str(
        cfg.train_data[-1])
    path_text = st.text_input(tr("eval_file"), value=default, key=f"{key}_path")
    upload = st.file_uploader(tr("upload_eval"), type=["jsonl"], key=f"{key}_upload")
    if upload is not None:
        content = upload.getvalue()
        target = cfg.home / "uploads" / f"{hashlib.sha256(content).hexdigest()[:16]}.jsonl"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        return target
    path = Path(path_text.strip()).expanduser()
    if not path.is_file():
        st.error(tr("eval_missing", path=path))
        return None
    return path


@st.cache_data(show_spinner=True, max_entries=16)
def _compare_cached(a: str, b: str, path: str, mtime: float) -> dict:
    return evaluation.compare_versions([Path(a), Path(b)], Path(path))


def _compare(versions: list[dict]) -> None:
    st.subheader(tr("compare"))
    by_name = {v["version"]: v["path"] for v in versions}
    names = list(reversed(by_name))
    cols = st.columns(2)
    first = cols[0].selectbox("A", names, index=0, key="compare_a")
    second = cols[1].selectbox("B", names, index=min(1, len(names) - 1), key="compare_b")
    path = _eval_file("compare")
    if path is None or not st.button(tr("run_compare"), key="run_compare"):
        return
    try:
        results = _compare_cached(by_name[first], by_name[second], str(path),
                                  path.stat().st_mtime)
    except ModelError as err:
        st.error(tr("bad_input", error=err))
        return
    rows = {name: evaluation.headline(kind, metrics) for name, (kind, metrics) in results.items()}
    frame = pd.DataFrame(rows).rename(index=common.header).reset_index(names=tr("metric"))
    common.table(frame, "compare", key="compare")


# --- thresholds ----------------------------------------------------------------------------


@st.cache_data(show_spinner=True, max_entries=8)
def _curve_cached(version_path: str, path: str, mtime: float) -> dict:
    return evaluation.threshold_curve(Path(version_path), Path(path))


def _thresholds(active: dict) -> None:
    st.subheader(tr("thresholds"))
    st.caption(tr("threshold_help", days=RECENT_DAYS))
    path = _eval_file("threshold")
    if path is None or not st.button(tr("run_compare"), key="run_thresholds"):
        return
    current = active.get("thresholds", {}).get("cue_alert")
    try:
        curve = _curve_cached(active["path"], str(path), path.stat().st_mtime)
    except ModelError as err:
        st.error(tr("bad_input", error=err))
        return
    lang = common.lang()
    st.plotly_chart(charts.pr_curve(curve["precision"], curve["recall"], curve["threshold"],
                                    current, lang), key="pr_curve")
    grid = [round(x * 0.05, 2) for x in range(1, 20)]
    cfg = common.config()
    recent = []
    if data.store_check(cfg.db_url).ok:
        recent = data.recent_call_escalations(cfg.db_url, RECENT_DAYS)
    if not recent:
        st.info(tr("no_recent", days=RECENT_DAYS))
        rates = [0.0] * len(grid)
    else:
        rates = evaluation.alerts_per_agent_hour([c.max_escalation for c in recent],
                                                 [c.duration_s for c in recent], grid)
        st.plotly_chart(charts.alerts_per_hour(grid, rates, current, lang),
                        key="alerts_per_hour")
    frame = pd.DataFrame({"threshold": grid, "alerts_per_agent_hour": rates})
    common.table(frame, "threshold-alerts", key="threshold_alerts")


if __name__ == "__main__":  # Streamlit runs a page file as the main script
    page()
