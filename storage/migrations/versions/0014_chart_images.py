"""Charts stored once and digests published in chunks: `chart_images` holds each chart's PNG by
its sha256 (outbox rows name it instead of carrying it), `digest_chunks` the readers a big
digest is still to be queued for. Mirrors the `# Charts stored once` block of storage/models.py.

Revision ID: 0014
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chart_images",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_index("ix_chart_images_used_at", "chart_images", ["used_at"])
    op.create_table(
        "digest_chunks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False),
        sa.Column("editions", sa.JSON(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_digest_chunks_round", "digest_chunks", ["round_id"])


def downgrade() -> None:
    op.drop_index("ix_digest_chunks_round", table_name="digest_chunks")
    op.drop_table("digest_chunks")
    op.drop_index("ix_chart_images_used_at", table_name="chart_images")
    op.drop_table("chart_images")
