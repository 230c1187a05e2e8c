"""The model page in AppTest with a real (tiny) trained registry: the card, promote and
roll back change the active model, comparing and the threshold view run, retraining runs in
the background with progress, and an empty registry is a message."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from dashboard import evaluation, training_job
from models.artifacts import active_version
from models.training import TrainConfig
from tests.dashboard.hostile import rendered_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_card_and_versions_render(app, small_store, registry: Path) -> None:
    at = app(small_store.url, "model")
    assert not at.exception
    assert any("Promoted model" in s.value for s in at.subheader)
    assert len(at.get("plotly_chart")) == 2  # the two confusion matrices


def test_promote_then_roll_back(app, small_store, registry: Path) -> None:
    first = active_version(registry)
    at = app(small_store.url, "model")
    at.selectbox(key="promote_pick").set_value("v29990101-000000")
    at.button(key="promote").click().run()
    assert not at.exception
    assert active_version(registry) == "v29990101-000000"
    assert any("Promoted" in s.value for s in at.success)
    at.button(key="rollback").click().run()
    assert active_version(registry) == first
    log = [json.loads(x) for x in (registry / "promotions.jsonl").read_text().splitlines()]
    assert log[-1]["action"] == "rollback" and log[-1]["who"] == "dashboard:Mei"


def test_compare_and_thresholds_on_a_labelled_file(app, small_store, registry: Path) -> None:
    at = app(small_store.url, "model")
    for key in ("compare_path", "threshold_path"):
        at.text_input(key=key).set_value(str(FIXTURES / "mini_utterances.jsonl"))
    at.button(key="run_compare").click().run()
    assert not at.exception
    assert any(df.value.shape[1] == 3 for df in at.dataframe)  # metric + two versions
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
