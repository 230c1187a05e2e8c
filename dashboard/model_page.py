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
from models.artifacts import active_version, list_versions, promote, rollback, rollback_target
from models.errors import ModelError
from store.access import perform
from store.errors import StoreError
from store.feedback import export_reviewed_turns, reviewed_turns

RECENT_DAYS = 7
PENDING = "_model_pending"  # a promote or roll back waiting for Confirm / Cancel
TRAINED = "_model_trained"  # a version training just wrote, for the pickers to default to


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
    _after_training([v["version"] for v in versions], active)
    if active is None:
        st.warning(tr("no_model", path=registry))
    else:
        _card(active)
        _live(active["version"])
    if versions:
        _registry(registry, versions)
    _retrain(registry)
    held = _heldout(active) if active is not None else None
    if versions:
        _compare(versions, active, held)
    if active is not None:
        _thresholds(active, held)


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
    common.feedback()
    current = next((v["version"] for v in versions if v["active"]), None)
    names = [v["version"] for v in reversed(versions)]
    if st.session_state.get("promote_pick") not in names:
        st.session_state["promote_pick"] = names[0]
    cols = st.columns([2, 1, 1])
    choice = cols[0].selectbox(tr("version"), names, key="promote_pick")
    cols[1].button(tr("promote"), key="promote", on_click=_ask, args=(registry, "promote"),
                   disabled=choice == current or not auth.may("promote"))
    target = _rollback_target(registry)
    cols[2].button(tr("rollback"), key="rollback", on_click=_ask, args=(registry, "rollback"),
                   disabled=target is None or not auth.may("rollback"))
    if target is None and current is not None:
        cols[2].caption(tr("rollback_none", version=current))
    pending = st.session_state.get(PENDING)
    if pending:
        _confirmation(registry, pending)


def _rollback_target(registry: Path) -> str | None:
    try:
        return rollback_target(registry)
    except ModelError:  # a broken ACTIVE: the page reports it above; promoting repairs it
        return None


def _ask(registry: Path, action: str) -> None:
    """Remember what the click asks for, read when it happens (the picker's value, the
    registry as it is now): nothing changes until Confirm."""
    try:
        current = active_version(registry)
    except ModelError:
        current = None
    target = st.session_state.get("promote_pick") if action == "promote" \
        else _rollback_target(registry)
    if target is not None and target != current:
        st.session_state[PENDING] = {"action": action, "target": target, "current": current}


def _confirmation(registry: Path, pending: dict) -> None:
    """The question naming both versions, with Confirm and Cancel."""
    target, current = pending["target"], pending["current"]
    if pending["action"] == "rollback":
        question = tr("confirm_rollback", current=current, target=target)
    elif current is None:
        question = tr("confirm_promote_first", target=target)
    else:
        question = tr("confirm_promote", target=target, current=current)
    with st.container(border=True):
        st.warning(question, icon="❓")
        left, right = st.columns(2)
        left.button(tr("confirm"), key="confirm_model", type="primary", on_click=_confirmed,
                    args=(registry, pending))
        right.button(tr("cancel"), key="cancel_model", on_click=st.session_state.pop,
                     args=(PENDING, None))


def _confirmed(registry: Path, pending: dict) -> None:
    """Carry out the confirmed request, unless the registry moved since it was asked (another
    analyst promoted meanwhile): then nothing changes and the notice says why."""
    st.session_state.pop(PENDING, None)
    try:
        now = active_version(registry)
        moved = now != pending["current"] or (
            pending["action"] == "rollback" and rollback_target(registry) != pending["target"])
    except ModelError:
        now, moved = None, pending["current"] is not None
    if moved:
        common.notify("warning", tr("model_moved", version=now or "–"), about="model")
    elif pending["action"] == "rollback":
        _rollback(registry)
    else:
        _promote(registry, pending["target"])


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
        common.notify("success", tr("promoted", version=version), about="model")
    except (ModelError, StoreError) as err:
        common.notify("error", md(err), about="model")


def _rollback(registry: Path) -> None:
    try:
        version = perform(_store(), auth.writer(), "rollback", str(active_version(registry)),
                          lambda: rollback(registry, who=_who()))
        common.notify("success", tr("rolled_back", version=version), about="model")
    except (ModelError, StoreError) as err:
        common.notify("error", md(err), about="model")


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
        st.success(tr("trained_compare", version=job.version_dir.name))
        if not st.session_state.get(f"_seen_job_{job.started}"):
            st.session_state[f"_seen_job_{job.started}"] = True
            st.session_state[TRAINED] = job.version_dir.name
            st.rerun()  # the new version must appear in the lists above


def _after_training(names: list[str], active: dict | None) -> None:
    """After a training run: the pickers move to the new version (B, and Promote's), with A
    on the promoted one, before any of them is drawn."""
    trained = st.session_state.pop(TRAINED, None)
    if trained not in names:
        return
    promoted = active["version"] if active else None
    st.session_state["compare_a"], st.session_state["compare_b"] = default_pair(
        list(reversed(names)), promoted, trained)
    st.session_state["promote_pick"] = trained


def default_pair(names: list[str], promoted: str | None,
                 trained: str | None = None) -> tuple[str, str]:
    """(A, B) to compare, ``names`` newest first: A the promoted version, B the version just
    trained, else the newest other one (the same only when there is one version)."""
    first = promoted if promoted in names else names[0]
    others = [n for n in names if n != first]
    second = trained if trained in others else (others[0] if others else first)
    return first, second


# --- compare -------------------------------------------------------------------------------


def _heldout(active: dict) -> evaluation.HeldOutCalls | None:
    """The promoted version's held-out calls as a file (rebuilt from its card the first time:
    a second or so on the bundled corpus)."""
    try:
        with st.spinner(tr("heldout_building", version=active["version"])):
            return evaluation.heldout_calls(Path(active["path"]),
                                            common.config().home / "eval")
    except (ModelError, OSError):
        return None


def _eval_file(key: str, active: dict | None, held: evaluation.HeldOutCalls | None
               ) -> Path | None:
    """A labelled file: a path (default: the promoted version's held-out calls) or an
    upload; below it, which file it is and whether the promoted version trained on it."""
    cfg = common.config()
    default = str(held.path) if held else ""
    widget, last = f"{key}_path", f"_{key}_default"
    if widget not in st.session_state or st.session_state[widget] == st.session_state.get(last):
        st.session_state[widget] = default  # follows a new promotion unless typed over
    st.session_state[last] = default
    path_text = st.text_input(tr("eval_file"), key=widget)
    upload = st.file_uploader(tr("upload_eval"), type=["jsonl"], key=f"{key}_upload")
    if upload is not None:
        content = upload.getvalue()
        target = cfg.home / "uploads" / f"{hashlib.sha256(content).hexdigest()[:16]}.jsonl"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        st.caption(tr("eval_upload", name=upload.name))
        return target
    if not path_text.strip():
        if active is not None and held is None:
            st.info(tr("eval_no_heldout", version=active["version"]))
        return None
    path = Path(path_text.strip()).expanduser()
    if not path.is_file():
        st.error(tr("eval_missing", path=path))
        return None
    _say_which(path, active, held)
    return path


def _say_which(path: Path, active: dict | None, held: evaluation.HeldOutCalls | None) -> None:
    if held is not None and path.resolve() == held.path.resolve():
        st.caption(tr("eval_heldout", version=held.version, calls=held.calls,
                      groups=held.groups, path=path))
        if not held.as_trained:
            st.warning(tr("eval_heldout_changed", version=held.version, calls=held.calls,
                          card=held.card_calls), icon="⚠️")
    elif active is not None and evaluation.trained_on(path, active):
        st.warning(tr("eval_trained_on", path=path, version=active["version"]), icon="⚠️")
    elif active is not None:
        st.caption(tr("eval_other", path=path, version=active["version"]))


@st.cache_data(show_spinner=True, max_entries=16)
def _compare_cached(a: str, b: str, path: str, mtime: float) -> dict:
    return evaluation.compare_versions([Path(a), Path(b)], Path(path))


def _compare(versions: list[dict], active: dict | None,
             held: evaluation.HeldOutCalls | None) -> None:
    st.subheader(tr("compare"))
    by_name = {v["version"]: v["path"] for v in versions}
    names = list(reversed(by_name))
    defaults = default_pair(names, active["version"] if active else None)
    for key, value in zip(("compare_a", "compare_b"), defaults, strict=True):
        if st.session_state.get(key) not in names:
            st.session_state[key] = value
    star = {n: f"{n} ★" if active and n == active["version"] else n for n in names}.get
    cols = st.columns(2)
    first = cols[0].selectbox("A", names, key="compare_a", format_func=star)
    second = cols[1].selectbox("B", names, key="compare_b", format_func=star)
    if first == second:
        st.info(tr("compare_same"))
    path = _eval_file("compare", active, held)
    refused = common.refusal("compare")
    if path is None or not st.button(tr("run_compare"), key="run_compare",
                                     disabled=refused is not None, help=refused):
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


def _thresholds(active: dict, held: evaluation.HeldOutCalls | None) -> None:
    st.subheader(tr("thresholds"))
    st.caption(tr("threshold_help", days=RECENT_DAYS))
    path = _eval_file("threshold", active, held)
    refused = common.refusal("compare")
    if path is None or not st.button(tr("run_thresholds"), key="run_thresholds",
                                     disabled=refused is not None, help=refused):
        return
    current = active.get("thresholds", {}).get("cue_alert")
    soft = active.get("thresholds", {}).get("soft_cue_alert")
    try:
        curve = _curve_cached(active["path"], str(path), path.stat().st_mtime)
    except ModelError as err:
        st.error(tr("bad_input", error=err))
        return
    if not curve["threshold"]:
        st.info(tr("no_labelled_turns", path=path))
        return
    lang = common.lang()
    st.plotly_chart(charts.pr_curve(curve["precision"], curve["recall"], curve["threshold"],
                                    current, lang, soft=soft), key="pr_curve")
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
        st.plotly_chart(charts.alerts_per_hour(grid, rates, current, lang, soft=soft),
                        key="alerts_per_hour")
    frame = pd.DataFrame({"threshold": grid, "alerts_per_agent_hour": rates})
    common.table(frame, "threshold-alerts", key="threshold_alerts")


if __name__ == "__main__":  # Streamlit runs a page file as the main script
    page()
