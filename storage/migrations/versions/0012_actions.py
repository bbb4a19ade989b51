"""Actions (agreements and commitments) and the once-per-member welcome.

Mirrors storage/models.py (Action, MemberWelcome). Members met before this revision count as
welcomed: they know the bot already, and a welcome out of the blue would only puzzle them.

Revision ID: 0012
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("sector", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("reviewed_round", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["network_id"], ["networks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["members.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by"], ["members.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_actions_network_status", "actions", ["network_id", "status"])
    op.create_index("ix_actions_owner_id", "actions", ["owner_id"])
    op.create_table(
        "member_welcomes",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id"),
    )
    op.execute("INSERT INTO member_welcomes (member_id, at) SELECT id, created_at FROM members")


def downgrade() -> None:
    op.drop_table("member_welcomes")
    op.drop_index("ix_actions_owner_id", table_name="actions")
    op.drop_index("ix_actions_network_status", table_name="actions")
    op.drop_table("actions")
