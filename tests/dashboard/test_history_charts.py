"""History's charts at the edges: one day of data (dates as ticks, a narrow bar, not times of
day under one full-width bar), one week in the heatmap, and a four-quadrant chart that
assigns no zones when the agents are too few or the medians split nobody."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from dashboard import charts
from store.queries import AgentOutcome, DayStats, TechniqueRate
from tests.dashboard.store_factory import StoreSpec, build_store

DAY = date(2026, 11, 3)


def _span_days(axis_range) -> float:
    low, high = (datetime.fromisoformat(str(x)) for x in axis_range)
    return (high - low) / timedelta(days=1)


def test_one_day_is_a_date_tick_and_a_narrow_bar() -> None:
    fig = charts.escalation_over_time([DayStats(DAY, 12, 3, -0.1, 3.9, 81.0)])
    axis = fig.layout.xaxis
    assert axis.type == "date" and axis.tickformat == "%Y-%m-%d"
    assert axis.dtick == charts.DAY_MS  # one tick a day: no "23:59:59.9996"
    assert _span_days(axis.range) >= charts.MIN_DAYS_SHOWN  # the bar is a seventh or less
    low, high = (datetime.fromisoformat(str(x)) for x in axis.range)
    assert low < datetime(2026, 11, 3) < high  # the day in the middle
    assert list(fig.data[0].width) == [0.8 * charts.DAY_MS]


def test_a_long_range_is_left_to_plotly_ticks_and_keeps_every_day() -> None:
    days = [DayStats(DAY + timedelta(days=i), 5, 1, 0.0, None, None) for i in range(60)]
    axis = charts.escalation_over_time(days).layout.xaxis
    assert axis.dtick is None and axis.tickformat == "%Y-%m-%d"
    assert _span_days(axis.range) == pytest.approx(60)  # 60 days, half a day either side


def test_one_week_of_technique_use_is_one_narrow_column() -> None:
    rates = [TechniqueRate("1001", DAY, "apology", 4, 1), TechniqueRate("1002", DAY, "apology",
                                                                        2, 2)]
    fig = charts.technique_heatmap(rates, "apology")
    assert fig.layout.xaxis.type == "category" and list(fig.data[0].x) == ["2026-11-03"]
    low, high = fig.layout.xaxis.range
    assert high - low == charts.MIN_COLUMNS  # one cell is an eighth of the width
    assert fig.layout.yaxis.type == "category"  # ids that look like numbers stay names
    many = [TechniqueRate("a", DAY + timedelta(weeks=i), "apology", 1, 1) for i in range(10)]
    assert charts.technique_heatmap(many, "apology").layout.xaxis.range is None


def _agent(name: str, use: float, csat: float, escalation: float = 0.2) -> AgentOutcome:
    return AgentOutcome(name, "t", 10, use, csat, escalation, 80.0)


def test_a_single_agent_who_never_uses_the_technique_is_no_benchmark() -> None:
    chart = charts.quadrant_points([_agent("a-1", 0.0, 4.2)], "csat", "apology")
    assert chart.no_zones == "too_few"
    assert [p["zone"] for p in chart.points] == [None]
    fig = charts.quadrant(chart, "apology", "csat")
    assert [trace.name for trace in fig.data] == ["agents"]
    assert not fig.layout.shapes  # no median lines either


@pytest.mark.parametrize(("agents", "outcome", "why"), [
    ([_agent(f"a-{i}", 0.0, 3.0 + i / 10) for i in range(6)], "csat", "no_use_split"),
    ([_agent(f"a-{i}", i / 10, 4.0) for i in range(6)], "csat", "no_outcome_split"),
    ([_agent(f"a-{i}", i / 10, 4.0, 0.3) for i in range(6)], "escalation", "no_outcome_split"),
    ([_agent(f"a-{i}", i / 10, 4.0) for i in range(3)], "csat", "too_few"),
])
def test_a_median_that_splits_nobody_assigns_no_zones(agents, outcome, why) -> None:
    chart = charts.quadrant_points(agents, outcome, "apology")
    assert chart.no_zones == why
    assert all(p["zone"] is None for p in chart.points)


def test_four_agents_on_both_sides_get_zones() -> None:
    agents = [_agent("a-1", 0.9, 4.6), _agent("a-2", 0.1, 4.5), _agent("a-3", 0.2, 2.0),
              _agent("a-4", 0.8, 2.1)]
    chart = charts.quadrant_points(agents, "csat", "apology")
    assert chart.no_zones is None
    assert {p["zone"] for p in chart.points} == {"benchmark", "innovation", "training",
                                                 "correction"}


def test_history_of_one_agent_on_one_day_says_why_there_are_no_zones(app, tmp_path) -> None:
    info = build_store(tmp_path / "one.db", StoreSpec(finished=6, live=0, desks=1, days=1))
    at = app(info.url, "history")
    at.date_input(key="history_range").set_value((date(2000, 1, 1), date(2100, 1, 1))).run()
    assert not at.exception
    assert any("No zones" in i.value and "needs at least 4" in i.value for i in at.info)
    zones = at.dataframe[-1].value["Zone"]  # the zone's code is in the CSV only
    assert set(zones) == {"–"}
    escalation = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert escalation["layout"]["xaxis"]["tickformat"] == "%Y-%m-%d"
