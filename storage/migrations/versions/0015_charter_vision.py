"""Charter and vision (issue 14, steps 3, 6, 7): ground-rule proposals, vision drafts, the network's
dot-votes on them and the chosen vision. Mirrors the charter block of storage/models.py.

Revision ID: 0015
Revises: 0007
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0007"
branch_labels = None
depends_on = None


def _network() -> list[Any]:
    return [sa.Column("network_id", sa.Integer(), nullable=False), sa.ForeignKeyConstraint(["network_id"], ["networks.id"], ondelete="CASCADE")]


def upgrade() -> None:
    op.create_table(
        "charter_rules",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_network(),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="SET NULL"),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_charter_rules_network_id", "charter_rules", ["network_id"])
    op.create_index("ix_charter_rules_member_id", "charter_rules", ["member_id"])
    op.create_table(
        "vision_drafts",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_network(),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_vision_drafts_network_id", "vision_drafts", ["network_id"])
    op.create_index("ix_vision_drafts_member_id", "vision_drafts", ["member_id"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_network(),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_decisions_network_id", "decisions", ["network_id"])
    op.create_table(
        "decision_options",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.id"], ondelete="CASCADE"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("drafts", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["rule_id"], ["charter_rules.id"], ondelete="CASCADE"),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["draft_id"], ["vision_drafts.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_decision_options_decision", "decision_options", ["decision_id", "position"])
    op.create_table(
        "decision_votes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["option_id"], ["decision_options.id"], ondelete="CASCADE"),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.Column("voted_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("option_id", "member_id"),
    )
    op.create_index("ix_decision_votes_member", "decision_votes", ["member_id"])
    op.create_table(
        "network_visions",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_network(),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("voters", sa.Integer(), nullable=False),
        sa.Column("chosen_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_network_visions_network_id", "network_visions", ["network_id"])


def downgrade() -> None:
    for name in ("network_visions", "decision_votes", "decision_options", "decisions", "vision_drafts", "charter_rules"):
        op.drop_table(name)
