"""Queries the engine runs inside one transaction. Same code on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import (
    AuditEntry,
    ConversationReference,
    InboundEvent,
    Member,
    MemberSession,
    Network,
    OutboxMessage,
    Response,
    Round,
    utcnow,
)


def _insert(session: AsyncSession, model: Any) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


# The statements of every engine turn are built once: building a statement costs more than
# running it on SQLite.
_CLAIM = {
    name: insert(InboundEvent.__table__)
    .values(key=bindparam("key"), received_at=bindparam("at"))
    .on_conflict_do_nothing()
    .returning(InboundEvent.__table__.c.key)
    for name, insert in (("sqlite", sqlite.insert), ("postgresql", postgresql.insert))
}
_NETWORK_AND_MEMBER = (
    select(Network, Member)
    .outerjoin(Member, (Member.network_id == Network.id) & (Member.key == bindparam("member")))
    .where(Network.key == bindparam("network"))
)
_NETWORK = select(Network).where(Network.key == bindparam("network"))
_MEMBER = select(Member).where(Member.network_id == bindparam("network_id"), Member.key == bindparam("member"))
_SESSION = select(MemberSession).where(MemberSession.round_id == bindparam("round_id"), MemberSession.member_id == bindparam("member_id"))
_ROUND_AND_SESSION = (
    select(Round, MemberSession)
    .outerjoin(MemberSession, (MemberSession.round_id == Round.id) & (MemberSession.member_id == bindparam("member_id")))
    .where(Round.id == bindparam("round_id"), Round.network_id == bindparam("network_id"))
)
_ROUND = select(Round).where(Round.id == bindparam("round_id"), Round.network_id == bindparam("network_id"))


async def claim_event(session: AsyncSession, key: str) -> bool:
    """Record an inbound event's idempotency key; False if it was handled before."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    # rowcount is not reliable for ON CONFLICT DO NOTHING across drivers; RETURNING is.
    result = await session.execute(_CLAIM[dialect], {"key": key, "at": utcnow()})
    return result.scalar_one_or_none() is not None


async def network_and_member(session: AsyncSession, network_key: str, member_key: str) -> tuple[Network | None, Member | None]:
    """Both in one query: every turn starts with them."""
    row = (await session.execute(_NETWORK_AND_MEMBER, {"network": network_key, "member": member_key})).first()
    return (None, None) if row is None else (row[0], row[1])


async def network_by_key(session: AsyncSession, key: str) -> Network | None:
    return (await session.execute(_NETWORK, {"network": key})).scalar_one_or_none()


async def member_by_key(session: AsyncSession, network_id: int, key: str) -> Member | None:
    return (await session.execute(_MEMBER, {"network_id": network_id, "member": key})).scalar_one_or_none()


async def round_and_session(
    session: AsyncSession, network_id: int, round_id: int, member_id: int
) -> tuple[Round | None, MemberSession | None]:
    """A round of the network and the member's session in it (if any), in one query."""
    params = {"round_id": round_id, "network_id": network_id, "member_id": member_id}
    row = (await session.execute(_ROUND_AND_SESSION, params)).first()
    return (None, None) if row is None else (row[0], row[1])


async def round_in_network(session: AsyncSession, network_id: int, round_id: int) -> Round | None:
    return (await session.execute(_ROUND, {"round_id": round_id, "network_id": network_id})).scalar_one_or_none()


async def members_of(session: AsyncSession, network_id: int) -> Sequence[Member]:
    stmt = select(Member).where(Member.network_id == network_id).order_by(Member.display_name)
    return (await session.execute(stmt)).scalars().all()


async def coordinators_of(session: AsyncSession, network_id: int) -> Sequence[Member]:
    stmt = select(Member).where(Member.network_id == network_id, Member.role == "coordinator")
    return (await session.execute(stmt)).scalars().all()


async def open_rounds(session: AsyncSession, network_id: int) -> Sequence[Round]:
    stmt = select(Round).where(Round.network_id == network_id, Round.status == "open").order_by(Round.id)
    return (await session.execute(stmt)).scalars().all()


async def latest_rounds(session: AsyncSession, network_id: int, limit: int = 10) -> Sequence[Round]:
    stmt = select(Round).where(Round.network_id == network_id).order_by(Round.id.desc()).limit(limit)
    return (await session.execute(stmt)).scalars().all()


async def session_of(session: AsyncSession, round_id: int, member_id: int) -> MemberSession | None:
    return (await session.execute(_SESSION, {"round_id": round_id, "member_id": member_id})).scalar_one_or_none()


async def open_sessions(session: AsyncSession, member_id: int) -> Sequence[tuple[MemberSession, Round]]:
    """The member's unfinished sessions in open rounds, the most recently active first."""
    stmt = (
        select(MemberSession, Round)
        .join(Round, Round.id == MemberSession.round_id)
        .where(MemberSession.member_id == member_id, MemberSession.status == "open", Round.status == "open")
        .order_by(MemberSession.updated_at.desc(), MemberSession.id.desc())
    )
    return [(s, r) for s, r in (await session.execute(stmt)).all()]


async def participation(session: AsyncSession, round_id: int) -> tuple[int, int]:
    """(sessions invited, sessions finished) in a round: only the participation record, never answers."""
    stmt = select(func.count(), func.count().filter(MemberSession.status == "done")).where(
        MemberSession.round_id == round_id
    )
    invited, done = (await session.execute(stmt)).one()
    return int(invited), int(done)


async def responses_of_member(session: AsyncSession, member_id: int, limit: int | None = None) -> Sequence[tuple[Response, Round]]:
    stmt = (
        select(Response, Round)
        .join(Round, Round.id == Response.round_id)
        .where(Response.member_id == member_id)
        .order_by(Response.id.desc())
    )
    if limit:
        stmt = stmt.limit(limit)
    return [(r, rd) for r, rd in (await session.execute(stmt)).all()]


async def enqueue(
    session: AsyncSession, platform: str, audience: str, message: dict[str, Any], available_at: datetime | None = None
) -> None:
    """Queue a message; `available_at` holds it back until then (a member's local time, working hours)."""
    session.add(OutboxMessage(platform=platform, audience=audience, message=message, available_at=available_at or utcnow()))


async def enqueue_many(session: AsyncSession, messages: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
    """Queue (platform, audience, message) rows in one statement: every turn ends with this."""
    if not messages:
        return
    now = utcnow()
    rows = [
        {"platform": p, "audience": a, "message": m, "status": "pending", "attempts": 0, "available_at": now, "created_at": now}
        for p, a, m in messages
    ]
    await session.execute(_INSERT_OUTBOX, rows)


# Tables, not mapped classes: a Core insert skips the ORM's bulk machinery (a third of a turn).
_INSERT_OUTBOX = insert(OutboxMessage.__table__)
_INSERT_RESPONSE = insert(Response.__table__)
_SESSION_FIELDS = ("answered", "updated_at", "step_id", "flow_version", "status", "completed_at", "submission")
_UPDATE_SESSION = (
    update(MemberSession.__table__)
    .where(MemberSession.__table__.c.id == bindparam("session_id"))
    .values({name: bindparam(f"new_{name}") for name in _SESSION_FIELDS})
)


async def update_session(session: AsyncSession, member_session: MemberSession, values: dict[str, Any]) -> None:
    """Write a session's new position with one prebuilt UPDATE, and keep the loaded object in step
    with it (as committed state, so the unit of work has nothing left to flush)."""
    for name, value in values.items():
        set_committed_value(member_session, name, value)
    params = {f"new_{name}": getattr(member_session, name) for name in _SESSION_FIELDS}
    await session.execute(_UPDATE_SESSION, {"session_id": member_session.id, **params})


async def add_response(session: AsyncSession, values: dict[str, Any]) -> None:
    """Insert one answer without the unit of work (the hot path of every answer)."""
    await session.execute(_INSERT_RESPONSE, [values])


async def audit(session: AsyncSession, network_id: int | None, actor: str | None, action: str, **detail: Any) -> None:
    session.add(AuditEntry(network_id=network_id, actor=actor, action=action, detail=detail))


async def save_reference(session: AsyncSession, key: str, platform: str, data: dict[str, Any]) -> None:
    stmt = _insert(session, ConversationReference).values(key=key, platform=platform, data=data, updated_at=utcnow())
    stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={"data": data, "updated_at": utcnow()})
    await session.execute(stmt)


async def load_reference(session: AsyncSession, key: str) -> dict[str, Any] | None:
    ref = await session.get(ConversationReference, key)
    return None if ref is None else ref.data


async def forget_member(session: AsyncSession, member: Member) -> dict[str, int]:
    """Erase a member and everything linked to them. Anonymous answers have no link and stay."""
    answers = await session.execute(delete(Response).where(Response.member_id == member.id))
    sessions = await session.execute(delete(MemberSession).where(MemberSession.member_id == member.id))
    # Adapters may keep references under their own prefix (a Slack DM channel: slack:dm:<member key>).
    await session.execute(
        delete(ConversationReference).where(
            (ConversationReference.key == member.key) | ConversationReference.key.like(f"%:{member.key}")
        )
    )
    await session.execute(update(AuditEntry).where(AuditEntry.actor == member.key).values(actor=None))
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.audience == member.key, OutboxMessage.status == "pending")
        .values(status="dead", last_error="member erased their data")
    )
    await session.delete(member)
    return {"answers": int(answers.rowcount or 0), "sessions": int(sessions.rowcount or 0)}


async def due_rounds(session: AsyncSession, now: datetime) -> Sequence[Round]:
    stmt = select(Round).where(Round.status == "open", Round.closes_at.is_not(None), Round.closes_at <= now)
    return (await session.execute(stmt)).scalars().all()
