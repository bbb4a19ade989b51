"""Step 8's prototype register, the fact base's edges, and bad input to the journey's verbs."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select, update

from flows.messages import Document
from storage.models import OutboxMessage, Prototype, utcnow
from tests.conftest import Console
from tests.journey.helpers import texts


async def check_ins(core) -> list[str]:  # type: ignore[no-untyped-def]
    """Whom a prototype check-in waits for, held back about two weeks."""
    async with core.db.transaction() as tx:
        rows = (await tx.execute(select(OutboxMessage).where(OutboxMessage.available_at > utcnow() + timedelta(days=13)))).scalars().all()
    return [r.audience for r in rows if "Check-in on your prototype #1" in r.message["text"]]


async def test_prototype_register_add_list_update_done(core, console: Console) -> None:
    await console.command("alice", "help")
    await console.command("bob", "help")
    out = await console.command("bob", 'prototype add "If the city and the firms share one intake form, clients wait less" test="Try it in two offices"')
    assert "Prototype #1 is in the register" in texts(out)
    assert await check_ins(core) == ["console:local:bob"]  # the owner is asked in two weeks
    listing = texts(await console.command("cara", "prototype list"))
    assert "share one intake form" in listing and "idea, owner Bob" in listing and "Try it in two offices" in listing
    # Only the owner, whoever added it, or a coordinator may change it.
    assert "Only the owner of prototype #1" in texts(await console.command("cara", "prototype update 1 status=testing"))
    await console.command("bob", 'prototype update 1 status=testing test="Count waiting days in March" owner=cara')
    assert await check_ins(core) == ["console:local:cara"]  # one check-in, moved to the new owner
    listing = texts(await console.command("alice", "prototype list"))
    assert "testing, owner Cara" in listing and "Count waiting days in March" in listing
    # The owner sees it open in `stage`, and is asked about it once it has not moved for two weeks.
    await console.command("alice", "stage next")
    assert "your prototype #1" in texts(await console.command("cara", "stage"))
    async with core.db.transaction() as tx:
        await tx.execute(update(Prototype).values(updated_at=utcnow() - timedelta(days=15)))
    assert "has not been updated for two weeks" in texts(await console.command("cara", "stage"))
    await console.command("cara", 'prototype done 1 "One form is not enough: the firms need a shared calendar too"')
    assert "prototype #1" not in texts(await console.command("cara", "stage"))
    assert await check_ins(core) == []  # done: no more check-ins
    assert "No prototypes" in texts(await console.command("alice", "prototype list"))
    done = texts(await console.command("alice", "prototype list all"))
    assert "done" in done and "shared calendar" in done
    [data] = [m for m in await console.command("cara", "my-data") if isinstance(m, Document)]
    assert json.loads(data.content)["prototypes_owned"][0]["lesson"].startswith("One form is not enough")


async def test_bad_input_to_the_journey_verbs_is_explained(core, console: Console) -> None:
    await console.command("alice", "help")
    cases = {
        "fact add": "Write the fact after the command",
        "fact remove 99": "not a fact of this network",
        "fact remove x": "not a fact of this network",
        "fact export --format pdf": "csv or json",
        "fact frobnicate": "Use one of: add, list, export, remove",
        "actor propose": "Name the actor",
        "actor propose Acme sector=moon": "sector must be one of public, private, third",
        "actor propose Acme colour=red": "not a field I can set",
        "actor invite 7": "not a proposed actor",
        "intro met maybe": "intro met yes or",
        "intro met yes": "not been introduced",
        "intro start": "Intros need at least two members",
        "journal write": "Write the entry after the command",
        "journal delete 3": "not one of your journal entries",
        "journal share": "Write the line to share",
        "prototype update 5 status=done": "not a prototype of this network",
        "prototype add": "Write the hypothesis",
        "prototype list some": "prototype list open",
        "stage set 11": "steps 1 to 10",
        "stage sideways": "stage next",
    }
    for command, expected in cases.items():
        assert expected in texts(await console.command("alice", command)), command
    await console.command("alice", "prototype add Something")
    assert "status must be one of" in texts(await console.command("alice", "prototype update 1 status=finished"))
    assert "at most 4000" in texts(await console.command("alice", "journal write " + "x" * 4001))
    # Another member's fact is theirs: a member cannot remove it, a coordinator can.
    await console.command("bob", 'fact add "A fact of Bob"')
    assert "Only the member who added a fact" in texts(await console.command("cara", "fact remove 1"))
    assert "Fact #1 is removed" in texts(await console.command("alice", "fact remove 1"))
