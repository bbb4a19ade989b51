"""Evaluation: a covering index for respondents' scores, and kept aggregates of settled rounds.

Trends group every pulse answer by (round, dimension, submission); with the index SQLite and
PostgreSQL walk it in that order and never touch the table rows. evaluation_round_stats keeps
the per-round aggregates of closed anonymous rounds (see bot/evaluation/cache.py).

Revision ID: 0005
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluation_round_stats",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=100), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("squares", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("round_id", "measure"),
    )
    op.create_index(
        "ix_responses_evaluation",
        "responses",
        ["round_id", "dimension", "submission", "step_id", "value_num"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_responses_evaluation", table_name="responses")
    op.drop_table("evaluation_round_stats")
