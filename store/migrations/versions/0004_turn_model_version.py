"""monitor hot swap: every stored turn records the model version that scored it

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nullable, no default: an ALTER TABLE ADD COLUMN on both databases (no table copy on
    # SQLite, no rewrite on PostgreSQL), so a store of millions of turns upgrades at once;
    # turns stored before 0004 keep NULL (not known which version scored them)
    with op.batch_alter_table("utterances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("model_version", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("utterances", schema=None) as batch_op:
        batch_op.drop_column("model_version")
