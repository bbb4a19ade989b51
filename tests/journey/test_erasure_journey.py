"""forget-me erases a member's part in the journey: facts, proposals, intros, opt-out, journal,
ground rules not kept, vision drafts and dots, and every copy of their facts or name in messages to others (the core erasure test's search)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.app import build_core
from storage.models import ActorProposal, Fact, IntroMember, IntroOptOut, JournalEntry, Prototype
from flows.messages import Document
from tests.conftest import Console, make_settings
from tests.journey.helpers import texts
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


RULE = "Quasar-rule 9931: nobody interrupts"  # bob's proposal, not kept: on the ballot others got
KEPT = "We listen to the end before we answer"  # bob's proposal, kept: the network's from then on
DRAFT = "Ferry-vision 5520 carries every client"  # bob's vision draft, a candidate word for word


async def test_forget_me_erases_proposals_drafts_and_dots(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from storage.models import CharterRule, DecisionOption, DecisionVote, VisionDraft

    core = await build_core(make_settings(db_url, tmp_path))
    try:
        console, bob = Console(core), Bob(core)
        for who in ("alice", "carol"):
            await console.command(who, "help")
        await bob.command(f'charter propose "{KEPT}"')
        await bob.command(f'charter propose "{RULE}"')
        await console.command("alice", "charter vote")  # both texts go to everyone on the ballot
        await bob.say("1")
        await console.say("carol", "1")
        await console.command("alice", "charter vote close")  # KEPT kept, RULE set aside
        await bob.command(f'vision draft "{DRAFT}"')
        await console.command("carol", 'vision draft "Harbour and city plan together"')
        await console.command("alice", "vision vote")
        assert core.config.after_commit is not None
        await core.config.after_commit.wait()
        await bob.say("2")  # one dot among two candidates
        await console.command("alice", "vision list")  # bob's draft in a message to alice
        [data] = [m for m in await bob.command("my-data") if isinstance(m, Document)]
        mine = json.loads(data.content)
        assert {p["rule"] for p in mine["charter_proposals"]} == {KEPT, RULE} and [d["draft"] for d in mine["vision_drafts"]] == [DRAFT]
        assert [(v["on"], v["option"]) for v in mine["charter_and_vision_votes"]] == [("charter", 1), ("vision", 2)]
        assert (await traces(core, (RULE, DRAFT)))[DRAFT]
        await bob.command("forget-me confirm")
        await core.config.after_commit.wait()
        async with core.db.transaction() as tx:
            assert (await tx.execute(select(CharterRule.text, CharterRule.member_id, CharterRule.status))).all() == [(KEPT, None, "kept")]
            assert (await tx.execute(select(func.count()).select_from(VisionDraft))).scalar_one() == 1  # carol's
            assert DRAFT not in (await tx.execute(select(DecisionOption.text))).scalars().all()
            assert RULE not in (await tx.execute(select(DecisionOption.text))).scalars().all()
            assert (await tx.execute(select(func.count()).select_from(DecisionVote))).scalar_one() == 1  # carol's dot
        await core.start_delivery({"console": Recorder([])}).drain()
        assert await traces(core, (RULE, DRAFT)) == dict.fromkeys((RULE, DRAFT), 0)
        assert "Harbour and city plan together" in texts(await console.command("alice", "vision list"))
    finally:
        await core.close()
