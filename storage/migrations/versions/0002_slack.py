"""Slack installs on many workspaces: OAuth installations and one-time OAuth states.

Mirrors adapters/slack/installation_store.py (SlackInstallation, SlackOAuthState).

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_installations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("enterprise_id", sa.String(length=40), nullable=False),
        sa.Column("team_id", sa.String(length=40), nullable=False),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("bot_token", sa.String(length=300), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_slack_installations_client_id", "slack_installations", ["client_id"])
    op.create_index("ix_slack_installations_team_id", "slack_installations", ["team_id"])
    op.create_table(
        "slack_oauth_states",
        sa.Column("state", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("state"),
    )


def downgrade() -> None:
    op.drop_table("slack_oauth_states")
    op.drop_index("ix_slack_installations_team_id", table_name="slack_installations")
    op.drop_index("ix_slack_installations_client_id", table_name="slack_installations")
    op.drop_table("slack_installations")
