"""The `schedule` verb as a coordinator uses it, including the refusals for bad input."""

from __future__ import annotations

import re

from tests.conftest import Console
from tests.scheduling.helpers import schedules


def texts(out: list) -> str:  # type: ignore[type-arg]
    return "\n".join(getattr(m, "text", "") for m in out)


async def test_add_then_list_shows_next_monday_0900_helsinki(console: Console) -> None:
    await console.command("alice", "hello")
    added = texts(await console.command("alice", '/yhdessa schedule add pulse "every monday 09:00" --tz Europe/Helsinki'))
    assert re.search(r"Schedule #\d+ added: pulse, every monday 09:00 \(Europe/Helsinki\)\. Next round: Mon \d{4}-\d\d-\d\d 09:00 EE", added)
    listed = texts(await console.command("alice", "/yhdessa schedule list"))
    assert re.search(r"pulse — every monday 09:00 \(Europe/Helsinki\) → the whole network\. Next: Mon [\d-]+ 09:00 EES?T", listed)


async def test_new_network_gets_one_default_pulse_that_stays_removed(console: Console) -> None:
    listed = texts(await console.command("alice", "schedule list"))
    assert "pulse — monthly first tuesday 10:00" in listed and "Next: Tue" in listed
    (default,) = await schedules(console.core)
    await console.command("alice", f"schedule remove {default.id}")
    assert "There are no schedules" in texts(await console.command("alice", "schedule list"))
    assert await schedules(console.core) == []


async def test_members_cannot_schedule(console: Console) -> None:
    await console.command("alice", "hello")
    refused = texts(await console.command("bob", 'schedule add pulse "every monday 09:00"'))
    assert "Only the network's coordinators" in refused


async def test_bad_input_names_the_wrong_part_with_a_working_example(console: Console) -> None:
    await console.command("alice", "hello")
    cases = {
        'schedule add pulse "0 25 * * mon"': ["hour field ('25')", "0 9 * * mon"],
        'schedule add pulse "every monday 09:00" --tz Mars/Olympus': ["'Mars/Olympus' is not a time zone", "--tz Europe/Helsinki"],
        'schedule add pulsar "every monday 09:00"': ["no flow called 'pulsar'", 'schedule add pulse "every monday 09:00"'],
        'schedule add pulse "every monday 09:00" --closes 1d --remind 2d': ["(--remind 2d) must come before", "--remind 1d --closes 3d"],
        "schedule add pulse every funday 9:00": ["'funday' is not a day of the week", "every monday 09:00"],
        "schedule pause 999": ["no schedule 999"],
    }
    before = len(await schedules(console.core))
    for command, expected in cases.items():
        reply = texts(await console.command("alice", command))
        for part in expected:
            assert part in reply, (command, reply)
    assert len(await schedules(console.core)) == before


async def test_unquoted_when_and_audience_pause_resume(console: Console) -> None:
    await console.command("alice", "hello")
    added = texts(await console.command("alice", "schedule add reflection 4 every 2 weeks friday 14:00 network --local-time --closes 3d --remind 1d"))
    number = re.search(r"#(\d+)", added)
    assert number and "each member's own time zone" in added
    assert "is paused" in texts(await console.command("alice", f"schedule pause {number.group(1)}"))
    assert f"#{number.group(1)} reflection-4 — every 2 weeks friday 14:00" in texts(await console.command("alice", "schedule list"))
    assert "Paused." in texts(await console.command("alice", "schedule list"))
    assert "runs again. Next round: Fri" in texts(await console.command("alice", f"schedule resume {number.group(1)}"))
