"""The model page in AppTest with a real (tiny) trained registry: the card, promote and
roll back change the active model, comparing and the threshold view run, retraining runs in
the background with progress, and an empty registry is a message."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from dashboard import evaluation, model_page, training_job
from models.artifacts import active_version
from models.training import TrainConfig
from tests.dashboard.hostile import rendered_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_card_and_versions_render(app, small_store, registry: Path) -> None:
    at = app(small_store.url, "model")
    assert not at.exception
    assert any("Promoted model" in s.value for s in at.subheader)
    assert len(at.get("plotly_chart")) == 2  # the two confusion matrices


SECOND = "v29990101-000000"  # the registry fixture's second version (a copy of the first)


def _add_version(registry: Path, name: str) -> None:
    """One more version: the promoted one's files under another name."""
    source = registry / active_version(registry)
    shutil.copytree(source, registry / name)
    card = json.loads((registry / name / "card.json").read_text())
    (registry / name / "card.json").write_text(json.dumps({**card, "version": name}))


def _texts(elements) -> list[str]:
    return [rendered_text(e.value) for e in elements]


def _ask(at, action: str, pick: str | None = None):
    if pick is not None:  # a browser reruns on the pick, then the button is clicked
        at.selectbox(key="promote_pick").set_value(pick).run()
    return at.button(key=action).click().run()


def test_promote_asks_naming_both_versions_and_changes_nothing_until_confirm(
        app, small_store, registry: Path) -> None:
    first = active_version(registry)
    at = _ask(app(small_store.url, "model"), "promote", SECOND)
    assert not at.exception
    assert f"Promote {SECOND}, replacing {first}?" in _texts(at.warning)
    assert active_version(registry) == first, "nothing changes before Confirm"
    at.run()
    assert active_version(registry) == first
    at.button(key="confirm_model").click().run()
    assert active_version(registry) == SECOND
    assert f"Promoted {SECOND}." in _texts(at.success)
    assert not any("replacing" in w for w in _texts(at.warning)), "the question is gone"
    at.run()
    at.run()
    assert f"Promoted {SECOND}." in _texts(at.success), "the message stays over reruns"
    [dismiss] = [b for b in at.button if (b.key or "").startswith("dismiss_")]
    dismiss.click().run()
    assert f"Promoted {SECOND}." not in _texts(at.success)


def test_cancel_changes_nothing(app, small_store, registry: Path) -> None:
    first = active_version(registry)
    log = (registry / "promotions.jsonl").read_text()
    at = _ask(app(small_store.url, "model"), "promote", SECOND)
    at.button(key="cancel_model").click().run()
    assert not at.exception
    assert active_version(registry) == first
    assert (registry / "promotions.jsonl").read_text() == log
    assert not any("replacing" in w for w in _texts(at.warning))
    assert not at.success


def test_two_rollbacks_walk_back_the_history(app, small_store, registry: Path) -> None:
    first, third = active_version(registry), "v29990202-000000"
    _add_version(registry, third)
    at = app(small_store.url, "model")
    assert at.button(key="rollback").disabled, "one promotion: nothing to roll back to"
    assert f"Nothing to roll back to: no version was promoted before {first}." in _texts(
        at.caption)
    for version in (SECOND, third):
        _ask(at, "promote", version).button(key="confirm_model").click().run()
    assert active_version(registry) == third
    _ask(at, "rollback")
    assert f"Roll back from {third} to {SECOND}?" in _texts(at.warning)
    assert active_version(registry) == third
    at.button(key="confirm_model").click().run()
    assert active_version(registry) == SECOND
    _ask(at, "rollback")
    assert f"Roll back from {SECOND} to {first}?" in _texts(at.warning)
    at.button(key="confirm_model").click().run()
    assert not at.exception
    assert active_version(registry) == first
    assert f"Rolled back to {first}." in _texts(at.success)
    assert at.button(key="rollback").disabled
    log = [json.loads(x) for x in (registry / "promotions.jsonl").read_text().splitlines()]
    assert [e["action"] for e in log[-2:]] == ["rollback", "rollback"]
    assert log[-1]["who"] == "dashboard:Mei"


def test_a_confirmation_against_a_moved_registry_changes_nothing(app, small_store,
                                                                registry: Path) -> None:
    from models.artifacts import promote

    third = "v29990202-000000"
    _add_version(registry, third)
    at = _ask(app(small_store.url, "model"), "promote", SECOND)
    promote(registry, third, who="someone else")
    at.button(key="confirm_model").click().run()
    assert active_version(registry) == third
    assert any(f"the promoted version is now {third}" in w for w in _texts(at.warning))


def test_default_pair_is_the_promoted_version_against_the_newest_other() -> None:
    names = ["v3", "v2", "v1"]  # newest first, as the page lists them
    assert model_page.default_pair(names, "v2") == ("v2", "v3")
    assert model_page.default_pair(names, "v3") == ("v3", "v2")
    assert model_page.default_pair(names, "v3", trained="v1") == ("v3", "v1")
    assert model_page.default_pair(names, None) == ("v3", "v2")
    assert model_page.default_pair(["v1"], "v1") == ("v1", "v1")


def test_compare_defaults_to_the_promoted_version_and_its_held_out_calls(
        app, small_store, registry: Path) -> None:
    first = active_version(registry)
    at = app(small_store.url, "model")
    assert not at.exception
    assert (at.selectbox(key="compare_a").value, at.selectbox(key="compare_b").value) == (
        first, SECOND)
    card = json.loads((registry / first / "card.json").read_text())
    for key in ("compare_path", "threshold_path"):
        default = Path(at.text_input(key=key).value)
        assert default.is_file() and default.parent == app.home / "eval"
        assert not evaluation.trained_on(default, card)
        assert all(Path(p) != default for p in card["data"]["paths"])
    held = [json.loads(x) for x in default.read_text().splitlines()]
    assert len(held) == card["metrics"]["heldout_calls"]["overall"]["calls"]
    assert any(f"Held-out calls of the promoted version {first}: {len(held)} calls" in c
               for c in _texts(at.caption))
    at.button(key="run_compare").click().run()
    assert not at.exception
    compared = next(df.value for df in at.dataframe if df.value.shape[1] == 3)
    calls = compared.set_index("Metric").loc["calls"]
    assert list(calls) == [len(held), len(held)], "the card's held-out calls, both versions"
    assert not any("data changed" in w for w in _texts(at.warning)), "as the card measured"
    at.button(key="run_thresholds").click().run()  # the fixture's calls have no turn labels
    assert not at.exception
    assert any("no cue-labelled turns" in rendered_text(i.value) for i in at.info)


def test_held_out_calls_come_from_the_card_and_flag_changed_data(trained_registry: Path,
                                                                 tmp_path: Path) -> None:
    version = trained_registry / active_version(trained_registry)
    held = evaluation.heldout_calls(version, tmp_path / "eval")
    assert held is not None and held.as_trained and held.groups >= 1
    card = json.loads((version / "card.json").read_text())
    ids = {json.loads(x)["call_id"] for x in held.path.read_text().splitlines()}
    trained = {json.loads(x)["call_id"] for x in (FIXTURES / "mini_calls.jsonl").read_text()
               .splitlines()} - ids
    assert ids and trained, "a split: some calls held out, the rest trained on"
    assert held.calls == card["metrics"]["heldout_calls"]["overall"]["calls"]
    moved = tmp_path / "moved"
    shutil.copytree(version, moved)
    card["data"]["paths"] = [str(tmp_path / "gone.jsonl")]
    card["version"] = "v-moved"
    (moved / "card.json").write_text(json.dumps(card))
    assert evaluation.heldout_calls(moved, tmp_path / "eval") is None


def test_a_training_file_as_comparison_file_is_a_warning(app, small_store,
                                                         registry: Path) -> None:
    at = app(small_store.url, "model")
    at.text_input(key="compare_path").set_value(str(FIXTURES / "mini_calls.jsonl")).run()
    assert any("is part of the data" in w and "optimistic" in w for w in _texts(at.warning))


def test_the_card_shows_whole_call_figures_per_language_and_type(app, small_store,
                                                                 registry: Path) -> None:
    # the fixture's calls carry no call type and no turn labels: give the card the blocks
    # training on the bundled corpus (typed calls, labelled turns) writes
    card_file = registry / active_version(registry) / "card.json"
    card = json.loads(card_file.read_text())
    calls = card["metrics"]["heldout_calls"]
    calls["per_type"] = {"slow_burn": calls["overall"], "direct": calls["overall"]}
    calls["turns"] = {k: v for k, v in card["metrics"]["heldout_utterances"].items()
                      if k in ("overall", "per_language")}
    card_file.write_text(json.dumps(card))
    at = app(small_store.url, "model")
    assert not at.exception
    tables = [df.value for df in at.dataframe]
    whole = next(t for t in tables if "on_time_rate" in t.columns and "group" in t.columns)
    for column in ("on_time_rate", "any_time_rate", "false_alert_rate", "median_lead_turns"):
        assert column in whole.columns
    assert set(whole["group"]) == {"all", *calls["per_language"], *calls["per_type"]}
    turns = next(t for t in tables if "lang" in t.columns and "escalation_f1" in t.columns
                 and set(t["lang"]) == {"all", *calls["turns"]["per_language"]})
    assert {"sentiment_macro_f1", "cue_macro_f1", "escalation_f1"} <= set(turns.columns)


def test_compare_and_thresholds_on_a_labelled_file(app, small_store, registry: Path) -> None:
    at = app(small_store.url, "model")
    for key in ("compare_path", "threshold_path"):
        at.text_input(key=key).set_value(str(FIXTURES / "mini_utterances.jsonl"))
    at.button(key="run_compare").click().run()
    assert not at.exception
    assert any(df.value.shape[1] == 3 for df in at.dataframe)  # metric + two versions
    assert "Compare" in [b.label for b in at.button]
    assert at.button(key="run_thresholds").label == "Draw the threshold curves"
    at.button(key="run_thresholds").click().run()
    assert not at.exception
    assert at.get("plotly_chart")


def test_missing_eval_file_is_a_message(app, small_store, registry: Path) -> None:
    at = app(small_store.url, "model")
    at.text_input(key="compare_path").set_value("/no/such/file.jsonl").run()
    assert not at.exception
    assert any("/no/such/file.jsonl" in rendered_text(e.value) for e in at.error)


def test_empty_registry_is_a_message(app, small_store) -> None:
    at = app(small_store.url, "model")
    assert not at.exception
    assert any("No model in" in w.value for w in at.warning)


def test_registry_without_a_model_is_a_message(app, small_store) -> None:
    (app.home / "models" / "v20260101-000000").mkdir(parents=True)
    (app.home / "models" / "ACTIVE").write_text("v20260101-000000\n")
    at = app(small_store.url, "model")
    assert not at.exception
    assert any("No model in" in w.value for w in at.warning)


def test_alerts_per_agent_hour_counts_calls_over_each_threshold() -> None:
    # 3 calls, 2 hours in all: at 0.5 two calls alert → 1 per hour; at 0.95 none
    rates = evaluation.alerts_per_agent_hour([0.2, 0.6, 0.9], [3600, 1800, 1800], [0.5, 0.95])
    assert rates == [1.0, 0.0]


def test_background_training_reports_progress_and_writes_a_version(tmp_path: Path) -> None:
    registry = tmp_path / "models"
    job = training_job.start(registry, [FIXTURES / "mini_utterances.jsonl",
                                        FIXTURES / "mini_calls.jsonl"],
                             [Path(__file__).resolve().parents[2] / "data" / "lexicon"
                              / "qa_lexicon.tsv"],
                             config=TrainConfig(review_sentences=200))
    assert training_job.start(registry, [], []) is job  # one run per registry
    assert job.wait(300)
    assert job.error is None and job.version_dir is not None and job.fraction == 1.0
    assert (job.version_dir / "card.json").exists()


def test_retrain_button_trains_in_the_background(app, small_store, registry: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOORLIGHT_TRAIN_DATA", f"{FIXTURES / 'mini_utterances.jsonl'}:"
                       f"{FIXTURES / 'mini_calls.jsonl'}")
    monkeypatch.setattr(training_job, "TrainConfig", lambda: TrainConfig(review_sentences=200))
    at = app(small_store.url, "model")
    at.button(key="start_training").click().run()
    assert not at.exception
    job = training_job.current(registry)
    assert job is not None
    assert job.wait(300) and job.error is None
    deadline = time.time() + 5
    while time.time() < deadline and not any("Trained" in s.value for s in at.success):
        at.run()
    assert any("Trained" in s.value for s in at.success)
    assert len(list(registry.glob("v*"))) == 3
    trained = job.version_dir.name
    done = next(rendered_text(s.value) for s in at.success if "Trained" in s.value)
    assert "promote it under “Versions” above" in done and "below" in done.split(";")[0]
    assert at.selectbox(key="compare_a").value == active_version(registry) != trained
    assert at.selectbox(key="compare_b").value == trained
    assert at.selectbox(key="promote_pick").value == trained


def _monitor_says(tmp_path: Path, **info) -> str:
    """A store whose monitor heartbeat (as the monitor writes it) carries ``info``."""
    import sqlite3

    from tests.dashboard.store_factory import StoreSpec, build_store

    store = build_store(tmp_path / "live.db", StoreSpec(finished=5, live=1, desks=2))
    with sqlite3.connect(tmp_path / "live.db") as conn:
        conn.execute("update services set info = ? where name = 'monitor'",
                     (json.dumps({"turns": 10, **info}),))
    return store.url


def test_the_model_page_shows_what_the_monitor_runs_and_when_it_switched(
        app, tmp_path: Path, registry: Path) -> None:
    promoted = active_version(registry)
    url = _monitor_says(tmp_path, model=promoted, model_since="2026-11-23T09:15:02+00:00",
                        model_previous="v20260101-000000", model_follows=True,
                        model_refused=None)
    at = app(url, "model")
    assert not at.exception
    assert any("On the live floor" in s.value for s in at.subheader)
    line = next(rendered_text(m.value) for m in at.markdown if "is running" in m.value)
    assert f"monitor is running {promoted} since 2026-11-23 09:15:02 UTC" in line
    assert "switched from v20260101-000000" in line
    assert any(f"model {promoted} (since 2026-11-23 09:15:02 UTC)" in rendered_text(c.value)
               for c in at.caption), "the banner on every page says it too"
    at = app(url, "model", lang="zh-Hant")
    assert any(f"自 2026-11-23 09:15:02 UTC 起使用 {promoted}" in rendered_text(m.value)
               for m in at.markdown)


def test_a_refused_promotion_is_a_warning_with_its_reason(app, tmp_path: Path,
                                                          registry: Path) -> None:
    url = _monitor_says(tmp_path, model="v20260101-000000", model_since="2026-11-23T09:00:00Z",
                        model_follows=True, model_refused={
                            "version": "v29990101-000000", "at": "2026-11-23T09:20:00Z",
                            "reason": "utterance.skops: does not match its model card"})
    at = app(url, "floor")  # the banner: every page
    assert any("refused the promoted model v29990101-000000 and keeps running "
               "v20260101-000000: utterance.skops: does not match" in rendered_text(w.value)
               for w in at.warning), [w.value for w in at.warning]
    at = app(url, "model", lang="zh-Hans")
    assert any("监控服务拒用" in w.value for w in at.warning)


def test_a_promotion_the_monitor_has_not_picked_up_yet_says_so(app, tmp_path: Path,
                                                              registry: Path) -> None:
    url = _monitor_says(tmp_path, model="v20260101-000000", model_since="2026-11-23T09:00:00Z",
                        model_follows=True)
    at = app(url, "model")
    assert any("has not switched to" in i.value for i in at.info)
    url = _monitor_says(tmp_path / "pinned", model="v20260101-000000",
                        model_since="2026-11-23T09:00:00Z", model_follows=False)
    at = app(url, "model")
    assert any("pinned version" in w.value for w in at.warning)
