"""One contract for the storage layer, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from storage import outbox, repository as repo
from storage.database import Database
from storage.models import Member, Network, Round, utcnow


async def _network(db: Database) -> int:
    async with db.transaction() as tx:
        network = Network(key="slack:T1", name="T1", language="fi", timezone="Europe/Helsinki", u_stage=0)
        tx.add(network)
        await tx.flush()
        return network.id


async def test_migrations_run_twice_and_times_stay_utc(db_url: str) -> None:
    db = Database(db_url)
    await db.upgrade()
    await db.upgrade()
    network_id = await _network(db)
    helsinki = datetime(2026, 3, 29, 9, 0, tzinfo=timezone(timedelta(hours=3)))
    async with db.transaction() as tx:
        tx.add(Round(network_id=network_id, flow_id="pulse", flow_version="v", audience="network", opens_at=helsinki))
    async with db.transaction() as tx:
        [round_] = await repo.open_rounds(tx, network_id)
    assert round_.opens_at == helsinki and round_.opens_at.tzinfo is not None
    await db.dispose()


async def test_event_keys_are_claimed_once(db_url: str) -> None:
    db = Database(db_url)
    await db.upgrade()
    async with db.transaction() as tx:
        assert await repo.claim_event(tx, "Ev123")
    async with db.transaction() as tx:
        assert not await repo.claim_event(tx, "Ev123")
        assert await repo.claim_event(tx, "Ev124")
    await db.dispose()


async def test_a_rolled_back_turn_leaves_its_key_unclaimed(db_url: str) -> None:
    db = Database(db_url)
    await db.upgrade()
    try:
        async with db.transaction() as tx:
            await repo.claim_event(tx, "Ev9")
            raise RuntimeError("the turn failed")
    except RuntimeError:
        pass
    async with db.transaction() as tx:
        assert await repo.claim_event(tx, "Ev9")  # a retried delivery is handled after all
    await db.dispose()


async def test_references_are_upserted_and_forgotten_with_the_member(db_url: str) -> None:
    db = Database(db_url)
    await db.upgrade()
    network_id = await _network(db)
    async with db.transaction() as tx:
        await repo.save_reference(tx, "slack:T1:U1", "slack", {"dm": "D1"})
        await repo.save_reference(tx, "slack:T1:U1", "slack", {"dm": "D2"})
        tx.add(Member(network_id=network_id, key="slack:T1:U1", display_name="Ulla"))
    async with db.transaction() as tx:
        assert await repo.load_reference(tx, "slack:T1:U1") == {"dm": "D2"}
        member = await repo.member_by_key(tx, network_id, "slack:T1:U1")
        assert member is not None
        await repo.forget_member(tx, member)
    async with db.transaction() as tx:
        assert await repo.load_reference(tx, "slack:T1:U1") is None
        network, gone = await repo.network_and_member(tx, "slack:T1", "slack:T1:U1")
        assert network is not None and gone is None
    await db.dispose()


async def test_outbox_rows_are_claimed_by_one_worker_until_their_lease_ends(db_url: str) -> None:
    db = Database(db_url)
    await db.upgrade()
    async with db.transaction() as tx:
        for n in range(3):
            await repo.enqueue(tx, "slack", f"slack:T1:U{n}", {"type": "notice"})
        await repo.enqueue(tx, "slack", "slack:T1:later", {"type": "notice"}, available_at=utcnow() + timedelta(hours=1))
    async with db.transaction() as tx:
        first = await outbox.claim(tx, ["slack"], limit=2)
    async with db.transaction() as tx:
        second = await outbox.claim(tx, ["slack"], limit=10)
        third = await outbox.claim(tx, ["teams"], limit=10)
    assert len(first) == 2 and len(second) == 1 and third == []
    assert {r.id for r in first}.isdisjoint({r.id for r in second})
    async with db.transaction() as tx:
        await outbox.mark_sent(tx, first[0].id, "ts1")
        await outbox.mark_sent(tx, first[0].id, "ts2")  # a second report changes nothing
        assert await outbox.pending_count(tx, ["slack"]) == 3
    await db.dispose()
