"""The durable inbox, and the outbox lease owner.

Every platform request is stored in `inbox` before it is acknowledged (storage/inbox.py); its
idempotency key is kept as a digest only. The keys of `inbound_events`, which it replaces, held
user ids in clear: the recent ones move over as digests (so a re-delivery within the retry window
is still recognised), and the table is emptied. `outbox.lease_owner` names the worker that holds a
`sending` row, so it can renew its lease while it sends (bot/dispatcher.py).

Revision ID: 0006
Revises: 0001
"""

import hashlib
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    inbox = op.create_table(
        "inbox",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_inbox_pending", "inbox", ["status", "lease_until"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(length=40), nullable=True))

    bind = op.get_bind()
    since = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(hours=1)
    old = sa.table("inbound_events", sa.column("key", sa.String()), sa.column("received_at", sa.DateTime()))
    recent = bind.execute(sa.select(old.c.key, old.c.received_at).where(old.c.received_at >= since)).all()
    if recent:
        op.bulk_insert(
            inbox,
            [
                {"key": hashlib.sha256(str(key).encode("utf-8")).hexdigest(), "payload": None, "status": "done", "attempts": 0, "received_at": at.replace(minute=0, second=0, microsecond=0)}
                for key, at in recent
            ],
        )
    bind.execute(sa.text("DELETE FROM inbound_events"))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("lease_owner")
    op.drop_index("ix_inbox_pending", table_name="inbox")
    op.drop_table("inbox")
