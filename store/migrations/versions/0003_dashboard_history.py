"""dashboard: per-call facts and cue counts for history views (clustered by day); indexes
for the live floor and response-time queries

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_facts",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("call_id", sa.String(length=128), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("team", sa.String(length=128), nullable=True),
        sa.Column("agent_id", sa.String(length=128), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("max_risk", sa.Float(), nullable=False),
        sa.Column("max_escalation", sa.Float(), nullable=True),
        sa.Column("customer_sentiment", sa.Float(), nullable=True),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("qa_score", sa.Float(), nullable=True),
        sa.Column("caller_style", sa.String(length=1), nullable=True),
        sa.Column("greeting", sa.Integer(), nullable=True),
        sa.Column("apology", sa.Integer(), nullable=True),
        sa.Column("empathy", sa.Integer(), nullable=True),
        sa.Column("closing_thanks", sa.Integer(), nullable=True),
        sa.Column("taboo", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("day", "call_id"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("call_facts", schema=None) as batch_op:
        batch_op.create_index("ix_call_facts_call_id", ["call_id"], unique=True)
        batch_op.create_index("ix_call_facts_agent_day", ["agent_id", "day"], unique=False)
    op.create_table(
        "call_cues",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("cue", sa.String(length=32), nullable=False),
        sa.Column("call_id", sa.String(length=128), nullable=False),
        sa.Column("team", sa.String(length=128), nullable=True),
        sa.Column("agent_id", sa.String(length=128), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "cue", "call_id"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("call_cues", schema=None) as batch_op:
        batch_op.create_index("ix_call_cues_agent_day", ["agent_id", "day"], unique=False)
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index("ix_calls_status", ["status"], unique=False)
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_status_raised", ["status", "raised_at"], unique=False)
        batch_op.create_index("ix_alerts_latency", ["raised_at", "acked_by", "ack_latency_s",
                                                    "team", "agent_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_latency")
        batch_op.drop_index("ix_alerts_status_raised")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index("ix_calls_status")
    with op.batch_alter_table("call_cues", schema=None) as batch_op:
        batch_op.drop_index("ix_call_cues_agent_day")
    op.drop_table("call_cues")
    with op.batch_alter_table("call_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_call_facts_agent_day")
        batch_op.drop_index("ix_call_facts_call_id")
    op.drop_table("call_facts")
