"""A network walks steps 1-4 of the U on the console: the fact base, the gaps the map finds, intros
across sectors with the follow-up, a private journal, and `stage next` that will not move past
a step with no evidence unless a coordinator confirms."""

from __future__ import annotations

from datetime import timedelta
from itertools import combinations

from sqlalchemy import select

from flows.messages import Document, Prompt
from storage import repository as repo
from storage.models import OutboxMessage, utcnow
from tests.conftest import Console
from tests.journey.helpers import intro_groups, text_to, texts

PEOPLE = {  # name: (sector, organisation)
    "bob": ("private", "Firm"), "cara": ("third", "Assoc"), "dan": ("public", "Region"),
    "eve": ("private", "Shop"), "fay": ("third", "Club"), "gus": ("public", "City"),
}
KNOWS = {"alice": ["gus", "dan"], "bob": ["eve"], "cara": ["fay"], "dan": ["alice"], "eve": ["bob"], "fay": ["cara"], "gus": ["alice"]}


async def gather(console: Console) -> None:
    await console.command("alice", "members set me sector=public organisation=City")
    for name, (sector, organisation) in PEOPLE.items():
        await console.command(name, f"members set me sector={sector} organisation={organisation} side=internal")
    await console.command("fay", "lang fi")


async def draw_map(console: Console) -> None:
    out = await console.command("alice", "reflect start network-map network")
    round_id = next(int(m.prompt_ref.split(":")[0]) for m in out if isinstance(m, Prompt))
    for name, known in KNOWS.items():
        await console.answer(name, f"{round_id}:know", [f"console:local:{k}" for k in known])
        await console.answer(name, f"{round_id}:worked", "-")
    await console.command("alice", f"reflect close {round_id}")


async def step(core) -> int:  # type: ignore[no-untyped-def]
    async with core.db.transaction() as tx:
        return (await repo.network_by_key(tx, "console:local")).u_stage


async def test_walk_through_steps_one_to_four(core, console: Console) -> None:
    await gather(console)
    # Step 1 starts; every member is told, in their language, what it asks of them.
    out = await console.command("alice", "stage next")
    assert "Study the facts" in text_to(out, "bob") and "fact add" in text_to(out, "bob")
    assert "Tutkitaan faktoja" in text_to(out, "fay") and "faktapankkiin" in text_to(out, "fay")
    assert "told 7 members" in text_to(out, "alice")

    # With nothing done, `stage next` shows what is missing and does not move.
    out = await console.command("alice", "stage next")
    assert "has no evidence yet" in texts(out) and "no facts yet" in texts(out) and "no rounds yet" in texts(out)
    assert await step(core) == 1
    assert "Only the network's coordinators" in texts(await console.command("bob", "stage next confirm"))

    # The fact base: members add facts with sources, anyone lists and exports them.
    out = await console.command("bob", 'fact add "38 % of clients use two services or more" --source https://stat.example/2025')
    assert "Fact #" in texts(out)
    await console.command("cara", 'fact add "Waiting time for the first visit: 41 days"')
    listing = texts(await console.command("eve", "fact list"))
    assert "38 % of clients" in listing and "https://stat.example/2025" in listing and "41 days" in listing
    [export] = [m for m in await console.command("eve", "fact export --format csv") if isinstance(m, Document)]
    assert b"38 % of clients" in export.content and export.filename.endswith(".csv")
    out = await console.command("alice", "stage next")
    assert "2 facts in the fact base" in texts(out) and "stage next confirm" in texts(out)
    assert await step(core) == 1
    out = await console.command("alice", "stage next confirm")
    assert await step(core) == 2 and "Gather the network" in text_to(out, "gus")

    # Step 2: who is missing, from the member list and then from the map.
    gaps = texts(await console.command("dan", "gaps"))
    assert "No network map yet" in gaps
    await draw_map(console)
    gaps = texts(await console.command("dan", "gaps"))
    assert "ties between sectors" in gaps and "public sector – third sector: 0 ties" in gaps
    out = await console.command("cara", 'actor propose "Harbour Oy" org=Harbour sector=private why="logistics is missing"')
    assert "Harbour Oy is proposed" in texts(out)
    assert "Only the network's coordinators" in texts(await console.command("cara", "actor invite 1"))
    invitation = texts(await console.command("alice", "actor invite 1"))
    assert "Hello Harbour Oy!" in invitation and "logistics is missing" in invitation
    await console.command("alice", "stage next confirm")
    assert await step(core) == 3

    # Step 3: intros across sectors, never inside one organisation, chosen by the map's gaps.
    out = await console.command("alice", "intro start")
    [groups] = await intro_groups(core)
    assert sorted(len(g) for g in groups) == [2, 2, 3]
    known = {frozenset((f"console:local:{a}", f"console:local:{b}")) for a, names in KNOWS.items() for b in names}
    for group in groups:
        assert len({m.sector for m in group}) == len(group)  # every group crosses sectors
        assert len({m.organisation for m in group}) == len(group)  # no pair inside one organisation
        assert not any(frozenset((a.key, b.key)) in known for a, b in combinations(group, 2))
    bob_group = next(g for g in groups if any(m.display_name == "Bob" for m in g))
    partners = [m.display_name for m in bob_group if m.display_name != "Bob"]
    assert all(p in text_to(out, "bob") for p in partners) and "Questions for your talk" in text_to(out, "bob")
    # The "did you meet?" follow-up waits a week in the outbox, one per member.
    async with core.db.transaction() as tx:
        held = (await tx.execute(select(OutboxMessage).where(OutboxMessage.available_at > utcnow() + timedelta(days=6)))).scalars().all()
    assert len(held) == 7 and all("Did you meet?" in row.message["text"] or "Tapasitteko?" in row.message["text"] for row in held)
    open_for_bob = texts(await console.command("bob", "stage")).split("Open for you:")[1]
    assert "meet " in open_for_bob and all(p in open_for_bob for p in partners)
    out = await console.command("bob", "intro met yes")
    assert "Great that you and " in texts(out) and " met!" in texts(out)
    async with core.db.transaction() as tx:
        waiting = (await tx.execute(select(OutboxMessage.audience).where(OutboxMessage.available_at > utcnow() + timedelta(days=6)))).scalars().all()
    assert "console:local:bob" not in waiting and len(waiting) == 6  # bob answered, so his follow-up is withdrawn
    assert "Nothing is open for you" in texts(await console.command("bob", "stage"))
    # Knowing each other before and after: the meeting adds the group's ties across sectors.
    status = texts(await console.command("alice", "intro status"))
    assert "3 groups. Members who have answered: 1; groups that have met: 1." in status
    before, after = (int(x) for x in status.split("ties across sectors ")[1].split(",")[0].split(" → "))
    assert (before, after) == (0, len(list(combinations(bob_group, 2))))
    await console.command("alice", "stage next confirm")
    assert await step(core) == 4

    # Step 4: the journal prompt is open for each member until they write.
    assert "this week's journal prompt:" in texts(await console.command("eve", "stage"))
    await console.command("eve", 'journal write "I notice I defend our budget before I listen"')
    assert "this week's journal prompt:" not in texts(await console.command("eve", "stage"))
    assert "I notice I defend" in texts(await console.command("eve", "journal list"))
    assert "I notice I defend" not in texts(await console.command("alice", "journal list"))
    # The coordinator sees only that fewer than the threshold wrote, never who or what.
    shown = texts(await console.command("alice", "stage"))
    assert "fewer than 5 members have written" in shown and "defend" not in shown
    # With no round and no journal writing at step 3's successor, a skip is flagged and refused.
    out = await console.command("alice", "stage set 6")
    assert "skip steps with no evidence: 5" in texts(out) and await step(core) == 4
