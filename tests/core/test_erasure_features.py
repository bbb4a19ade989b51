"""`forget-me confirm` with every later feature's data present: actions (his, and others' naming
him), dot-votes on themes that quote his answer, the digest's response, facts, proposals, the
journal and a shared line, prototypes, intros and the welcome. The search of tests/core/test_erasure.py
(the SQLite file and its WAL, or every PostgreSQL table) then finds 0 traces of his user id, his
display name and his unique answer."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import build_core
from bot.evaluation import themes as _themes
from flows.events import MemberAnswered
from flows.messages import Prompt
from storage.models import Action, MemberWelcome, Prototype, RoundDigest, ThemeVote
from tests.conftest import CONSOLE, Console, make_settings
from tests.core.test_erasure import ANSWER, BOB, BOB_KEY, NAME, NEEDLES, UID, Bob, Recorder, traces

OTHERS = ["alice", "carol", "dave", "erin", "frank"]
FOCUS = ["The experiment went well", "Evaluating the experiment", "What the experiment taught us", "The experiment owner", "Experiment results"]


async def fill(core) -> int:  # type: ignore[no-untyped-def]
    console, bob = Console(core), Bob(core)
    for name in OTHERS:
        await console.command(name, "help")
    await bob.command("help")  # his welcome
    await bob.command("members set me sector=private organisation=Quux")
    opened = await console.command("alice", "checkin start")
    round_id = next(int(m.prompt_ref.split(":")[0]) for m in opened if isinstance(m, Prompt))
    for i, name in enumerate(OTHERS):
        for words in ("4", FOCUS[i], "Time"):
            await console.say(name, words)
    for words in ("4", f"The experiment: {ANSWER}", "Time"):
        await bob.say(words)
    await console.command("alice", f"reflect close {round_id}")
    await console.command("alice", f"reflect themes {round_id} --votes 2")
    await core.engine.handle(MemberAnswered(CONSOLE, BOB, f"themes:{round_id}", ["1"], f"evt:{BOB_KEY}:vote"))
    await console.command("alice", f'reflect publish {round_id} "Thank you all, and {NAME} for the map"')
    # Actions: his own, one made for him by alice, one of carol's that names him.
    await bob.command(f'action add "Draw the ferry map for {UID}" --owner me --due 2w')
    await console.command("alice", f"action add \"Send the intake form\" --owner {BOB_KEY} --due 1w")
    await console.command("carol", f'action add "Ask {NAME} about the harbour" --owner me --due 1w')
    await console.command("alice", "action list all")  # his name and actions in a message to alice
    # The U journey: facts, a proposal, his journal and a shared line, prototypes, intros.
    for _ in range(4):
        await console.command("alice", "stage next confirm")
    await bob.command(f'fact add "Ferry-lines 4471 carry most clients" --source https://example.org/{UID}')
    await bob.command('actor propose "Harbour Oy" why="the harbour is missing"')
    await bob.command(f'journal write "{ANSWER}, again"')
    await bob.command('journal share "Intake could be shared"')
    await bob.command('prototype add "A shared intake form" owner=me')
    await console.command("carol", f'prototype add "If {NAME} hosts the pilot, more clients come" owner=me test="ask at the fair"')
    await console.command("alice", "prototype list all")
    await console.command("alice", "fact list")
    await console.command("alice", "intro start")
    await console.command("alice", "reflect start reflection-3")  # opens with where the commitments stand, owners named
    await console.command("alice", "export --format json")
    await bob.command("my-data")
    return round_id


async def test_forget_me_leaves_no_trace_with_every_feature_in_use(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _themes.warm(("en",))
    core = await build_core(make_settings(db_url, tmp_path))
    try:
        round_id = await fill(core)
        async with core.db.transaction() as tx:
            votes = (await tx.execute(select(func.count()).select_from(ThemeVote))).scalar_one()
            welcomed = (await tx.execute(select(func.count()).select_from(MemberWelcome))).scalar_one()
            actions = (await tx.execute(select(func.count()).select_from(Action))).scalar_one()
        assert (votes, welcomed, actions) == (1, len(OTHERS) + 1, 3)  # all of it is really there
        before = await traces(core)
        assert all(before.values()), before
        await Bob(core).command("forget-me confirm")
        assert core.config.after_commit is not None
        await core.config.after_commit.wait()
        await core.start_delivery({"console": Recorder([])}).drain()
        assert await traces(core) == dict.fromkeys(NEEDLES, 0)
        async with core.db.transaction() as tx:
            assert (await tx.execute(select(func.count()).select_from(ThemeVote))).scalar_one() == 0
            assert (await tx.execute(select(func.count()).select_from(MemberWelcome))).scalar_one() == len(OTHERS)
            # Alice's action for him stays the network's, without an owner; carol's keeps its place.
            kept = sorted((await tx.execute(select(Action.text, Action.owner_id))).all(), key=lambda r: r[0])
            assert [t for t, _ in kept] == ["Ask \u2013 about the harbour", "Send the intake form"]
            hypotheses = sorted((await tx.execute(select(Prototype.hypothesis))).scalars().all())
            assert hypotheses == ["A shared intake form", "If \u2013 hosts the pilot, more clients come"]
            digest = await tx.get(RoundDigest, round_id)
            assert digest is not None and digest.response == "Thank you all, and \u2013 for the map"
        again = await Bob(core).command("help")
        assert "coordinator" not in " ".join(getattr(m, "text", "") for m in again).split("\n")[0]
    finally:
        await core.close()


async def test_after_forget_me_the_person_is_welcomed_as_a_new_member(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    core = await build_core(make_settings(db_url, tmp_path))
    try:
        console = Console(core)
        welcome = core.catalog.t("en", "welcome_intro", threshold=core.config.anonymity_threshold)
        first = " ".join(getattr(m, "text", "") for m in await console.command("alice", "help"))
        assert welcome in first and "first member of this network" in first
        await console.command("alice", "forget-me confirm")
        # On SQLite the new row may get the erased member's id again; the person is new all the same.
        again = " ".join(getattr(m, "text", "") for m in await console.command("alice", "help"))
        assert welcome in again and "first member" not in again and "As a coordinator" not in again
    finally:
        await core.close()
