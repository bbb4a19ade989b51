"""Privacy: a holding pool for anonymous answers, and a session's anonymous answers so far.

held_answers has no member, no time and (on SQLite) no rowid: see storage/anonymous.py and
the Anonymity section of docs/architecture.md. Mirrors storage/models.py (HeldAnswer,
MemberSession.held). Data stored before this revision is brought in line: the answers of
anonymous rounds get fresh tokens, day times and shuffled ids (the idempotency keys, which name
members, were moved into the inbox as digests by 0006).

Revision ID: 0007
Revises: 0006
"""

import random
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"  # after the inbox took the idempotency keys over (as digests, with the hour)
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "held_answers",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("grp", sa.String(length=32), nullable=False),
        sa.Column("step_id", sa.String(length=100), nullable=False),
        sa.Column("dimension", sa.String(length=40), nullable=True),
        sa.Column("value_num", sa.Float(), nullable=True),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.Column("value_list", sa.JSON(), nullable=True),
        sa.Column("sector", sa.String(length=10), nullable=True),
        sa.Column("side", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_held_answers_round", "held_answers", ["round_id", "grp"])
    with op.batch_alter_table("member_sessions") as batch:
        batch.add_column(sa.Column("held", sa.JSON(), nullable=True))
    _reshuffle_anonymous_answers()


def _reshuffle_anonymous_answers() -> None:
    """Answers of anonymous rounds stored before this revision sit in the order and with the
    token they came with: give each respondent a fresh token, every row the round's day, and
    new ids in a shuffled order. Their sessions keep no token."""
    bind = op.get_bind()
    rounds = sa.table("rounds", sa.column("id", sa.Integer), sa.column("anonymous", sa.Boolean), sa.column("opens_at", sa.DateTime))
    responses = sa.table(
        "responses",
        *(sa.column(name) for name in ("round_id", "step_id", "dimension", "member_id", "submission", "value_num", "value_text", "sector", "side")),
        sa.column("value_list", sa.JSON),
        sa.column("answered_at", sa.DateTime),
    )
    sessions = sa.table("member_sessions", sa.column("round_id", sa.Integer), sa.column("submission", sa.String))
    rng = random.SystemRandom()
    for round_id, opens_at in bind.execute(sa.select(rounds.c.id, rounds.c.opens_at).where(rounds.c.anonymous.is_(True))).all():
        where = (responses.c.round_id == round_id) & responses.c.member_id.is_(None)
        rows = [dict(r) for r in bind.execute(sa.select(responses).where(where)).mappings().all()]
        bind.execute(sa.update(sessions).where(sessions.c.round_id == round_id).values(submission=None))
        if not rows:
            continue
        tokens: dict[str, str] = {}
        day = opens_at.replace(hour=0, minute=0, second=0, microsecond=0)
        for row in rows:
            row["submission"] = tokens.setdefault(row["submission"], secrets.token_hex(12))
            row["answered_at"] = day
        rng.shuffle(rows)
        bind.execute(sa.delete(responses).where(where))
        bind.execute(sa.insert(responses), rows)


def downgrade() -> None:
    with op.batch_alter_table("member_sessions") as batch:
        batch.drop_column("held")
    op.drop_index("ix_held_answers_round", table_name="held_answers")
    op.drop_table("held_answers")
