"""Agreements and commitments: recorded with an owner and a due date, reviewed in the next check-in
and the phase-3 reflection, counted in the report (never with owners), part of the member's data."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.app import Core
from flows.messages import Document, Notice, Prompt, Report
from storage.models import Action
from tests.conftest import Console


def texts(out: list) -> str:  # type: ignore[type-arg]
    return "\n".join(getattr(m, "text", "") for m in out)


def review_of(out: list, who: str) -> list[Notice]:  # type: ignore[type-arg]
    """The "did you get X done?" questions sent to `who`."""
    return [m for m in out if isinstance(m, Notice) and m.audience.key == f"console:local:{who}" and any(c.startswith("action done") for _, c in m.actions)]


async def team(console: Console, *names: str) -> None:
    for name in names:
        await console.command(name, "help")


async def test_two_actions_one_done_next_check_in_asks_about_the_other_and_the_report_counts_them(core: Core, console: Console) -> None:
    await team(console, "alice", "bob", "carol")
    out = await console.command("alice", 'action add "Send the service map to everyone" --owner @bob --due 2w')
    assert "#1" in texts(out) and "Owner: Bob" in texts(out)
    [told] = [m for m in out if isinstance(m, Notice) and m.audience.key == "console:local:bob"]
    assert "Alice recorded an action for you" in told.text and ("Done", "action done 1") in told.actions
    await console.command("bob", 'action add "Book the room for the spring workshop" --due 3d')
    out = await console.command("bob", 'action done 2 "Room 4 is booked"')
    assert "marked done" in texts(out)

    mine = texts(await console.command("bob", "action list mine"))
    assert "Send the service map" in mine and "Book the room" not in mine  # done ones are not open
    everything = texts(await console.command("carol", "action list all"))
    assert "Room 4 is booked" in everything and "(done)" in everything and "(open)" in everything

    out = await console.command("alice", "checkin start network")
    [asked] = review_of(out, "bob")
    assert "did you get this done? #1" in asked.text and "Send the service map" in asked.text
    assert [c for _, c in asked.actions] == ["action done 1", "action later 1", "action drop 1"]
    assert not review_of(out, "carol") and not review_of(out, "alice")  # nothing open of theirs
    # Before bob's first check-in question, not after it.
    bobs = [m for m in out if m.audience.key == "console:local:bob"]
    assert bobs.index(asked) < next(i for i, m in enumerate(bobs) if isinstance(m, Prompt))
    # Starting the check-in himself before answering it (as on the console), bob is asked again.
    assert review_of(await console.command("bob", "checkin"), "bob")
    assert "again at the next check-in" in texts(await console.command("bob", "action later 1"))
    await console.say("bob", "4")
    assert not review_of(await console.command("bob", "checkin"), "bob")  # mid-way: not again

    [report] = [m for m in await console.command("carol", "report actions") if isinstance(m, Report)]
    lines = [line for section in report.sections for line in section.lines]
    assert "2 commitments made" in lines and "1 kept (50%)" in lines and any(line.startswith("1 open") for line in lines)
    assert not any("Bob" in line or "Alice" in line for line in lines)  # counts, never owners
    assert report.charts and report.charts[0].png.startswith(b"\x89PNG")


async def test_bad_input_is_named_in_the_members_language(core: Core, console: Console) -> None:
    await team(console, "alice", "bob")
    assert "don't know a member '@nobody'" in texts(await console.command("alice", 'action add "x" --owner @nobody'))
    assert "'soon' is not a due date" in texts(await console.command("alice", 'action add "x" --due soon'))
    assert "'99' is not a round of this network" in texts(await console.command("alice", 'action add "x" --round 99'))
    assert "Say what was agreed" in texts(await console.command("alice", "action add --due 2w"))
    assert "already past" in texts(await console.command("alice", 'action add "x" --due 2020-01-01'))
    assert "no action '7'" in texts(await console.command("alice", "action done 7"))
    await console.command("bob", "lang fi")
    assert "En tunne jäsentä '@ei-ketään'" in texts(await console.command("bob", 'action add "x" --owner @ei-ketään'))
    assert "'pian' ei ole määräaika" in texts(await console.command("bob", 'action add "x" --due pian'))
    assert "'42' ei ole tämän verkoston kierros" in texts(await console.command("bob", 'action add "x" --round 42'))
    await console.command("bob", "lang sv")
    assert "'snart' är ingen förfallotid" in texts(await console.command("bob", 'action add "x" --due snart'))
    async with core.db.transaction() as tx:
        assert (await tx.execute(select(Action))).scalars().all() == []  # nothing half-made was kept


async def test_only_the_owner_the_maker_or_a_coordinator_closes_an_action(core: Core, console: Console) -> None:
    await team(console, "alice", "bob", "carol")
    await console.command("bob", 'action add "Draft the joint application" --owner @carol --due 24.12.')
    assert "is not yours" in texts(await console.command("dave", "action done 1"))
    assert "dropped" in texts(await console.command("alice", "action drop 1"))  # alice coordinates
    assert "already dropped" in texts(await console.command("carol", "action done 1"))


async def test_actions_are_in_my_data_export_and_go_with_forget_me(core: Core, console: Console) -> None:
    await team(console, "alice", "bob", "carol")
    await console.command("bob", "members set me name=Bobbington")
    await console.command("bob", 'action add "Bob alone: call the city about premises"')
    await console.command("alice", 'action add "Share the minutes with Bobbington" --owner @bob --due 1w')
    await console.command("carol", 'action add "Carol plans the next meeting"')
    out = await console.command("bob", "my-data")
    [document] = [m for m in out if isinstance(m, Document)]
    mine = json.loads(document.content)["actions"]
    assert sorted(a["text"] for a in mine) == ["Bob alone: call the city about premises", "Share the minutes with Bobbington"]
    assert "Actions you own or made: 2" in texts(out)
    exported = [m for m in await console.command("alice", "export") if isinstance(m, Document) and m.filename.startswith("yhdessa-actions")]
    assert exported and b"console:local:bob" in exported[0].content

    await console.command("bob", "forget-me confirm")
    async with core.db.transaction() as tx:
        left = {a.text: a for a in (await tx.execute(select(Action))).scalars().all()}
    assert "Bob alone: call the city about premises" not in left  # his own, for himself: gone
    shared = left["Share the minutes with \u2013"]  # alice's agreement stays, without him or his name
    assert shared.owner_id is None
    assert "Carol plans the next meeting" in left


async def test_the_progress_reflection_opens_with_the_commitments_named_only_when_answers_are(core: Core, console: Console) -> None:
    await team(console, "alice", "bob", "carol")
    await console.command("alice", 'action add "Map the service path" --owner @bob --due 2w')
    out = await console.command("alice", "reflect start reflection 3 network --named")
    [overview] = [m for m in out if m.audience.key == "console:local:carol" and "Where our commitments stand" in getattr(m, "text", "")]
    assert "Map the service path" in overview.text and "Bob" in overview.text
    assert review_of(out, "bob")  # the owner is also asked
    await console.command("alice", "reflect close")
    out = await console.command("alice", "reflect start reflection 3 network --anonymous")
    [overview] = [m for m in out if m.audience.key == "console:local:carol" and "Where our commitments stand" in getattr(m, "text", "")]
    assert "Map the service path" in overview.text and "Bob" not in overview.text
