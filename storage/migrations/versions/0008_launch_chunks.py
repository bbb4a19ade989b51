"""Launch chunks: the members of a round still to be invited, a few hundred per row.

A big round's invitations are written in short transactions of their own (storage/fanout.py)
instead of one that holds the writer for the whole launch; these rows say who is still to be
asked, so a launch interrupted by a crash is finished by the next worker, with no one asked twice.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "launch_chunks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_launch_chunks_round", "launch_chunks", ["round_id"])


def downgrade() -> None:
    op.drop_index("ix_launch_chunks_round", table_name="launch_chunks")
    op.drop_table("launch_chunks")
