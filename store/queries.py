"""Read queries for the dashboard: typed functions returning frozen dataclasses, so no page
builds SQL. Times in the store are UTC; SQLite hands them back naive, so every datetime that
leaves this module is made timezone-aware (UTC).

History views read ``call_facts`` / ``call_cues`` (migration 0003), which the monitor's store
writer derives when a call ends (:mod:`store.facts`); the dashboard never writes them.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, and_, case, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from models.corpus import SEVERITY  # labels.md's cue order: the alert queue sorts by it
from store.backends import backend
from store.errors import StoreError
from store.facts import LIVE, TECHNIQUES
from store.rows import CallRow, UtteranceRow
from store.schema import (
    alerts,
    call_cues,
    call_facts,
    calls,
    dead_letters,
    desk_states,
    reviews,
    services,
    utterances,
)
from store.values import json_dict, utc

# --- is the store usable? ------------------------------------------------------------------


@dataclass(frozen=True)
class StoreCheck:
    """``status``: ok | missing | empty | old_schema | newer_schema | unreadable."""

    status: str
    revision: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL (None for other databases and in-memory SQLite)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def check_store(engine: Engine) -> StoreCheck:
    """Whether the dashboard can read this store; never raises and never migrates."""
    from store.db import current_revision, head_revision, known_revision

    path = sqlite_path(str(engine.url))
    if path is not None and not path.exists():
        return StoreCheck("missing", detail=str(path))
    try:
        if not inspect(engine).has_table("calls"):
            return StoreCheck("empty", detail=str(path or engine.url))
        revision = current_revision(engine)
    except SQLAlchemyError as err:
        return StoreCheck("unreadable", detail=str(getattr(err, "orig", err)))
    if revision is not None and not known_revision(revision):
        return StoreCheck("newer_schema", revision=revision)
    if revision != head_revision():  # one of ours, not yet upgraded
        return StoreCheck("old_schema", revision=revision)
    return StoreCheck("ok", revision=revision)


# --- the live floor ------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskTile:
    desk_id: str
    agent_id: str | None
    team: str | None
    state: str
    call_id: str | None
    risk: float | None
    reason: str | None
    since: datetime | None
    started_at: datetime | None
    customer_sentiment: float | None
    sentiment_trail: tuple[float, ...] = ()


def desk_tiles(engine: Engine, *, team: str | None = None, trail: int = 12) -> list[DeskTile]:
    """Every desk with its current state and, when on a call, the call's start and the
    customer's recent sentiment (P(pos) - P(neg) of the last ``trail`` customer turns)."""
    query = (
        select(desk_states, calls.c.started_at, calls.c.customer_sentiment)
        .select_from(desk_states.outerjoin(calls, calls.c.call_id == desk_states.c.call_id))
        .order_by(desk_states.c.desk_id)
    )
    if team:
        query = query.where(desk_states.c.team == team)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
        live = [r["call_id"] for r in rows if r["call_id"] and r["state"] != "off"]
        trails = sentiment_trails(conn, live, last=trail)
    return [
        DeskTile(
            desk_id=r["desk_id"], agent_id=r["agent_id"], team=r["team"], state=r["state"],
            call_id=r["call_id"] if r["state"] != "off" else None, risk=r["risk"],
            reason=r["reason"], since=utc(r["since"]), started_at=utc(r["started_at"]),
            customer_sentiment=r["customer_sentiment"],
            sentiment_trail=tuple(trails.get(r["call_id"], ())),
        )
        for r in rows
    ]


def sentiment_trails(conn, call_ids: Sequence[str], *, last: int) -> dict[str, list[float]]:
    """The last ``last`` customer sentiment values of each call, oldest first."""
    if not call_ids:
        return {}
    ranked = (
        select(
            utterances.c.call_id,
            utterances.c.seq,
            (utterances.c.p_positive - utterances.c.p_negative).label("v"),
            func.row_number()
            .over(partition_by=utterances.c.call_id, order_by=utterances.c.seq.desc())
            .label("rn"),
        )
        .where(utterances.c.speaker == "customer", utterances.c.call_id.in_(list(call_ids)))
        .subquery()
    )
    rows = conn.execute(
        select(ranked.c.call_id, ranked.c.v)
        .where(ranked.c.rn <= last)
        .order_by(ranked.c.call_id, ranked.c.seq)
    ).all()
    out: dict[str, list[float]] = {}
    for call_id, value in rows:
        out.setdefault(call_id, []).append(round(float(value), 3))
    return out


@dataclass(frozen=True)
class FloorKpis:
    calls_in_progress: int
    open_alerts: int
    oldest_unacked_at: datetime | None
    calls_today: int
    escalated_today: int

    @property
    def escalation_rate_today(self) -> float | None:
        return self.escalated_today / self.calls_today if self.calls_today else None


def floor_kpis(engine: Engine, *, now: datetime, team: str | None = None) -> FloorKpis:
    """KPIs for the floor; "today" is the UTC day of ``now``."""
    midnight = datetime.combine(now.astimezone(UTC).date(), datetime.min.time(), UTC)
    call_team = [calls.c.team == team] if team else []
    alert_team = [alerts.c.team == team] if team else []
    with engine.connect() as conn:
        in_progress = conn.execute(
            select(func.count()).where(calls.c.status == LIVE, *call_team)
        ).scalar_one()
        n_open, oldest = conn.execute(
            select(func.count(), func.min(alerts.c.raised_at)).where(
                alerts.c.status == "open", *alert_team)
        ).one()
        today, escalated = conn.execute(
            select(func.count(), func.coalesce(func.sum(case((calls.c.alerted, 1), else_=0)), 0))
            .where(calls.c.started_at >= midnight, *call_team)
        ).one()
    return FloorKpis(int(in_progress), int(n_open), utc(oldest), int(today), int(escalated))


@dataclass(frozen=True)
class QueuedAlert:
    """An alert as the queue and the call page show it: with its acknowledgement and the
    turn that raised it (the monitor writes ``store.rows.AlertRow``)."""

    id: int
    call_id: str
    desk_id: str
    agent_id: str
    team: str | None
    reason: str
    risk: float
    turn_index: int
    raised_at: datetime
    status: str
    acked_at: datetime | None = None
    acked_by: str | None = None
    ack_latency_s: float | None = None
    ack_applied: bool = False
    turn_text: str | None = None  # the turn that raised it: the "why" next to the reason
    evidence: tuple[str, ...] = ()

    @property
    def severity(self) -> int:
        """0 is the most severe (labels.md order); signals that are not cues come after."""
        return SEVERITY.index(self.reason) if self.reason in SEVERITY else len(SEVERITY)


def _alert_rows(conn, query) -> list[QueuedAlert]:
    rows = conn.execute(query).mappings().all()
    return [
        QueuedAlert(
            id=r["id"], call_id=r["call_id"], desk_id=r["desk_id"], agent_id=r["agent_id"],
            team=r["team"], reason=r["reason"], risk=r["risk"], turn_index=r["turn_index"],
            raised_at=utc(r["raised_at"]), status=r["status"], acked_at=utc(r["acked_at"]),
            acked_by=r["acked_by"], ack_latency_s=r["ack_latency_s"],
            ack_applied=bool(r["ack_applied"]), turn_text=r["text"],
            evidence=tuple(_json_list(r["evidence"])),
        )
        for r in rows
    ]


def _alerts_with_turn():
    return select(alerts, utterances.c.text, utterances.c.evidence).select_from(
        alerts.outerjoin(
            utterances,
            and_(utterances.c.call_id == alerts.c.call_id,
                 utterances.c.seq == alerts.c.turn_index),
        )
    )


def alert_queue(engine: Engine, *, team: str | None = None, limit: int = 200) -> list[QueuedAlert]:
    """Open (unacknowledged) alerts, most severe first, then oldest first."""
    query = _alerts_with_turn().where(alerts.c.status == "open")
    if team:
        query = query.where(alerts.c.team == team)
    with engine.connect() as conn:
        rows = _alert_rows(conn, query.order_by(alerts.c.raised_at).limit(limit))
    return sorted(rows, key=lambda a: (a.severity, a.raised_at, -a.risk))


# --- one call ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRow:
    id: int
    call_id: str
    seq: int | None
    field: str
    old_value: str | None
    new_value: str
    reviewer: str
    note: str | None
    created_at: datetime


@dataclass(frozen=True)
class CallDetail:
    call: CallRow
    turns: list[UtteranceRow] = field(default_factory=list)
    alerts: list[QueuedAlert] = field(default_factory=list)
    reviews: list[ReviewRow] = field(default_factory=list)


def _json_list(value: object) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def _call_row(r) -> CallRow:
    """A stored call as the typed row the monitor wrote (``store.rows.CallRow``: one owner
    for the shape of a call), with times made UTC and JSON read back."""
    return CallRow(**{
        **dict(r), "started_at": utc(r["started_at"]), "ended_at": utc(r["ended_at"]),
        "updated_at": utc(r["updated_at"]), "last_event_at": utc(r["last_event_at"]),
        "alerted": bool(r["alerted"]), "implicit_start": bool(r["implicit_start"]),
        "scorecard": json_dict(r["scorecard"]) or None,
        "tracker_state": json_dict(r["tracker_state"]) or None})


def _turn_row(r) -> UtteranceRow:
    """A stored turn as the typed row the monitor wrote (``store.rows.UtteranceRow``), with
    its time made UTC, its evidence a tuple and its JSON read back."""
    return UtteranceRow(**{
        **{f.name: r[f.name] for f in fields(UtteranceRow)}, "ts": utc(r["ts"]),
        "evidence": tuple(_json_list(r["evidence"])), "qa": json_dict(r["qa"]),
        "cue_scores": json_dict(r["cue_scores"]) or None})


def call_detail(engine: Engine, call_id: str) -> CallDetail | None:
    """A call with its turns (in order), alerts and reviews; None when there is no such call."""
    with engine.connect() as conn:
        row = conn.execute(select(calls).where(calls.c.call_id == call_id)).mappings().first()
        if row is None:
            return None
        turns = conn.execute(
            select(utterances).where(utterances.c.call_id == call_id).order_by(utterances.c.seq)
        ).mappings().all()
        call_alerts = _alert_rows(
            conn, _alerts_with_turn().where(alerts.c.call_id == call_id).order_by(alerts.c.id))
        call_reviews = conn.execute(
            select(reviews).where(reviews.c.call_id == call_id).order_by(reviews.c.id)
        ).mappings().all()
    return CallDetail(
        call=_call_row(row),
        turns=[_turn_row(t) for t in turns],
        alerts=call_alerts,
        reviews=[ReviewRow(**{**dict(r), "created_at": utc(r["created_at"])})
                 for r in call_reviews],
    )


@dataclass(frozen=True)
class CallSummary:
    call_id: str
    agent_id: str
    team: str | None
    started_at: datetime
    status: str
    state: str
    max_risk: float
    alerted: bool


def recent_calls(
    engine: Engine, *, limit: int = 200, search: str = "", live_only: bool = False
) -> list[CallSummary]:
    """Most recent calls first; ``search`` matches call, agent or desk id (substring)."""
    query = select(
        calls.c.call_id, calls.c.agent_id, calls.c.team, calls.c.started_at, calls.c.status,
        calls.c.state, calls.c.max_risk, calls.c.alerted,
    ).order_by(calls.c.started_at.desc()).limit(limit)
    if search:
        pattern = f"%{search}%"
        query = query.where(calls.c.call_id.like(pattern) | calls.c.agent_id.like(pattern)
                            | calls.c.desk_id.like(pattern))
    if live_only:
        query = query.where(calls.c.status == LIVE)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [CallSummary(**{**dict(r), "started_at": utc(r["started_at"]),
                           "alerted": bool(r["alerted"])}) for r in rows]



def desk_call(engine: Engine, desk_id: str) -> str | None:
    """The call a desk tile opens: the desk's live call, else its most recent one."""
    query = (select(calls.c.call_id).where(calls.c.desk_id == desk_id)
             .order_by(case((calls.c.status == LIVE, 0), else_=1), calls.c.started_at.desc())
             .limit(1))
    with engine.connect() as conn:
        return conn.execute(query).scalar()


def opening_call(engine: Engine) -> str | None:
    """The call Call detail opens on when none is asked for: the live call with the most
    recent open alert, else the most recent call that has turns (a call that started seconds
    ago has an empty timeline and transcript, nothing to look at)."""
    alerting = (select(alerts.c.call_id)
                .join(calls, calls.c.call_id == alerts.c.call_id)
                .where(calls.c.status == LIVE, alerts.c.status == "open")
                .order_by(alerts.c.raised_at.desc(), alerts.c.id.desc()).limit(1))
    spoken = (select(calls.c.call_id)
              .where(select(utterances.c.seq).where(utterances.c.call_id == calls.c.call_id)
                     .exists())
              .order_by(calls.c.started_at.desc()).limit(1))
    with engine.connect() as conn:
        return conn.execute(alerting).scalar() or conn.execute(spoken).scalar()

# --- services and dead letters -------------------------------------------------------------


@dataclass(frozen=True)
class ServiceRow:
    name: str
    status: str
    info: dict
    updated_at: datetime


def service_rows(engine: Engine) -> list[ServiceRow]:
    with engine.connect() as conn:
        rows = conn.execute(select(services).order_by(services.c.name)).mappings().all()
    return [ServiceRow(r["name"], r["status"], json_dict(r["info"]), utc(r["updated_at"]))
            for r in rows]


@dataclass(frozen=True)
class DeadLetter:
    id: int
    received_at: datetime
    source: str
    reason: str
    event_id: str | None
    call_id: str | None
    payload: str | None


def dead_letter_rows(
    engine: Engine, *, since: datetime | None = None, search: str = "", limit: int = 1000
) -> list[DeadLetter]:
    """Rejected events, newest first; ``search`` matches reason, call id or event id."""
    query = select(dead_letters).order_by(dead_letters.c.received_at.desc()).limit(limit)
    if since is not None:
        query = query.where(dead_letters.c.received_at >= since)
    if search:
        pattern = f"%{search}%"
        query = query.where(dead_letters.c.reason.like(pattern)
                            | dead_letters.c.call_id.like(pattern)
                            | dead_letters.c.event_id.like(pattern))
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [DeadLetter(**{**dict(r), "received_at": utc(r["received_at"])}) for r in rows]


# --- history -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryFilter:
    """Inclusive UTC day range, optional team and agent."""

    start: date
    end: date
    team: str | None = None
    agent: str | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise StoreError(f"the range ends ({self.end}) before it starts ({self.start})")

    def where(self, table) -> list:
        clauses = [table.c.day >= self.start.isoformat(), table.c.day <= self.end.isoformat()]
        if self.team:
            clauses.append(table.c.team == self.team)
        if self.agent:
            clauses.append(table.c.agent_id == self.agent)
        return clauses


@dataclass(frozen=True)
class HistorySpan:
    first_day: date | None
    last_day: date | None
    calls: int
    teams: tuple[str, ...]
    agents: tuple[str, ...]


def history_span(engine: Engine) -> HistorySpan:
    """What the facts cover: the day range, and the teams and agents seen."""
    with engine.connect() as conn:
        first, last, n = conn.execute(
            select(func.min(call_facts.c.day), func.max(call_facts.c.day), func.count())
        ).one()
        teams = conn.execute(select(calls.c.team).distinct().where(calls.c.team.is_not(None))
                             .order_by(calls.c.team)).scalars().all()
        agents = conn.execute(select(calls.c.agent_id).distinct().order_by(calls.c.agent_id)
                              ).scalars().all()
    return HistorySpan(date.fromisoformat(first) if first else None,
                       date.fromisoformat(last) if last else None, int(n),
                       tuple(teams), tuple(agents))


@dataclass(frozen=True)
class DayStats:
    day: date
    calls: int
    escalated: int
    mean_sentiment: float | None
    mean_csat: float | None
    mean_qa: float | None

    @property
    def escalation_rate(self) -> float:
        return self.escalated / self.calls if self.calls else 0.0


def daily_stats(engine: Engine, flt: HistoryFilter) -> list[DayStats]:
    f = call_facts.c
    query = (
        select(f.day, func.count(), func.sum(case((f.escalated, 1), else_=0)),
               func.avg(f.customer_sentiment), func.avg(f.csat), func.avg(f.qa_score))
        .where(*flt.where(call_facts)).group_by(f.day).order_by(f.day)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [DayStats(date.fromisoformat(d), int(n), int(e or 0), _r(s), _r(c), _r(q))
            for d, n, e, s, c, q in rows]


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def cue_breakdown(engine: Engine, flt: HistoryFilter) -> dict[str, int]:
    """Escalation cue turns per cue, most frequent first."""
    query = (select(call_cues.c.cue, func.sum(call_cues.c.n)).where(*flt.where(call_cues))
             .group_by(call_cues.c.cue))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return dict(sorted(((c, int(n)) for c, n in rows), key=lambda x: -x[1]))


@dataclass(frozen=True)
class SupervisorLatency:
    supervisor: str
    acknowledged: int
    median_s: float
    mean_s: float
    p90_s: float


def ack_latency(engine: Engine, flt: HistoryFilter) -> list[SupervisorLatency]:
    """Acknowledge latency per supervisor, for alerts raised in the filter's range."""
    start = datetime.combine(flt.start, datetime.min.time(), UTC)
    end = datetime.combine(flt.end + timedelta(days=1), datetime.min.time(), UTC)
    query = select(alerts.c.acked_by, alerts.c.ack_latency_s).where(
        alerts.c.raised_at >= start, alerts.c.raised_at < end,
        alerts.c.acked_by.is_not(None), alerts.c.ack_latency_s.is_not(None))
    if flt.team:
        query = query.where(alerts.c.team == flt.team)
    if flt.agent:
        query = query.where(alerts.c.agent_id == flt.agent)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    per: dict[str, list[float]] = {}
    for who, latency in rows:
        per.setdefault(who, []).append(float(latency))
    return [SupervisorLatency(who, len(v), round(statistics.median(v), 2),
                              round(statistics.fmean(v), 2), round(_quantile(v, 0.9), 2))
            for who, v in sorted(per.items())]


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def qa_histogram(engine: Engine, flt: HistoryFilter, *, width: int = 5) -> dict[int, int]:
    """QA score counts in buckets of ``width`` points (key: bucket's lower bound)."""
    scaled = call_facts.c.qa_score / width
    bucket = (backend(engine.dialect.name).whole_number(scaled) * width).label("b")
    query = (select(bucket, func.count())
             .where(*flt.where(call_facts), call_facts.c.qa_score.is_not(None))
             .group_by(bucket).order_by(bucket))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return {min(int(b), 100 - width): int(n) for b, n in rows}


@dataclass(frozen=True)
class TechniqueRate:
    agent_id: str
    week: date
    technique: str
    applicable: int
    used: int

    @property
    def rate(self) -> float:
        return self.used / self.applicable if self.applicable else 0.0


def technique_rates(
    engine: Engine, flt: HistoryFilter, techniques: Iterable[str] = TECHNIQUES
) -> list[TechniqueRate]:
    """Per agent and week: of the calls where a technique applied, how many used it (for
    ``taboo``: how many used a taboo phrase)."""
    f = call_facts.c
    names = [t for t in techniques if t in TECHNIQUES]
    columns = []
    for name in names:
        col = f[name]
        columns += [func.count(col), func.coalesce(func.sum(col), 0)]
    query = (select(f.agent_id, f.week, *columns).where(*flt.where(call_facts))
             .group_by(f.agent_id, f.week).order_by(f.agent_id, f.week))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    out = []
    for row in rows:
        for i, name in enumerate(names):
            applicable, used = int(row[2 + 2 * i]), int(row[3 + 2 * i])
            if applicable:
                out.append(TechniqueRate(row[0], date.fromisoformat(row[1]), name, applicable,
                                         used))
    return out


@dataclass(frozen=True)
class AgentOutcome:
    agent_id: str
    team: str | None
    calls: int
    use_rate: float | None
    mean_csat: float | None
    escalation_rate: float
    mean_qa: float | None


def agent_outcomes(engine: Engine, flt: HistoryFilter, technique: str) -> list[AgentOutcome]:
    """Per agent: one technique's use rate and the call outcomes (four-quadrant input)."""
    if technique not in TECHNIQUES:
        raise StoreError(f"unknown technique {technique!r} (one of {', '.join(TECHNIQUES)})")
    f = call_facts.c
    col = f[technique]
    query = (
        select(f.agent_id, func.max(f.team), func.count(), func.avg(col), func.avg(f.csat),
               func.avg(case((f.escalated, 1.0), else_=0.0)), func.avg(f.qa_score))
        .where(*flt.where(call_facts)).group_by(f.agent_id).order_by(f.agent_id)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [AgentOutcome(a, t, int(n), _r(u), _r(c), round(float(e), 4), _r(q))
            for a, t, n, u, c, e, q in rows]


@dataclass(frozen=True)
class CallEscalation:
    call_id: str
    agent_id: str
    duration_s: float
    max_escalation: float


def recent_call_escalations(engine: Engine, *, days: int, now: datetime) -> list[CallEscalation]:
    """Finished calls of the last ``days`` days with their peak turn escalation probability
    and duration (the threshold view's "what would this threshold have done" input)."""
    start = (now.astimezone(UTC) - timedelta(days=days)).date().isoformat()
    f = call_facts.c
    query = select(f.call_id, f.agent_id, f.duration_s, f.max_escalation).where(
        f.day >= start, f.max_escalation.is_not(None), f.duration_s.is_not(None))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [CallEscalation(c, a, float(d), float(m)) for c, a, d, m in rows]


def counts(engine: Engine) -> dict[str, int]:
    """Row counts of the main tables (empty-store messages, the sidebar)."""
    with engine.connect() as conn:
        return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in (calls, alerts, desk_states, dead_letters)}
