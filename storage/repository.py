"""Queries the engine runs inside one transaction. Same code on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.sql.expression import Subquery
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage.erasure import forget_member  # noqa: F401 (the engine's verbs find it here)
from storage import inbox
from storage.models import (
    AuditEntry,
    ConversationReference,
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
    """Claim an inbound event's idempotency key for this turn; False if it was handled before."""
    return await inbox.claim(session, key)


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


async def lock_round(session: AsyncSession, round_: Round, exclusive: bool = False) -> Round:
    """The round re-read under a row lock on PostgreSQL: shared while answering (answers run side by
    side, and none commits after a close), exclusive to close it or add a member to it. SQLite
    needs none: the process runs one transaction at a time."""
    if _dialect(session) != "postgresql":
        return round_
    stmt = select(Round).where(Round.id == round_.id).with_for_update(read=not exclusive).execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one()


async def lock_session(session: AsyncSession, member_session: MemberSession) -> MemberSession | None:
    """A member's session re-read under a row lock on PostgreSQL, so two clicks at once (two
    processes) see each other: the second finds the step answered."""
    if _dialect(session) != "postgresql":
        return member_session
    stmt = select(MemberSession).where(MemberSession.id == member_session.id).with_for_update().execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


async def members_of(session: AsyncSession, network_id: int) -> Sequence[Member]:
    stmt = select(Member).where(Member.network_id == network_id).order_by(Member.display_name)
    return (await session.execute(stmt)).scalars().all()


async def coordinators_of(session: AsyncSession, network_id: int) -> Sequence[Member]:
    stmt = select(Member).where(Member.network_id == network_id, Member.role == "coordinator")
    return (await session.execute(stmt)).scalars().all()


async def network_is_new(session: AsyncSession, network_id: int, member_id: int) -> bool:
    """No member but this one, no round and no audit entry yet: nobody has ever been here."""
    others = select(Member.id).where(Member.network_id == network_id, Member.id != member_id)
    rounds = select(Round.id).where(Round.network_id == network_id)
    history = select(AuditEntry.id).where(AuditEntry.network_id == network_id)
    stmt = select(~others.exists() & ~rounds.exists() & ~history.exists())
    return bool((await session.execute(stmt)).scalar_one())


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


async def anonymous_rounds_of(session: AsyncSession, member_id: int) -> Sequence[tuple[Round, MemberSession]]:
    """The anonymous rounds a member was asked in, with their session: participation, never answers."""
    stmt = (
        select(Round, MemberSession)
        .join(MemberSession, MemberSession.round_id == Round.id)
        .where(MemberSession.member_id == member_id, Round.anonymous.is_(True))
        .order_by(Round.id)
    )
    return [(r, s) for r, s in (await session.execute(stmt)).all()]


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
_SESSION_FIELDS = ("answered", "updated_at", "step_id", "flow_version", "status", "completed_at", "submission", "held")
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


async def due_rounds(session: AsyncSession, now: datetime) -> Sequence[Round]:
    stmt = select(Round).where(Round.status == "open", Round.closes_at.is_not(None), Round.closes_at <= now)
    return (await session.execute(stmt)).scalars().all()


def session_counts() -> Subquery:
    """Per round: how many were invited and how many are done, for listings and reports to join."""
    return (
        select(
            MemberSession.round_id.label("round_id"),
            func.count().label("invited"),
            func.count().filter(MemberSession.status == "done").label("done"),
        )
        .group_by(MemberSession.round_id)
        .subquery()
    )
