"""History & coaching in AppTest: charts and tables render, filters work, absurd ranges are
a message."""

from __future__ import annotations

from datetime import date


def test_history_renders_every_chart_with_csv(app, small_store) -> None:
    at = app(small_store.url, "history")
    assert not at.exception
    assert len(at.get("plotly_chart")) == 6
    assert len(at.get("download_button")) == 6


def test_history_filters_by_team_and_agent(app, small_store) -> None:
    at = app(small_store.url, "history")
    at.selectbox(key="history_team").set_value("billing").run()
    assert not at.exception
    at.selectbox(key="history_agent").set_value("a-000").run()
    assert not at.exception


def test_reversed_range_is_a_message(app, small_store) -> None:
    at = app(small_store.url, "history")
    at.date_input(key="history_range").set_value((date(2026, 5, 1), date(2020, 1, 1))).run()
    assert not at.exception
    assert at.error and "ends before it starts" in at.error[0].value


def test_range_outside_the_data_is_a_message(app, small_store) -> None:
    at = app(small_store.url, "history")
    at.date_input(key="history_range").set_value((date(2001, 1, 1), date(2001, 2, 1))).run()
    assert not at.exception
    assert any("No finished calls" in i.value for i in at.info)


def test_huge_range_is_clamped_to_the_data(app, small_store) -> None:
    at = app(small_store.url, "history")
    at.date_input(key="history_range").set_value((date(2000, 1, 1), date(2100, 12, 31))).run()
    assert not at.exception
    assert any("showing that span" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 6


def test_history_only_reads_the_facts_the_monitor_wrote(app, tmp_path) -> None:
    from sqlalchemy import func, select

    from store.db import open_store
    from store.schema import call_facts
    from tests.dashboard.store_factory import StoreSpec, build_store

    info = build_store(tmp_path / "older.db", StoreSpec(finished=12, live=2, facts=False))
    for page in ("history", "model"):
        at = app(info.url, page)
        assert not at.exception
    engine = open_store(info.url, migrate=False)
    with engine.connect() as conn:  # the dashboard derived nothing: that is the monitor's job
        assert conn.execute(select(func.count()).select_from(call_facts)).scalar() == 0
    engine.dispose()


def test_each_fact_shows_once_and_the_csv_keeps_the_codes(app, small_store) -> None:
    """A cue's and a zone's translated name is on screen once (no "Cue" beside "cue"); the
    code column scripts read goes to the CSV only (``common.table(csv_only=...)``)."""
    at = app(small_store.url, "history")
    assert not at.exception
    for frame in at.dataframe:
        headers = [str(c).lower() for c in frame.value.columns]
        assert len(headers) == len(set(headers)), headers
    cue_table = next(f.value for f in at.dataframe if "Count" in f.value.columns)
    assert list(cue_table.columns) == ["Cue", "Count"]
