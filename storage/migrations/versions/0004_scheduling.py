"""Scheduling: markers of default schedules and per-member round reminders.

Revision ID: 0004
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schedule_defaults",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["network_id"], ["networks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("network_id"),
    )
    op.create_table(
        "round_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "member_id"),
    )
    op.create_index("ix_round_reminders_round_id", "round_reminders", ["round_id"])
    op.create_index("ix_round_reminders_due_at", "round_reminders", ["due_at"])


def downgrade() -> None:
    op.drop_index("ix_round_reminders_due_at", table_name="round_reminders")
    op.drop_index("ix_round_reminders_round_id", table_name="round_reminders")
    op.drop_table("round_reminders")
    op.drop_table("schedule_defaults")
