"""Plotly figures as plain functions of query results (tests call them without Streamlit).
Every figure uses the colour-blind-safe Okabe–Ito palette, and states and zones are named
in text as well as coloured. Plotly reads HTML in labels and hover text: every value from the
store or a model card goes through :func:`dashboard.plain.plotly` (``esc``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median

import plotly.graph_objects as go

from dashboard.i18n import class_name, cue_name, speaker_name, state_name, t
from dashboard.plain import plotly as esc
from dashboard.tiles import LOOKS

# Dates as numbers: Plotly's own tick labels are English month names ("Nov 23")
DATE_AXIS = {"tickformat": "%m-%d", "hoverformat": "%Y-%m-%d"}
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
             "#000000")
ZONE_COLOURS = {"benchmark": "#009E73", "innovation": "#56B4E9", "training": "#E69F00",
                "correction": "#D55E00"}


def _layout(fig: go.Figure, title: str, **kwargs) -> go.Figure:
    fig.update_layout(title=title, margin={"l": 40, "r": 20, "t": 50, "b": 40},
                      colorway=OKABE_ITO, **kwargs)
    return fig


def state_bands(turns: Sequence) -> list[tuple[int, int, str]]:
    """Runs of the same desk state over turn indices: (first seq, last seq, state)."""
    bands: list[tuple[int, int, str]] = []
    for turn in turns:
        if bands and bands[-1][2] == turn.state:
            bands[-1] = (bands[-1][0], turn.seq, turn.state)
        else:
            bands.append((turn.seq, turn.seq, turn.state))
    return bands


def ack_turn(turns: Sequence, acked_at) -> int | None:
    """The turn during which an acknowledgement arrived (the last turn at or before it)."""
    if acked_at is None or not turns:
        return None
    before = [t.seq for t in turns if t.ts is not None and t.ts <= acked_at]
    return before[-1] if before else turns[0].seq


def risk_timeline(turns: Sequence, alerts: Sequence = (), lang: str = "en") -> go.Figure:
    """Risk after each turn, the desk-state bands behind it, the alert and the
    acknowledgement marked."""
    fig = go.Figure()
    for first, last, state in state_bands(turns):
        fig.add_vrect(x0=first - 0.5, x1=last + 0.5, fillcolor=LOOKS.get(state, LOOKS["off"])
                      .colour, opacity=0.18, line_width=0,
                      annotation_text=esc(state_name(state, lang)),
                      annotation_position="top left", annotation_font_size=10)
    fig.add_trace(go.Scatter(
        x=[t.seq for t in turns], y=[t.risk for t in turns], mode="lines+markers",
        name=t("risk", lang), line={"color": "#000000"},
        customdata=[[esc(speaker_name(t.speaker, lang)), esc(cue_name(t.cue, lang))]
                    for t in turns],
        hovertemplate=f"#%{{x}} %{{customdata[0]}}<br>{esc(t('risk', lang))} %{{y:.0%}}<br>"
                      "%{customdata[1]}<extra></extra>"))
    for alert in alerts:
        label = f"⚠ {t('alert_raised', lang)}: {esc(cue_name(alert.reason, lang))}"
        fig.add_vline(x=alert.turn_index, line={"color": LOOKS["alert"].colour, "width": 2},
                      annotation_text=label,
                      annotation_position="bottom right")
        seq = ack_turn(turns, alert.acked_at)
        if seq is not None:
            who = f" ({esc(alert.acked_by)})" if alert.acked_by else ""
            fig.add_vline(x=seq, line={"color": LOOKS["acknowledged"].colour, "dash": "dash"},
                          annotation_text=f"✔ {t('acknowledged_mark', lang)}{who}",
                          annotation_position="top right")
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%", title=t("risk", lang))
    fig.update_xaxes(title=t("turn", lang))
    return _layout(fig, t("risk_timeline", lang), showlegend=False, height=320)


DAY_MS = 86_400_000  # plotly measures date axes in milliseconds
MIN_DAYS_SHOWN = 7  # a range this short is drawn as a week, so one day is one narrow bar
MIN_COLUMNS = 8  # likewise for the weeks of the technique heatmap


def day_axis(days: Sequence[date]) -> dict:
    """A date axis for one bar per day: dates as ticks (never times of day), and at least
    :data:`MIN_DAYS_SHOWN` days wide, the data in the middle."""
    first, last = min(days), max(days)
    shown = (last - first).days + 1
    pad = timedelta(days=max(0, MIN_DAYS_SHOWN - shown) / 2 + 0.5)
    axis = {"type": "date", "tickformat": "%Y-%m-%d", "hoverformat": "%Y-%m-%d",
            "range": [datetime.combine(first, time()) - pad,
                      datetime.combine(last, time()) + pad]}
    if shown <= 2 * MIN_DAYS_SHOWN:
        axis["dtick"] = DAY_MS  # one tick a day; longer spans: plotly spaces them
    return axis


def category_range(count: int, least: int = MIN_COLUMNS) -> list[float] | None:
    """The x range that keeps ``count`` category columns (heatmap cells) no wider than
    1/``least`` of the plot each, centred; None when there are enough of them."""
    if count >= least:
        return None
    middle = (count - 1) / 2
    return [middle - least / 2, middle + least / 2]


def escalation_over_time(days: Sequence, lang: str = "en") -> go.Figure:
    """Escalation rate (bars) and mean customer sentiment (line, second axis) per day."""
    x = [d.day for d in days]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=x, y=[d.escalation_rate for d in days], width=[DAY_MS * 0.8] * len(x),
                         name=t("escalation_rate", lang), marker_color=OKABE_ITO[3],
                         customdata=[[d.calls] for d in days],
                         hovertemplate="%{x}<br>" + t("hover_share_of", lang, share="%{y:.0%}",
                                                      total="%{customdata[0]}")
                         + "<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=[d.mean_sentiment for d in days], yaxis="y2",
                             mode="lines+markers", name=t("customer_sentiment", lang),
                             line={"color": OKABE_ITO[0]}))
    fig.update_xaxes(**DATE_AXIS)
    return _layout(fig, t("escalation_over_time", lang), height=340,
                   xaxis=day_axis(x) if x else {"type": "date"},
                   yaxis={"tickformat": ".0%", "title": t("escalation_rate", lang)},
                   yaxis2={"overlaying": "y", "side": "right", "range": [-1, 1],
                           "title": t("customer_sentiment", lang)},
                   legend={"orientation": "h", "y": -0.2})


def cue_bars(counts: dict[str, int], lang: str = "en") -> go.Figure:
    names = list(counts)
    fig = go.Figure(go.Bar(x=[counts[n] for n in names], y=[esc(cue_name(n, lang)) for n in names],
                           orientation="h", marker_color=OKABE_ITO[1]))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, t("cues_breakdown", lang), height=320)


def ack_latency_bars(rows: Sequence, lang: str = "en") -> go.Figure:
    fig = go.Figure(go.Bar(
        x=[esc(r.supervisor) for r in rows], y=[r.median_s for r in rows],
        error_y={"type": "data", "symmetric": False,
                 "array": [r.p90_s - r.median_s for r in rows]},
        marker_color=OKABE_ITO[0], customdata=[[r.acknowledged, r.p90_s] for r in rows],
        hovertemplate=t("hover_ack_latency", lang, who="%{x}", median="%{y:.0f}",
                        p90="%{customdata[1]:.0f}", n="%{customdata[0]}") + "<extra></extra>"))
    fig.update_yaxes(title=t("median_s", lang))
    return _layout(fig, t("ack_latency", lang), height=320)


def qa_histogram(buckets: dict[int, int], lang: str = "en", width: int = 5) -> go.Figure:
    fig = go.Figure(go.Bar(x=[b + width / 2 for b in buckets], y=list(buckets.values()),
                           width=[width * 0.95] * len(buckets), marker_color=OKABE_ITO[2]))
    fig.update_xaxes(range=[0, 100], title=t("qa_score", lang))
    fig.update_yaxes(title=t("calls", lang))
    return _layout(fig, t("qa_distribution", lang), height=320)


def technique_heatmap(rates: Sequence, technique: str, lang: str = "en") -> go.Figure:
    """Use rate of one technique, agents × weeks."""
    chosen = [r for r in rates if r.technique == technique]
    agents = sorted({r.agent_id for r in chosen})
    weeks = sorted({r.week for r in chosen})
    cell = {(r.agent_id, r.week): r for r in chosen}
    z = [[cell[(a, w)].rate if (a, w) in cell else None for w in weeks] for a in agents]
    text = [[f"{cell[(a, w)].used}/{cell[(a, w)].applicable}" if (a, w) in cell else ""
             for w in weeks] for a in agents]
    fig = go.Figure(go.Heatmap(z=z, x=[w.isoformat() for w in weeks],
                               y=[esc(a) for a in agents], text=text,
                               zmin=0, zmax=1, colorscale="Cividis",
                               hovertemplate="%{y} %{x}: %{z:.0%} (%{text})<extra></extra>"))
    # categories: an ISO week date alone would make a date axis (a single week then shows
    # ticks such as "23:59:59.9996" under one cell as wide as the chart), and an id that
    # looks like a number a numeric one
    fig.update_xaxes(title=t("week", lang), type="category", range=category_range(len(weeks)))
    fig.update_yaxes(type="category")
    return _layout(fig, f"{t('technique_use', lang)}: {t('tech_' + technique, lang)}",
                   height=max(300, 18 * len(agents) + 120))


OUTCOMES = {  # outcome key -> (AgentOutcome attribute, higher is better)
    "csat": ("mean_csat", True),
    "escalation": ("escalation_rate", False),
    "qa": ("mean_qa", True),
}


def zone(use: float, outcome: float, use_mid: float, outcome_mid: float,
         higher_is_better: bool = True) -> str:
    """The four-quadrant zone (domain.md): benchmark = uses the technique and gets good
    outcomes; innovation = good outcomes without it; training = neither; correction = uses
    it but outcomes are poor."""
    good = outcome >= outcome_mid if higher_is_better else outcome <= outcome_mid
    uses = use >= use_mid
    if uses:
        return "benchmark" if good else "correction"
    return "innovation" if good else "training"


MIN_QUADRANT_AGENTS = 4
"""Fewer agents than this get no zones: a median of one to three agents puts someone in
"benchmark" by being the median, not by what they do (a lone agent who never uses the
technique would be the benchmark)."""


@dataclass(frozen=True)
class Quadrant:
    """The four-quadrant input: one dict per agent (``agent_id``, ``team``, ``calls``,
    ``use_rate``, ``outcome``, ``zone``), the medians, and ``no_zones``: why every ``zone``
    is None (``too_few``, ``no_use_split``, ``no_outcome_split``), else None."""

    points: list[dict]
    use_mid: float | None = None
    outcome_mid: float | None = None
    no_zones: str | None = None


def _split_problem(rows: Sequence[tuple], use_mid: float, out_mid: float,
                   higher: bool) -> str | None:
    """Why a split at the medians says nothing: every agent on one side of a median (all
    use the technique equally, e.g. never; or all have the same outcome)."""
    if len(rows) < MIN_QUADRANT_AGENTS:
        return "too_few"
    if len({u >= use_mid for _a, u, _o in rows}) < 2:
        return "no_use_split"
    good = {(o >= out_mid) if higher else (o <= out_mid) for _a, _u, o in rows}
    return "no_outcome_split" if len(good) < 2 else None


def quadrant_points(agents: Sequence, outcome: str, technique: str = "") -> Quadrant:
    """Agents with a use rate and an outcome value, each with its zone; medians split. For
    ``taboo`` the x value is the share of calls *without* a taboo phrase, so right is good
    for every technique."""
    attr, higher = OUTCOMES[outcome]
    flip = technique == "taboo"
    rows = [(a, 1 - a.use_rate if flip else a.use_rate, getattr(a, attr)) for a in agents
            if a.use_rate is not None and getattr(a, attr) is not None]
    if not rows:
        return Quadrant([])
    use_mid = median(r[1] for r in rows)
    out_mid = median(r[2] for r in rows)
    problem = _split_problem(rows, use_mid, out_mid, higher)
    return Quadrant([{"agent_id": a.agent_id, "team": a.team, "calls": a.calls,
                      "use_rate": u, "outcome": o,
                      "zone": None if problem else zone(u, o, use_mid, out_mid, higher)}
                     for a, u, o in rows], use_mid, out_mid, problem)


def quadrant(chart: Quadrant, technique: str, outcome: str, lang: str = "en") -> go.Figure:
    """The four-quadrant coaching chart: technique use rate × outcome, zones named (or, when
    ``chart.no_zones`` says the medians split nothing, the agents alone without zones)."""
    fig = go.Figure()
    groups = ([(name, colour, _ZONE_SYMBOLS[name], t(f"zone_{name}", lang))
               for name, colour in ZONE_COLOURS.items()] if chart.no_zones is None
              else [(None, "#555555", "circle", t("agents", lang))])
    for name, colour, symbol, label in groups:
        members = [p for p in chart.points if p["zone"] == name]
        fig.add_trace(go.Scatter(
            x=[p["use_rate"] for p in members], y=[p["outcome"] for p in members],
            mode="markers+text", text=[esc(p["agent_id"]) for p in members],
            textposition="top center", name=label,
            marker={"color": colour, "size": 11, "symbol": symbol}))
    if chart.no_zones is None and chart.points:
        fig.add_vline(x=chart.use_mid, line={"dash": "dot", "color": "#555"})
        fig.add_hline(y=chart.outcome_mid, line={"dash": "dot", "color": "#555"})
    higher = OUTCOMES[outcome][1]
    name = t("item_taboo" if technique == "taboo" else "tech_" + technique, lang)
    fig.update_xaxes(title=f"{t('use_rate', lang)}: {name}",
                     tickformat=".0%", range=[-0.05, 1.05])
    fig.update_yaxes(title=t(f"out_{outcome}", lang), autorange=True if higher else "reversed")
    return _layout(fig, t("quadrant", lang), height=460)


_ZONE_SYMBOLS = {"benchmark": "star", "innovation": "diamond", "training": "circle",
                 "correction": "x"}


def confusion_heatmap(labels: Sequence[str], matrix: Sequence[Sequence[int]],
                      title: str, lang: str = "en") -> go.Figure:
    """Rows are the truth, columns the prediction; each cell shows its count."""
    names = [esc(class_name(label, lang)) for label in labels]
    hover = t("hover_confusion", lang, truth="%{y}", predicted="%{x}", count="%{z}")
    fig = go.Figure(go.Heatmap(z=matrix, x=names, y=names, colorscale="Blues",
                               text=matrix, texttemplate="%{text}",
                               hovertemplate=hover + "<extra></extra>"))
    fig.update_yaxes(autorange="reversed", title=t("truth", lang))
    fig.update_xaxes(title=t("predicted", lang))
    return _layout(fig, title, height=max(320, 40 * len(labels) + 120))


def pr_curve(precision: Sequence[float], recall: Sequence[float],
             thresholds: Sequence[float], current: float | None = None,
             lang: str = "en", soft: float | None = None) -> go.Figure:
    """Precision and recall against the escalation threshold; ``current`` and ``soft`` mark
    the tracker's thresholds for cues and for negotiated cues."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=list(thresholds), y=list(precision), name=t("precision", lang),
                             line={"color": OKABE_ITO[0]}))
    fig.add_trace(go.Scatter(x=list(thresholds), y=list(recall), name=t("recall", lang),
                             line={"color": OKABE_ITO[3], "dash": "dash"}))
    _mark_thresholds(fig, current, soft, lang)
    fig.update_xaxes(title=t("threshold", lang), range=[0, 1])
    fig.update_yaxes(range=[0, 1.05])
    return _layout(fig, t("thresholds", lang), height=320)


def _mark_thresholds(fig: go.Figure, current: float | None, soft: float | None,
                     lang: str) -> None:
    """Dotted lines at the tracker's cue threshold and, where it has one (models trained
    since the seventh round), its lower threshold for negotiated cues."""
    if current is not None:
        fig.add_vline(x=current, line={"dash": "dot"},
                      annotation_text=t("current_threshold", lang))
    if soft is not None and soft <= 1.0:
        fig.add_vline(x=soft, line={"dash": "dot", "color": OKABE_ITO[5]},
                      annotation_text=t("soft_cue_threshold", lang),
                      annotation_position="bottom right")


def alerts_per_hour(thresholds: Sequence[float], rates: Sequence[float],
                    current: float | None = None, lang: str = "en",
                    soft: float | None = None) -> go.Figure:
    fig = go.Figure(go.Scatter(x=list(thresholds), y=list(rates), mode="lines",
                               line={"color": OKABE_ITO[1]}))
    _mark_thresholds(fig, current, soft, lang)
    fig.update_xaxes(title=t("threshold", lang), range=[0, 1])
    fig.update_yaxes(title=t("alerts_per_hour", lang), rangemode="tozero")
    return _layout(fig, t("alerts_per_hour", lang), height=320)
