"""monitor resume state: tracker snapshot, pending out-of-order events, service heartbeats

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tracker_state", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("gaps", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "pending_events",
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("call_id", sa.String(length=128), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    with op.batch_alter_table("pending_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_events_call_id"), ["call_id"], unique=False)
    op.create_table(
        "services",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("info", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("services")
    with op.batch_alter_table("pending_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_events_call_id"))
    op.drop_table("pending_events")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("gaps")
        batch_op.drop_column("last_event_at")
        batch_op.drop_column("tracker_state")
