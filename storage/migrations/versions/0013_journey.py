"""The U as a journey (issue 14): stage moves, the fact base, actor proposals, intros, the private
journal with its anonymous shared lines, and the prototype register. Mirrors the `# U journey`
block of storage/models.py.

Revision ID: 0013
Revises: 0007
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0007"
branch_labels = None
depends_on = None


def _member(name: str = "member_id", ondelete: str = "CASCADE", nullable: bool = False) -> list[Any]:
    return [sa.Column(name, sa.Integer(), nullable=nullable), sa.ForeignKeyConstraint([name], ["members.id"], ondelete=ondelete)]


def _network() -> list[Any]:
    return [sa.Column("network_id", sa.Integer(), nullable=False), sa.ForeignKeyConstraint(["network_id"], ["networks.id"], ondelete="CASCADE")]


def upgrade() -> None:
    op.create_table(
        "stage_moves",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_network(),
        sa.Column("from_step", sa.Integer(), nullable=False),
        sa.Column("to_step", sa.Integer(), nullable=False),
        sa.Column("without_evidence", sa.Boolean(), nullable=False),
        *_member("moved_by", "SET NULL", True),
        sa.Column("moved_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_stage_moves_network_id", "stage_moves", ["network_id"])
    op.create_table(
        "facts",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_network(),
        *_member(),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_facts_network_id", "facts", ["network_id"])
    op.create_index("ix_facts_member_id", "facts", ["member_id"])
    op.create_table(
        "actor_proposals",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_network(),
        *_member(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=True),
        sa.Column("sector", sa.String(10), nullable=True),
        sa.Column("side", sa.String(10), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("invited_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_actor_proposals_network_id", "actor_proposals", ["network_id"])
    op.create_index("ix_actor_proposals_member_id", "actor_proposals", ["member_id"])
    op.create_table(
        "intro_batches",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_network(),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("follow_up_at", sa.DateTime(), nullable=False),
        *_member("created_by", "SET NULL", True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_intro_batches_network_id", "intro_batches", ["network_id"])
    op.create_table(
        "intro_members",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["intro_batches.id"], ondelete="CASCADE"),
        sa.Column("grp", sa.Integer(), nullable=False),
        *_member(),
        sa.Column("met", sa.Boolean(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("follow_up", sa.Integer(), nullable=True),
        sa.UniqueConstraint("batch_id", "member_id"),
    )
    op.create_index("ix_intro_members_member", "intro_members", ["member_id"])
    op.create_table(
        "intro_opt_outs",
        sa.Column("member_id", sa.Integer(), primary_key=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "journal_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_member(),
        sa.Column("u_step", sa.Integer(), nullable=False),
        sa.Column("prompt", sa.String(60), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_journal_entries_member_id", "journal_entries", ["member_id"])
    op.create_table(
        "shared_lines",
        sa.Column("key", sa.String(32), primary_key=True),
        *_network(),
        sa.Column("u_step", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_shared_lines_network", "shared_lines", ["network_id", "u_step"])
    op.create_table(
        "prototypes",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_network(),
        sa.Column("hypothesis", sa.Text(), nullable=False),
        *_member("owner_id", "SET NULL", True),
        sa.Column("next_test", sa.Text(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("lesson", sa.Text(), nullable=True),
        *_member("created_by", "SET NULL", True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("check_in", sa.Integer(), nullable=True),
    )
    op.create_index("ix_prototypes_network_id", "prototypes", ["network_id"])
    op.create_index("ix_prototypes_owner_id", "prototypes", ["owner_id"])


def downgrade() -> None:
    for name in ("prototypes", "shared_lines", "journal_entries", "intro_opt_outs", "intro_members", "intro_batches", "actor_proposals", "facts", "stage_moves"):
        op.drop_table(name)
