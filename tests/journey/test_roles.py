"""Step 9, organise: roles offered, taken and declined beside the actions register; they show in
`stage` (and so App Home), in the report without their owners, count as the step's evidence, and
are covered by my-data, export and forget-me."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from flows.messages import Document, Notice, Report
from storage.models import NetworkPhase, Role
from tests.conftest import Console
from tests.journey.helpers import text_to, texts

NAMES = ["alice", "bob", "cara", "dan"]


def buttons_to(out: list, who: str) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [a for m in out if isinstance(m, Notice) and m.audience.member_key == f"console:local:{who}" for a in m.actions]


async def test_a_role_is_offered_taken_and_counts_for_step_nine(core, console: Console) -> None:
    for name in NAMES:
        await console.command(name, "help")
    out = await console.command("alice", 'role add "Keeps the shared calendar" --owner @bob --level strategy')
    assert "Role #1 offered to Bob" in text_to(out, "alice")
    assert "You have been offered role #1: Keeps the shared calendar (by Alice)" in text_to(out, "bob")
    assert ("I take it", "role accept 1") in buttons_to(out, "bob") and ("Decline", "role decline 1") in buttons_to(out, "bob")
    assert "role #1 offered to you" in texts(await console.command("bob", "stage"))
    assert "not offered to you" in texts(await console.command("cara", "role accept 1"))
    taken = await console.command("bob", "role accept 1")
    assert "role #1 is yours" in text_to(taken, "bob") and "Bob took role #1" in text_to(taken, "alice")
    assert "Your roles: #1 Keeps the shared calendar" in texts(await console.command("bob", "stage"))
    assert "#1 Keeps the shared calendar — Bob (agreed) [strategy]" in texts(await console.command("dan", "role list"))

    # Declined, with a reason for whoever offered it, then offered to someone else.
    await console.command("alice", 'role add "Writes the newsletter" --owner cara')
    declined = await console.command("cara", 'role decline 2 "no time in spring"')
    assert "Cara declined role #2" in text_to(declined, "alice") and "no time in spring" in text_to(declined, "alice")
    assert "declined, needs an owner" in texts(await console.command("alice", "role list"))
    assert "Only the one holding role #2" in texts(await console.command("dan", "role offer 2 @dan"))
    await console.command("alice", "role offer 2 @dan")
    await console.command("dan", "role take 2")
    await console.command("dan", 'role add "Hosts the spring meeting"')  # open: anyone may take it
    assert "open, nobody has it" in texts(await console.command("alice", "role list"))

    # Step 9's evidence is the agreed roles.
    await console.command("alice", "stage set 9 confirm")
    assert "✓ 2 roles agreed" in texts(await console.command("alice", "stage"))
    [report] = [m for m in await console.command("cara", "report actions") if isinstance(m, Report)]
    roles = [line for s in report.sections if s.heading == "Who does what" for line in s.lines]
    assert "3 roles, 2 of them agreed" in roles and "#1 Keeps the shared calendar (agreed)" in roles
    assert not any(name in line for line in roles for name in ("Bob", "Dan", "Cara"))  # never who


async def test_roles_are_in_my_data_and_export_and_go_with_forget_me(core, console: Console) -> None:
    for name in NAMES:
        await console.command(name, "help")
    await console.command("alice", 'role add "Keeps the shared calendar" --owner @bob')
    await console.command("bob", "role accept 1")
    await console.command("bob", 'role add "Bob tidies the wiki" --owner me')
    await console.command("alice", "members grant bob")
    await console.command("bob", "phase set 3")  # who set the phase is Bob's data too
    mine = await console.command("bob", "my-data")
    [data] = [m for m in mine if isinstance(m, Document)]
    roles = json.loads(data.content)["roles"]
    assert [(r["role"], r["status"], r["mine"]) for r in roles] == [(1, "accepted", True), (2, "accepted", True)]
    assert "2 roles held, offered to you or made by you" in texts(mine)
    assert [p["phase"] for p in json.loads(data.content)["continuum_phase_set_by_you"]] == [3]
    exported = {m.filename: m for m in await console.command("alice", "export") if isinstance(m, Document)}
    rows = list(csv.DictReader(io.StringIO(exported["yhdessa-roles.csv"].content.decode())))
    assert [(r["role"], r["owner"]) for r in rows] == [("1", "console:local:bob"), ("2", "console:local:bob")]

    await console.command("bob", "forget-me confirm")
    async with core.db.transaction() as tx:
        left = (await tx.execute(select(Role).order_by(Role.id))).scalars().all()
    # The network's role stays, open again; the one Bob made for himself goes.
    assert [(r.id, r.owner_id, r.status) for r in left] == [(1, None, "open")]
    async with core.db.transaction() as tx:
        assert (await tx.get(NetworkPhase, 1)).set_by is None  # the phase stays, without Bob
    assert "Keeps the shared calendar — open" in texts(await console.command("alice", "role list"))
    exported = {m.filename: m for m in await console.command("alice", "export") if isinstance(m, Document)}
    assert "console:local:bob" not in exported["yhdessa-roles.csv"].content.decode()


async def test_bad_input_to_role_is_explained(core, console: Console) -> None:
    await console.command("alice", "help")
    cases = {
        "role add": "Write the role after the command",
        'role add "Keeps the calendar" --owner @nobody': "nobody",
        'role add "Keeps the calendar" --colour red': "--colour",
        "role accept": "Which role?",
        "role accept x": '"x" is not a role of this network',
        "role accept 99": '"99" is not a role of this network',
        "role accept 99999999999999999999": "is not a role of this network",
        "role offer 1": "is not a role",
        "role frobnicate": "Use one of: add, list, accept, decline, offer, drop",
        "role list everything": "mine, all",
    }
    for command, expected in cases.items():
        said = texts(await console.command("alice", command))
        assert expected in said, (command, said)
    await console.command("alice", 'role add "Keeps the calendar"')
    assert "Use: /yhdessa role offer N @member" in texts(await console.command("alice", "role offer 1"))
    await console.command("alice", "role drop 1")
    assert "Role #1 was dropped" in texts(await console.command("alice", "role accept 1"))
    await console.command("alice", "lang sv")
    assert "är ingen roll i det här nätverket" in texts(await console.command("alice", "role accept 7"))
