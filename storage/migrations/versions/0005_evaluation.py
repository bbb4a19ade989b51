"""Evaluation: a covering index so reports aggregate respondents' scores without a sort.

Trends group every pulse answer by (round, dimension, submission); with this index SQLite and
PostgreSQL walk the index in that order and never touch the table rows.

Revision ID: 0005
Revises: 0001
"""

from alembic import op

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_responses_evaluation",
        "responses",
        ["round_id", "dimension", "submission", "step_id", "value_num"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_responses_evaluation", table_name="responses")
