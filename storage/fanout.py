"""The statements of a round's launch: who is asked, their sessions and prompts, in bounded chunks.

Everything here is Core on the tables and plain rows: a launch to N members costs N rows written
by a few multi-row statements, never N ORM objects. A launch bigger than one chunk keeps the
members still to be asked in `launch_chunks`; `take_chunk` removes one row in the transaction
that invites its members, so a chunk is either wholly invited or still waiting, whatever crashes.
Sessions are inserted with ON CONFLICT DO NOTHING on (round, member): a member who joined on
their own meanwhile (answering in the channel) keeps their session and gets no second prompt.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import LaunchChunk, Member, MemberSession, OutboxMessage, Round, utcnow

CHUNK = 250  # members per transaction: about 25 ms of writing on SQLite, the longest a click waits behind a launch
_IN_LIMIT = 5000  # ids per IN list (SQLite allows 32,766 bound values per statement)

_MEMBERS = Member.__table__
_SESSIONS = MemberSession.__table__
_CHUNKS = LaunchChunk.__table__
_OUTBOX = OutboxMessage.__table__


@dataclass(frozen=True, slots=True)
class Invitee:
    """What a prompt needs of a member, as a plain row."""

    id: int
    key: str
    display_name: str
    language: str | None


def _dialect(tx: AsyncSession) -> str:
    return tx.bind.dialect.name if tx.bind is not None else "sqlite"


def _insert(tx: AsyncSession, table: Any) -> Any:
    return (postgresql.insert if _dialect(tx) == "postgresql" else sqlite.insert)(table)


async def network_member_ids(tx: AsyncSession, network_id: int) -> list[int]:
    stmt = select(_MEMBERS.c.id).where(_MEMBERS.c.network_id == network_id).order_by(_MEMBERS.c.id)
    return list((await tx.execute(stmt)).scalars().all())


async def upsert_members(tx: AsyncSession, network_id: int, people: Sequence[tuple[str, str, str]], chiefs: Iterable[str]) -> list[int]:
    """Ids of the members (key, display name, platform user id) in `people`, the new ones created
    (those keyed in `chiefs` as coordinators), ascending.

    As `flows.rounds.ensure_member` does one by one; a display name still showing the bare user id
    is improved."""
    if not people:
        return []
    chiefs = set(chiefs)
    now = utcnow()
    rows = [
        {"network_id": network_id, "key": key, "display_name": name or user, "role": "coordinator" if key in chiefs else "member", "may_be_named": False, "created_at": now}
        for key, name, user in dict((p[0], p) for p in people).values()
    ]
    await tx.execute(_insert(tx, _MEMBERS).on_conflict_do_nothing(index_elements=["network_id", "key"]), rows)
    better = [{"k": key, "name": name, "user": user, "n": network_id} for key, name, user in people if name and name != user]
    if better:
        rename = (
            update(_MEMBERS)
            .where(_MEMBERS.c.network_id == bindparam("n"), _MEMBERS.c.key == bindparam("k"), _MEMBERS.c.display_name == bindparam("user"))
            .values(display_name=bindparam("name"))
        )
        await tx.execute(rename, better)
    keys = [row["key"] for row in rows]
    ids: list[int] = []
    for start in range(0, len(keys), _IN_LIMIT):
        part = keys[start : start + _IN_LIMIT]
        stmt = select(_MEMBERS.c.id).where(_MEMBERS.c.network_id == network_id, _MEMBERS.c.key.in_(part))
        ids.extend((await tx.execute(stmt)).scalars().all())
    return sorted(ids)


async def invitees(tx: AsyncSession, network_id: int, ids: Sequence[int]) -> list[Invitee]:
    """The members of the network with these ids that still exist (one may have erased their data
    meanwhile, and SQLite may give a deleted member's id to someone new)."""
    found: list[Invitee] = []
    columns = (_MEMBERS.c.id, _MEMBERS.c.key, _MEMBERS.c.display_name, _MEMBERS.c.language)
    for start in range(0, len(ids), _IN_LIMIT):
        part = ids[start : start + _IN_LIMIT]
        stmt = select(*columns).where(_MEMBERS.c.network_id == network_id, _MEMBERS.c.id.in_(part)).order_by(_MEMBERS.c.id)
        found.extend(Invitee(*row) for row in (await tx.execute(stmt)).all())
    return found


async def everyone(tx: AsyncSession, network_id: int) -> list[Invitee]:
    """The network's members by name, for a question that lists them."""
    columns = (_MEMBERS.c.id, _MEMBERS.c.key, _MEMBERS.c.display_name, _MEMBERS.c.language)
    stmt = select(*columns).where(_MEMBERS.c.network_id == network_id).order_by(_MEMBERS.c.display_name)
    return [Invitee(*row) for row in (await tx.execute(stmt)).all()]


async def add_sessions(
    tx: AsyncSession, round_id: int, members: Sequence[Invitee], flow_version: str, step_id: str, anonymous: bool
) -> set[int]:
    """Open a session for each member not in the round yet; returns the ids of those just added."""
    if not members:
        return set()
    now = utcnow()
    rows = [
        {
            "round_id": round_id,
            "member_id": m.id,
            "flow_version": flow_version,
            "step_id": step_id,
            "answered": [],
            "status": "open",
            # As flows.rounds.new_session: an anonymous session carries no submission id.
            "submission": None if anonymous else secrets.token_hex(12),
            "held": None,
            "started_at": now,
            "updated_at": now,
        }
        for m in members
    ]
    stmt = _insert(tx, _SESSIONS).on_conflict_do_nothing(index_elements=["round_id", "member_id"]).returning(_SESSIONS.c.member_id)
    # The round row is not written: chunks on several processes share it under a read lock only.
    return set((await tx.execute(stmt, rows)).scalars().all())


_ENQUEUE = insert(_OUTBOX)


async def enqueue_rows(tx: AsyncSession, messages: Sequence[tuple[str, str, dict[str, Any]]], available_at: datetime | None = None) -> None:
    """Queue (platform, audience, message) rows with one multi-row statement."""
    if not messages:
        return
    now = utcnow()
    at = available_at or now
    rows = [
        {"platform": p, "audience": a, "message": m, "status": "pending", "attempts": 0, "available_at": at, "created_at": now}
        for p, a, m in messages
    ]
    await tx.execute(_ENQUEUE, rows)


async def plan_chunks(tx: AsyncSession, round_id: int, member_ids: Sequence[int], size: int | None = None) -> int:
    """Leave `member_ids` to be invited later, `size` (else CHUNK) to a row; returns how many rows."""
    size = size or CHUNK
    now = utcnow()
    rows = [{"round_id": round_id, "members": list(member_ids[i : i + size]), "created_at": now} for i in range(0, len(member_ids), size)]
    if rows:
        await tx.execute(insert(_CHUNKS), rows)
    return len(rows)


async def take_chunk(tx: AsyncSession, round_ids: Sequence[int] | None = None) -> tuple[int, list[int]] | None:
    """Remove one waiting chunk (of these rounds, or of any) and return (round id, member ids).

    The row is gone only if the caller's transaction commits. On PostgreSQL the chunk is locked
    and others skip it, so several processes invite different chunks of one launch at once."""
    pick = select(_CHUNKS.c.id).order_by(_CHUNKS.c.id).limit(1)
    if round_ids is not None:
        pick = pick.where(_CHUNKS.c.round_id.in_(list(round_ids)))
    if _dialect(tx) == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    chunk_id = (await tx.execute(pick)).scalar_one_or_none()
    if chunk_id is None:
        return None
    stmt = delete(_CHUNKS).where(_CHUNKS.c.id == chunk_id).returning(_CHUNKS.c.round_id, _CHUNKS.c.members)
    row = (await tx.execute(stmt)).first()
    if row is None:  # another process on SQLite took it between the two statements
        return None
    return int(row[0]), [int(i) for i in row[1]]


async def drop_chunks(tx: AsyncSession, round_id: int) -> None:
    """A closed round asks nobody else."""
    await tx.execute(delete(_CHUNKS).where(_CHUNKS.c.round_id == round_id))


async def waiting(tx: AsyncSession, round_ids: Sequence[int] | None = None) -> int:
    """How many members are still to be invited (of these rounds, or of any)."""
    stmt = select(_CHUNKS.c.members)
    if round_ids is not None:
        stmt = stmt.where(_CHUNKS.c.round_id.in_(list(round_ids)))
    return sum(len(members) for members in (await tx.execute(stmt)).scalars().all())


async def _chunks_with(tx: AsyncSession, network_id: int, member_id: int) -> list[tuple[int, int, list[int]]]:
    rounds = select(Round.__table__.c.id).where(Round.__table__.c.network_id == network_id)
    rows = (await tx.execute(select(_CHUNKS.c.id, _CHUNKS.c.round_id, _CHUNKS.c.members).where(_CHUNKS.c.round_id.in_(rounds)))).all()
    return [(int(chunk_id), int(round_id), list(members)) for chunk_id, round_id, members in rows if member_id in members]


async def invitations_waiting(tx: AsyncSession, network_id: int, member_id: int) -> list[int]:
    """The rounds whose launch has yet to ask this member (for `my-data`)."""
    return sorted({round_id for _, round_id, _ in await _chunks_with(tx, network_id, member_id)})


async def forget_invitee(tx: AsyncSession, network_id: int, member_id: int) -> None:
    """Erasure: the member is taken off the waiting invitations of their network's rounds."""
    for chunk_id, _, members in await _chunks_with(tx, network_id, member_id):
        rest = [m for m in members if m != member_id]
        stmt = update(_CHUNKS).where(_CHUNKS.c.id == chunk_id).values(members=rest) if rest else delete(_CHUNKS).where(_CHUNKS.c.id == chunk_id)
        await tx.execute(stmt)
