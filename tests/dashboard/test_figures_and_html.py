"""Pure functions tested without Streamlit: Plotly figures, desk tiles, the transcript, the
i18n table, the launch command and the configuration."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from dashboard import charts, i18n, tiles
from dashboard.config import from_args
from dashboard.launch import command, environment
from dashboard.transcript import highlight, turn_html
from store.queries import (
    AgentOutcome,
    DayStats,
    DeskTile,
    QueuedAlert,
    SupervisorLatency,
    TechniqueRate,
)
from store.rows import UtteranceRow

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def _turn(seq: int, state: str, risk: float, *, speaker: str = "customer", text: str = "hi",
          evidence=(), qa=None, cue: str = "none", sentiment: str = "negative"
          ) -> UtteranceRow:
    return UtteranceRow(call_id="c", seq=seq, event_id=None, speaker=speaker, text=text,
                        lang="en", ts=NOW + timedelta(seconds=10 * seq), t=10.0 * seq,
                        t_end=10.0 * seq + 3, sentiment=sentiment, p_negative=0.7,
                        p_positive=0.1, cue=cue, cue_scores=None, escalation=0.8,
                        evidence=tuple(evidence), qa=qa or {}, risk=risk, state=state,
                        reason=None, model_version=None)


def _alert(turn_index: int, acked_at=None) -> QueuedAlert:
    return QueuedAlert(id=1, call_id="c", desk_id="d-1", agent_id="a-1", team="t",
                    reason="supervisor_request", risk=0.9, turn_index=turn_index,
                    raised_at=NOW, status="acknowledged" if acked_at else "open",
                    acked_at=acked_at, acked_by="Mei" if acked_at else None)


def test_risk_timeline_bands_alert_and_ack() -> None:
    turns = [_turn(0, "calm", 0.1), _turn(1, "calm", 0.2), _turn(2, "watch", 0.5),
             _turn(3, "alert", 0.9), _turn(4, "acknowledged", 0.8)]
    assert charts.state_bands(turns) == [(0, 1, "calm"), (2, 2, "watch"), (3, 3, "alert"),
                                         (4, 4, "acknowledged")]
    fig = charts.risk_timeline(turns, [_alert(3, acked_at=NOW + timedelta(seconds=41))])
    assert list(fig.data[0].y) == [0.1, 0.2, 0.5, 0.9, 0.8]
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(rects) == 4
    assert [ln.x0 for ln in lines] == [3, 4]  # alert at turn 3, acknowledged during turn 4
    texts = [a.text for a in fig.layout.annotations]
    assert any("asks for a supervisor" in x for x in texts)
    assert any("acknowledged (Mei)" in x for x in texts)


def test_history_figures_carry_the_numbers() -> None:
    days = [DayStats(date(2026, 11, 1), 10, 3, -0.2, 3.5, 80.0),
            DayStats(date(2026, 11, 2), 4, 0, 0.1, None, None)]
    fig = charts.escalation_over_time(days)
    assert list(fig.data[0].y) == [0.3, 0.0]
    assert list(fig.data[1].y) == [-0.2, 0.1]
    cues = charts.cue_bars({"abuse": 5, "churn_threat": 2}, "zh-Hant")
    assert list(cues.data[0].y) == ["辱罵", "揚言解約"]
    latency = charts.ack_latency_bars([SupervisorLatency("Mei", 3, 20.0, 25.0, 40.0)])
    assert list(latency.data[0].y) == [20.0] and list(latency.data[0].error_y.array) == [20.0]
    qa = charts.qa_histogram({90: 4, 95: 6})
    assert list(qa.data[0].y) == [4, 6]


def test_technique_heatmap_is_agents_by_weeks() -> None:
    w1, w2 = date(2026, 11, 2), date(2026, 11, 9)
    rates = [TechniqueRate("a-1", w1, "apology", 4, 1), TechniqueRate("a-1", w2, "apology", 2, 2),
             TechniqueRate("a-2", w2, "apology", 5, 0), TechniqueRate("a-2", w2, "empathy", 5, 5)]
    fig = charts.technique_heatmap(rates, "apology")
    assert list(fig.data[0].y) == ["a-1", "a-2"]
    assert [list(r) for r in fig.data[0].z] == [[0.25, 1.0], [None, 0.0]]


@pytest.mark.parametrize(("use", "outcome", "higher", "expected"), [
    (0.9, 4.5, True, "benchmark"), (0.2, 4.5, True, "innovation"),
    (0.2, 2.0, True, "training"), (0.9, 2.0, True, "correction"),
    (0.9, 0.1, False, "benchmark"), (0.9, 0.6, False, "correction"),
])
def test_quadrant_zones(use: float, outcome: float, higher: bool, expected: str) -> None:
    assert charts.zone(use, outcome, 0.5, 3.0 if higher else 0.3, higher) == expected


def test_quadrant_points_split_at_medians_and_flip_taboo() -> None:
    agents = [AgentOutcome("a-1", "t", 10, 0.9, 4.6, 0.1, 90.0),
              AgentOutcome("a-2", "t", 10, 0.1, 4.5, 0.2, 80.0),
              AgentOutcome("a-3", "t", 10, 0.2, 2.0, 0.6, 60.0),
              AgentOutcome("a-4", "t", 10, 0.8, 2.1, 0.5, 70.0),
              AgentOutcome("a-5", "t", 10, None, 3.0, 0.3, 75.0)]
    points = {p["agent_id"]: p["zone"] for p in charts.quadrant_points(agents, "csat").points}
    assert points == {"a-1": "benchmark", "a-2": "innovation", "a-3": "training",
                      "a-4": "correction"}
    taboo = {p["agent_id"]: p["use_rate"]
             for p in charts.quadrant_points(agents, "csat", "taboo").points}
    assert taboo["a-1"] == pytest.approx(0.1)
    fig = charts.quadrant(charts.quadrant_points(agents, "escalation"), "apology", "escalation")
    assert {tr.name for tr in fig.data} == {"benchmark", "innovation", "training", "correction"}
    assert fig.layout.yaxis.autorange == "reversed"  # lower escalation is better: up is good


def test_confusion_and_threshold_figures() -> None:
    fig = charts.confusion_heatmap(["a", "b"], [[3, 1], [0, 4]], "cue")
    assert [list(r) for r in fig.data[0].z] == [[3, 1], [0, 4]]
    pr = charts.pr_curve([0.5, 0.8], [0.9, 0.4], [0.3, 0.7], current=0.6)
    assert list(pr.data[0].x) == [0.3, 0.7]
    assert charts.alerts_per_hour([0.3, 0.7], [2.0, 0.5]).data[0].y == (2.0, 0.5)
    # a tracker with a threshold of its own for negotiated cues shows both; older ones one
    both = charts.pr_curve([0.5, 0.8], [0.9, 0.4], [0.3, 0.7], current=0.9, soft=0.4)
    assert sorted(shape.x0 for shape in both.layout.shapes) == [0.4, 0.9]
    assert [shape.x0 for shape in pr.layout.shapes] == [0.6]
    hourly = charts.alerts_per_hour([0.3, 0.7], [2.0, 0.5], 0.9, "zh-Hant", soft=0.4)
    assert "協商式提示" in " ".join(a.text for a in hourly.layout.annotations)


def _tile(state: str, **kw) -> DeskTile:
    base = {"desk_id": "d-<1>", "agent_id": "a-1", "team": "t", "state": state,
            "call_id": "c-1", "risk": 0.42, "reason": "abuse", "since": NOW,
            "started_at": NOW - timedelta(minutes=3, seconds=5), "customer_sentiment": -0.3,
            "sentiment_trail": (-0.2, -0.5, 0.1)}
    return DeskTile(**{**base, **kw})


@pytest.mark.parametrize("state", ["calm", "watch", "alert", "acknowledged", "off"])
def test_tiles_name_the_state_with_icon_and_pattern_not_only_colour(state: str) -> None:
    html = tiles.tile_html(_tile(state), NOW)
    look = tiles.LOOKS[state]
    assert f"{look.icon} {state}" in html
    assert look.colour in html
    assert 'data-desk="d-&lt;1&gt;"' in html  # ids are escaped
    assert "3:05" in html and "42%" in html and "abuse" in html
    assert ("fl-blink" in html) == (state == "alert")


def test_state_looks_are_all_distinct() -> None:
    looks = [tiles.LOOKS[s] for s in ("off", "calm", "watch", "alert", "acknowledged")]
    assert len({lk.icon for lk in looks}) == 5
    assert len({(lk.pattern, lk.blink) for lk in looks}) >= 4  # off and calm differ by icon


def test_sparkline_is_an_svg_image() -> None:
    img = tiles.sparkline((-1.0, 0.0, 1.0), width=100, height=20)
    svg = base64.b64decode(img.split("base64,")[1][:-2]).decode()
    assert 'points="0.0,20.0 50.0,10.0 100.0,0.0"' in svg
    assert tiles.sparkline((0.5,)) == ""


def test_virtual_lights_from_bridge_file_refuse_css_injection() -> None:
    board = {"lights": {"d-1": {"state": "alert", "look": {"color": "#FF0000",
                                                            "effect": "blink",
                                                            "period_ms": 400}},
                        "d-2": {"state": "calm", "look": {"color": "red;x:url(evil)"}}}}
    lights = tiles.lights_from_bridge(board)
    assert lights[0].colour == "#FF0000" and lights[0].period_ms == 400
    assert lights[1].colour == tiles.LOOKS["calm"].colour
    html = tiles.lights_html(lights)
    assert "evil" not in html and "fl-fx-blink" in html


def test_highlight_marks_evidence_and_taboo_and_escapes() -> None:
    out = highlight("You must <b>pay</b> now, I want a manager", ["want a manager"],
                    ["you must"])
    assert out.startswith('<mark class="fl-taboo">You must</mark> &lt;b&gt;pay&lt;/b&gt;')
    assert "<mark>want a manager</mark>" in out


def test_taboo_highlighted_only_in_agent_turns() -> None:
    agent = _turn(0, "calm", 0.1, speaker="agent", text="you have to wait",
                  qa={"taboo": ["you have to"]})
    customer = _turn(1, "calm", 0.1, text="you have to help", qa={"taboo": ["you have to"]},
                     cue="supervisor_request")
    assert "fl-taboo" in turn_html(agent)
    html = turn_html(customer, "zh-Hans")
    assert "fl-taboo" not in html and "要求主管" in html and "客户" in html


def test_labels_come_from_the_catalogs() -> None:
    assert i18n.t("acked_ok", "zh-Hant", desk="d-1") == "已確認警示：座席 d-1 將顯示「已確認」。"
    assert i18n.t("no-such-key") == "no-such-key"


def test_launch_command_binds_localhost_by_default() -> None:
    argv = command(8600)
    assert argv[1:4] == ["-m", "streamlit", "run"]
    assert argv[argv.index("--server.address") + 1] == "127.0.0.1"
    assert argv[argv.index("--server.port") + 1] == "8600"
    assert "--db" not in argv, "the store URL goes through the environment"
    assert command(80, "0.0.0.0")[command(80, "0.0.0.0").index("--server.address") + 1] \
        == "0.0.0.0"
    with pytest.raises(ValueError):
        command(70000)
    env = environment("postgresql://u:pw@h/db", {"FLOORLIGHT_DB": "old", "X": "1"},
                      Path("/home"))
    assert env == {"FLOORLIGHT_DB": "postgresql://u:pw@h/db", "X": "1",
                   "FLOORLIGHT_HOME": "/home"}


def test_config_from_args_and_environment(tmp_path) -> None:
    env = {"FLOORLIGHT_HOME": str(tmp_path), "FLOORLIGHT_DB": "sqlite:////env.db"}
    cfg = from_args(["app.py", "--db", "sqlite:////arg.db", "--durations=5"], env)
    assert cfg.db_url == "sqlite:////arg.db" and cfg.models_dir == tmp_path / "models"
    assert from_args(["-x"], env).db_url == "sqlite:////env.db"
    assert from_args([], {"FLOORLIGHT_HOME": str(tmp_path)}).db_url == \
        f"sqlite:///{tmp_path / 'floorlight.db'}"
    assert from_args(["--refresh", "0.01"], env).refresh_s == 0.5
    with pytest.raises(ValueError, match="FLOORLIGHT_DB"):
        from_args(["--db", "postgresql://fl:secret@db/fl"], env)
    assert from_args([], {**env, "FLOORLIGHT_DB": "postgresql://fl:secret@db/fl"}).db_url \
        == "postgresql://fl:secret@db/fl"
