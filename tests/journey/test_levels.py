"""Item 3 of issue 14: rounds, schedules, actions and prototypes tagged with the level of network
work they serve, and reports that break the work down by level without showing a small group."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.scheduling.firing import fire
from bot.scheduling.triggers import Firing
from flows.messages import Report
from storage.models import Round, Schedule, utcnow
from tests.conftest import Console
from tests.evaluation.conftest import round_id_of
from tests.journey.helpers import texts

PEOPLE = ["alice", "bob", "cara", "dan", "eve", "fay", "gus"]
TRUST = ("trust-1", "trust-2", "trust-3", "trust-4")


def report_of(out: list) -> Report:  # type: ignore[type-arg]
    [report] = [m for m in out if isinstance(m, Report)]
    return report


def section(report: Report, heading: str) -> list[str]:
    return [line for s in report.sections if s.heading == heading for line in s.lines]


async def trust_round(console: Console, level: str, names: list[str], value: str, named: bool = False) -> int:
    out = await console.command("alice", f"pulse start trust network --level {level}" + (" --named" if named else ""))
    round_id = round_id_of(out)
    for name in names:
        for step in TRUST:
            await console.answer(name, f"{round_id}:{step}", "2" if step.endswith("-4") and value == "4" else value)
    await console.command("alice", f"reflect close {round_id}")
    return round_id


async def levels_of(core) -> dict[int, str | None]:  # type: ignore[no-untyped-def]
    async with core.db.transaction() as tx:
        return {r.id: r.level for r in (await tx.execute(select(Round))).scalars()}


async def test_rounds_are_tagged_and_the_report_breaks_down_by_level(core, console: Console) -> None:
    for name in PEOPLE:
        await console.command(name, "help")
    opened = await console.command("alice", "pulse start trust network --level service-path")
    assert "serves the level of network work: service path" in texts(opened)
    await console.command("alice", f"reflect close {round_id_of(opened)}")
    # Finnish and Swedish words name the same levels; checkin and reflect take the option too.
    await console.command("alice", "checkin start network --level asiakasrajapinta")
    await console.command("alice", "reflect start reflection 2 network --level påverkan")
    assert list((await levels_of(core)).values()) == ["service-path", "client", "advocacy"]

    service = await trust_round(console, "palvelupolku", PEOPLE, "4")
    few = await trust_round(console, "strategy", PEOPLE[:3], "1", named=True)  # three respondents: below 5
    report = report_of(await console.command("alice", "report levels"))
    pulse = section(report, "Pulse means")
    assert any(line.startswith("Service path: Trust") and "(n = 7)" in line for line in pulse), pulse
    assert "Strategy: 1 result with fewer than 5 respondents is not shown." in pulse
    assert not any(line.startswith("Strategy: Trust") for line in pulse)  # the three are never averaged
    rounds = section(report, "Rounds and participation")
    assert any(line.startswith("Service path: 2 rounds") for line in rounds), rounds
    assert any(line.startswith("Customer interface: 1 round") for line in rounds)
    # `--by level` asks for the same breakdown; trends carry it as a section of their own.
    assert section(report_of(await console.command("alice", "report --by level")), "Pulse means") == pulse
    trends = report_of(await console.command("alice", "report trends --by level"))
    assert section(trends, "Pulse means") == pulse
    refused = texts(await console.command("alice", f"report {service} --by level"))
    assert "One round serves one level" in refused
    assert few > service and "Strategy" not in " ".join(section(trends, "Trust"))  # trends keep no level groups


async def test_actions_and_prototypes_carry_a_level_and_small_levels_are_hidden(core, console: Console) -> None:
    for name in PEOPLE:
        await console.command(name, "help")
    for name in PEOPLE[:5]:
        await console.command(name, f'action add "Walk the service path with {name}" --level service-path')
        await console.command(name, f'action add "Draft the strategy with {name}" --level strategia')
    listing = texts(await console.command("alice", "action list"))
    assert "[service path]" in listing and "[strategy]" in listing
    report = report_of(await console.command("alice", "report actions"))
    by_level = section(report, "By level of network work")
    assert "Service path: 5 made, 0 kept, 0 overdue" in by_level and "Strategy: 5 made, 0 kept, 0 overdue" in by_level
    # One owner's commitment at a level of its own is not shown, nor given away by subtraction.
    await console.command("gus", 'action add "Write to the ministry" --level advocacy')
    by_level = section(report_of(await console.command("alice", "report actions")), "By level of network work")
    assert any(line.startswith("Advocacy: not shown") for line in by_level)
    assert sum("not shown" in line for line in by_level) >= 2 and not any("1 made" in line for line in by_level)

    out = await console.command("bob", 'prototype add "One intake form for the city and the firms" --level service-path')
    assert "Level of network work: service path" in texts(out)
    await console.command("bob", "prototype update 1 level=maailma")
    assert "[understanding the world]" in texts(await console.command("cara", "prototype list"))
    work = section(report_of(await console.command("alice", "report levels")), "Prototypes and agreed roles")
    assert "Understanding the world: 1 prototypes, 0 agreed roles" in work


async def test_a_schedule_gives_its_level_to_the_rounds_it_opens(core, console: Console) -> None:
    await console.command("alice", "help")
    await console.command("alice", 'schedule add pulse "every monday 09:00" --level world')
    assert "understanding the world" in texts(await console.command("alice", "schedule list"))
    async with core.db.transaction() as tx:
        schedule = (await tx.execute(select(Schedule).where(Schedule.level.is_not(None)))).scalars().one()
        now = utcnow()
        round_, _, _ = await fire(tx, core.config, schedule, Firing(now - timedelta(minutes=1), now.replace(tzinfo=None)), now)
    assert round_ is not None and (await levels_of(core))[round_.id] == "world"


async def test_a_wrong_level_is_named_and_nothing_is_stored(core, console: Console) -> None:
    await console.command("alice", "help")
    cases = {
        "pulse start trust --level moon": '"moon" is not a level of network work',
        "checkin start --level": "--level",
        'action add "Call the region" --level 9': '"9" is not a level of network work',
        'prototype add "A shared form" --level nowhere': '"nowhere" is not a level',
        'prototype add "A shared form" --level': "--level",
        'schedule add pulse "every monday 09:00" --level x': '"x" is not a level',
        'role add "Keeps the calendar" --level planet': '"planet" is not a level',
        "report --by colour": "colour",
    }
    for command, expected in cases.items():
        said = texts(await console.command("alice", command))
        assert expected in said, (command, said)
        assert "Traceback" not in said
    assert await levels_of(core) == {}
    assert "No actions" in texts(await console.command("alice", "action list")) or "no open" in texts(await console.command("alice", "action list")).lower()
    assert "No prototypes" in texts(await console.command("alice", "prototype list all"))
    assert "No roles" in texts(await console.command("alice", "role list"))
    fi = texts(await console.command("alice", "lang fi")) and texts(await console.command("alice", "pulse start --level kuu"))
    assert "ei ole verkostotyön taso" in fi
