"""dashboard: per-call facts and cue counts for history views; indexes for live queries

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
        sa.Column("call_id", sa.String(length=128), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
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
        sa.PrimaryKeyConstraint("call_id"),
    )
    with op.batch_alter_table("call_facts", schema=None) as batch_op:
        batch_op.create_index("ix_call_facts_day", ["day", "team", "agent_id"], unique=False)
        batch_op.create_index("ix_call_facts_agent_day", ["agent_id", "day"], unique=False)
    op.create_table(
        "call_cues",
        sa.Column("call_id", sa.String(length=128), nullable=False),
        sa.Column("cue", sa.String(length=32), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("team", sa.String(length=128), nullable=True),
        sa.Column("agent_id", sa.String(length=128), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("call_id", "cue"),
    )
    with op.batch_alter_table("call_cues", schema=None) as batch_op:
        batch_op.create_index("ix_call_cues_day", ["day", "cue"], unique=False)
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index("ix_calls_status", ["status"], unique=False)
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_status_raised", ["status", "raised_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_status_raised")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index("ix_calls_status")
    with op.batch_alter_table("call_cues", schema=None) as batch_op:
        batch_op.drop_index("ix_call_cues_day")
    op.drop_table("call_cues")
    with op.batch_alter_table("call_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_call_facts_agent_day")
        batch_op.drop_index("ix_call_facts_day")
    op.drop_table("call_facts")
