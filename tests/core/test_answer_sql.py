"""The answer turn's driver statements (storage/answer_sql.py) against the ORM's view of the same rows.

One contract for SQLite and PostgreSQL: what the driver writes, the ORM reads back the same (times
in UTC, JSON as lists), and the claim is the inbox's claim.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage import repository as repo
from storage.answer_sql import AnswerStatements
from storage.database import Database
from storage.models import Member, MemberSession, Network, OutboxMessage, Response, Round, utcnow


async def _setup(db: Database) -> tuple[int, int, int, int]:
    async with db.transaction() as tx:
        network = Network(key="slack:T1", name="T1", language="fi", timezone="Europe/Helsinki", u_stage=0)
        tx.add(network)
        await tx.flush()
        member = Member(network_id=network.id, key="slack:T1:U1", display_name="Ulla", sector="public", side="internal", language="sv")
        round_ = Round(network_id=network.id, flow_id="pulse", flow_version="v1", audience="network")
        tx.add_all([member, round_])
        await tx.flush()
        session = MemberSession(round_id=round_.id, member_id=member.id, flow_version="v1", step_id="s1", answered=[], submission="sub1")
        tx.add(session)
        await tx.flush()
        return network.id, member.id, round_.id, session.id


async def test_the_driver_statements_read_and_write_what_the_orm_sees(db_url: str) -> None:
    db = Database(db_url)
    await db.upgrade()
    network_id, member_id, round_id, session_id = await _setup(db)
    now = utcnow()
    async with db.transaction() as tx:
        sql = await AnswerStatements.of(tx)
        assert await sql.claim("Ev1", now)
        assert not await sql.claim("Ev1", now)
        context = await sql.context("slack:T1", "slack:T1:U1", round_id)
        assert context is not None
        assert (context.network_id, context.member_id, context.round_id, context.session_id) == (network_id, member_id, round_id, session_id)
        assert (context.language, context.sector, context.side, context.round_status, context.anonymous) == ("sv", "public", "internal", "open", False)
        assert (context.session_status, context.step_id, context.answered, context.submission) == ("open", "s1", [], "sub1")
        await sql.lock(context)
        assert context.answered == [] and context.round_status == "open"
        answered_at = now - timedelta(minutes=5)
        await sql.add_response(
            {"round_id": round_id, "step_id": "s1", "dimension": "trust", "member_id": member_id, "submission": "sub1",
             "value_num": None, "value_text": None, "value_list": ["a", "b"], "sector": "public", "side": "internal", "answered_at": answered_at}
        )
        await sql.update_session(
            session_id,
            {"flow_version": "v2", "step_id": "s2", "answered": ["s1"], "status": "open", "submission": "sub1",
             "held": [{"step_id": "s1"}], "updated_at": now, "completed_at": None},
        )
        await sql.enqueue([("slack", "slack:T1:U1", {"type": "notice", "text": "Tack ä"})], now)
    async with db.transaction() as tx:
        # The inbox's own claim sees the driver's: the event is not handled twice.
        assert not await repo.claim_event(tx, "Ev1")
        response = (await tx.execute(select(Response))).scalar_one()
        session = (await tx.execute(select(MemberSession))).scalar_one()
        message = (await tx.execute(select(OutboxMessage))).scalar_one()
    assert response.value_list == ["a", "b"] and response.answered_at == answered_at and response.answered_at.tzinfo is not None
    assert (session.step_id, session.answered, session.held, session.flow_version, session.updated_at) == ("s2", ["s1"], [{"step_id": "s1"}], "v2", now)
    assert message.message == {"type": "notice", "text": "Tack ä"} and message.status == "pending" and message.available_at == now
    async with db.transaction() as tx:
        sql = await AnswerStatements.of(tx)
        assert await sql.context("slack:T1", "slack:T1:nobody", round_id) is None
        absent = await sql.context("slack:T1", "slack:T1:U1", round_id + 99)
        assert absent is not None and absent.round_id is None and absent.session_id is None
    await db.dispose()
