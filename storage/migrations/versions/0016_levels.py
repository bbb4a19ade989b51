"""Levels of network work, the strategic continuum and roles (issue 14, items 3 and step 9): a
`level` on rounds, schedules, actions and prototypes; `network_phases` (phase and cycle),
`carried_items` (themes a phase-4 reflection carries into the next cycle) and `roles`. Mirrors the
`# Levels of network work` block of storage/models.py.

Revision ID: 0016
Revises: 0012, 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
# It tags the actions (0012) and prototypes (0013) tables, so it follows both branches: a merge
# of those two, not a third branch from 0007 (alembic cannot order a sibling through depends_on).
down_revision = ("0012", "0013")
branch_labels = None
depends_on = None

TAGGED = ("rounds", "schedules", "actions", "prototypes")


def upgrade() -> None:
    for table in TAGGED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("level", sa.String(20), nullable=True))
    op.create_table(
        "network_phases",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["network_id"], ["networks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["set_by"], ["members.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("network_id"),
    )
    op.create_table(
        "carried_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("from_round", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["network_id"], ["networks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["from_round"], ["rounds.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_carried_items_network_id", "carried_items", ["network_id"])
    op.create_table(
        "roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("level", sa.String(20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["network_id"], ["networks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["members.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by"], ["members.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_roles_network_id", "roles", ["network_id"])
    op.create_index("ix_roles_owner_id", "roles", ["owner_id"])


def downgrade() -> None:
    op.drop_table("roles")
    op.drop_table("carried_items")
    op.drop_table("network_phases")
    for table in TAGGED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("level")
