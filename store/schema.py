"""The store's tables (SQLAlchemy Core). The schema is versioned with Alembic migrations in
``store/migrations``; this module is the current shape, used by queries and by migrations'
autogenerate checks."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

calls = Table(
    "calls",
    metadata,
    Column("call_id", String(128), primary_key=True),
    Column("agent_id", String(128), nullable=False, index=True),
    Column("desk_id", String(128), nullable=False),
    Column("team", String(128), nullable=True, index=True),
    Column("lang", String(16), nullable=True),
    Column("started_at", DateTime(timezone=True), nullable=False, index=True),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Column("status", String(16), nullable=False, default="open"),  # open | ended | timed_out
    Column("implicit_start", Boolean, nullable=False, default=False),
    Column("turns", Integer, nullable=False, default=0),
    Column("next_seq", Integer, nullable=False, default=0),
    Column("risk", Float, nullable=False, default=0.0),
    Column("max_risk", Float, nullable=False, default=0.0),
    Column("state", String(16), nullable=False, default="calm"),
    Column("reason", String(64), nullable=True),
    Column("alerted", Boolean, nullable=False, default=False),
    Column("first_alert_index", Integer, nullable=True),
    Column("customer_sentiment", Float, nullable=True),  # mean of P(pos) - P(neg)
    Column("csat", Integer, nullable=True),
    Column("caller_style", String(1), nullable=True),
    Column("scorecard", JSON, nullable=True),
    Column("qa_score", Float, nullable=True),
    Column("model_version", String(64), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=True),
    # added in 0002: what the monitor needs to resume a call after a restart
    Column("tracker_state", JSON, nullable=True),
    Column("last_event_at", DateTime(timezone=True), nullable=True),
    Column("gaps", Integer, nullable=False, default=0, server_default="0"),
)

utterances = Table(
    "utterances",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_id", String(128), ForeignKey("calls.call_id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("event_id", String(128), nullable=True),
    Column("speaker", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("lang", String(16), nullable=True),
    Column("ts", DateTime(timezone=True), nullable=True),
    Column("t", Float, nullable=True),
    Column("t_end", Float, nullable=True),
    Column("sentiment", String(16), nullable=False),
    Column("p_negative", Float, nullable=False),
    Column("p_positive", Float, nullable=False),
    Column("cue", String(32), nullable=False),
    Column("cue_scores", JSON, nullable=True),
    Column("escalation", Float, nullable=False),
    Column("evidence", JSON, nullable=True),
    Column("qa", JSON, nullable=True),  # lexicon hits: {"taboo": ["..."], "apology": [...]}
    Column("risk", Float, nullable=False),
    Column("state", String(16), nullable=False),
    Column("reason", String(64), nullable=True),
    # added in 0004: the model version that scored this turn (NULL: stored before 0004)
    Column("model_version", String(64), nullable=True),
    UniqueConstraint("call_id", "seq", name="uq_utterance_call_seq"),
    Index("ix_utterances_call_seq", "call_id", "seq"),
    Index("ix_utterances_ts", "ts"),
)

events_seen = Table(
    "events_seen",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_id", String(128), ForeignKey("calls.call_id"), nullable=False, index=True),
    Column("desk_id", String(128), nullable=False),
    Column("agent_id", String(128), nullable=False),
    Column("team", String(128), nullable=True),
    Column("reason", String(64), nullable=False),
    Column("risk", Float, nullable=False),
    Column("turn_index", Integer, nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False, index=True),
    Column("status", String(16), nullable=False, default="open"),  # open | acknowledged | closed
    Column("acked_at", DateTime(timezone=True), nullable=True),
    Column("acked_by", String(128), nullable=True),
    Column("ack_latency_s", Float, nullable=True),
    Column("ack_applied", Boolean, nullable=False, default=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
)

desk_states = Table(
    "desk_states",
    metadata,
    Column("desk_id", String(128), primary_key=True),
    Column("agent_id", String(128), nullable=True),
    Column("team", String(128), nullable=True),
    Column("state", String(16), nullable=False),
    Column("call_id", String(128), nullable=True),
    Column("risk", Float, nullable=True),
    Column("reason", String(64), nullable=True),
    Column("since", DateTime(timezone=True), nullable=False),
    Column("ts", DateTime(timezone=True), nullable=False),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("received_at", DateTime(timezone=True), nullable=False, index=True),
    Column("source", String(256), nullable=False),
    Column("reason", Text, nullable=False),
    Column("event_id", String(128), nullable=True),
    Column("call_id", String(128), nullable=True),
    Column("payload", Text, nullable=True),  # truncated, redacted
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_id", String(128), ForeignKey("calls.call_id"), nullable=False, index=True),
    Column("seq", Integer, nullable=True),  # None: a call-level review (escalated flag)
    Column("field", String(16), nullable=False),  # sentiment | cue | escalated
    Column("old_value", String(64), nullable=True),
    Column("new_value", String(64), nullable=False),
    Column("reviewer", String(128), nullable=False),
    Column("note", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


# Utterances that arrived ahead of a missing ``seq``: held here (not only in memory) so an
# event acknowledged to the broker survives a monitor crash.
pending_events = Table(
    "pending_events",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("call_id", String(128), nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("payload", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

# One row per running service (monitor, bridge, simulator): the dashboard shows who is alive.
services = Table(
    "services",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("status", String(16), nullable=False),  # online | offline
    Column("info", JSON, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


# --- added in 0003 for the dashboard's history views ---------------------------------------
# One row per finished call, derived from ``calls`` (and its scorecard) by
# ``store.queries.refresh_call_facts``: history charts group these instead of parsing
# scorecard JSON or scanning millions of utterances on every page load. Technique columns are
# 1 (used), 0 (not used) or NULL (not applicable on this call). The primary key leads with
# the day and, on SQLite, the table is stored WITHOUT ROWID, i.e. clustered by day, so a
# date-range query reads one contiguous stretch however the calls arrived.
call_facts = Table(
    "call_facts",
    metadata,
    Column("day", String(10), primary_key=True),  # UTC day of started_at, YYYY-MM-DD
    Column("call_id", String(128), primary_key=True),
    Column("week", String(10), nullable=False),  # the Monday of that ISO week
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("team", String(128), nullable=True),
    Column("agent_id", String(128), nullable=False),
    Column("lang", String(16), nullable=True),
    Column("duration_s", Float, nullable=True),
    Column("turns", Integer, nullable=False),
    Column("escalated", Boolean, nullable=False),
    Column("max_risk", Float, nullable=False),
    Column("max_escalation", Float, nullable=True),
    Column("customer_sentiment", Float, nullable=True),
    Column("csat", Integer, nullable=True),
    Column("qa_score", Float, nullable=True),
    Column("caller_style", String(1), nullable=True),
    Column("greeting", Integer, nullable=True),
    Column("apology", Integer, nullable=True),
    Column("empathy", Integer, nullable=True),
    Column("closing_thanks", Integer, nullable=True),
    Column("taboo", Integer, nullable=True),  # 1: a taboo phrase was used
    Index("ix_call_facts_call_id", "call_id", unique=True),
    Index("ix_call_facts_agent_day", "agent_id", "day"),
    sqlite_with_rowid=False,
)

# Escalation cue counts per finished call (only cues other than ``none``), clustered by day.
call_cues = Table(
    "call_cues",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("cue", String(32), primary_key=True),
    Column("call_id", String(128), primary_key=True),
    Column("team", String(128), nullable=True),
    Column("agent_id", String(128), nullable=False),
    Column("n", Integer, nullable=False),
    Index("ix_call_cues_agent_day", "agent_id", "day"),
    sqlite_with_rowid=False,
)

# Indexes on existing tables for the dashboard (created in 0003): open calls and alerts for
# the live floor, and a covering index for supervisors' response times by period.
Index("ix_calls_status", calls.c.status)
Index("ix_alerts_status_raised", alerts.c.status, alerts.c.raised_at)
Index("ix_alerts_latency", alerts.c.raised_at, alerts.c.acked_by, alerts.c.ack_latency_s,
      alerts.c.team, alerts.c.agent_id)


# --- added in 0005: who may use the dashboard, and what they did -------------------------
# Local accounts (argon2 hashes; ``password_hash`` NULL for a person who signs in through the
# site's identity provider and only needs a role here).
users = Table(
    "users",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("role", String(16), nullable=False),  # viewer | supervisor | analyst | admin
    Column("password_hash", String(256), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# One row per write a person made (acknowledge, review, promote, roll back, retrain, light
# test, user changes): who, with which role, what, on what, when.
audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("action", String(32), nullable=False),
    Column("target", Text, nullable=True),
)

# --- added in 0006: site settings ------------------------------------------------------------
# One row per setting an admin changed (``agent_privacy``), and the site's pseudonym key: a
# random secret made on first use, so agents' pseudonyms are stable and not reversible from
# the dashboard (store/privacy.py). Every change is also an ``audit`` row.
settings = Table(
    "settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(128), nullable=False),
)
