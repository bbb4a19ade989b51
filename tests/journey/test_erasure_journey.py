"""forget-me erases a member's part in the journey: facts, proposals, intros, opt-out, journal,
and every copy of their facts or name in messages to others (the core erasure test's search)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import build_core
from storage.models import ActorProposal, Fact, IntroMember, IntroOptOut, JournalEntry, Prototype
from tests.conftest import Console, make_settings
from tests.core.test_erasure import NAME, NEEDLES, UID, Bob, Recorder, forms, traces

FACT = "Ferry-lines 4471 carry most clients"  # bob's fact, copied into alice's `fact list`


async def test_forget_me_erases_the_journey_practices(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    core = await build_core(make_settings(db_url, tmp_path))
    try:
        console, bob = Console(core), Bob(core)
        await console.command("alice", "members set me sector=public organisation=City")
        await console.command("carol", "members set me sector=third organisation=Assoc")
        await bob.command("members set me sector=private organisation=Quux")
        for _ in range(4):
            await console.command("alice", "stage next confirm")
        await bob.command(f'fact add "{FACT}" --source https://example.org/{UID}')
        await bob.command('actor propose "Harbour Oy" why="the harbour is missing"')
        await bob.command('journal write "zebra-quasar-7781 is what occupies me"')
        await bob.command('prototype add "A shared intake form"')
        await console.command("alice", "fact list")  # bob's fact in a message to alice
        await console.command("alice", "intro start")  # bob's name in his partner's intro and follow-up
        await bob.command("intro opt-out")
        before = await traces(core)
        assert before[NAME] and before[UID]
        await bob.command("forget-me confirm")
        assert core.config.after_commit is not None
        await core.config.after_commit.wait()
        async with core.db.transaction() as tx:
            for model in (Fact, ActorProposal, JournalEntry, IntroMember, IntroOptOut):
                assert (await tx.execute(select(func.count()).select_from(model))).scalar_one() == (2 if model is IntroMember else 0), model
            # The prototype is the network's, and stays without its owner.
            assert (await tx.execute(select(Prototype.owner_id, Prototype.created_by))).one() == (None, None)
        await core.start_delivery({"console": Recorder([])}).drain()
        assert await traces(core) == dict.fromkeys(NEEDLES, 0)
        if core.db.dialect == "sqlite":
            from pathlib import Path

            from sqlalchemy.engine import make_url

            path = Path(make_url(core.db.url).database or "")
            raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
            assert not any(form in raw for form in forms(FACT))
    finally:
        await core.close()
