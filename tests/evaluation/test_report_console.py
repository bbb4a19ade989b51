"""`report` through the console, as members and coordinators would use it."""

from __future__ import annotations

import random

from bot.evaluation import queries
from flows.messages import Chart, Notice, Report
from storage import repository as repo
from storage.models import Member
from tests.evaluation.conftest import join, round_id_of, run_pulse

PNG = b"\x89PNG\r\n\x1a\n"
MEMBERS = ["alice", "bea", "cai", "dan", "eve", "fay", "gus"]


def the_report(out: list) -> Report:  # type: ignore[type-arg]
    reports = [m for m in out if isinstance(m, Report)]
    assert reports, [getattr(m, "text", m) for m in out]
    return reports[0]


def text_of(report: Report) -> str:
    return "\n".join([report.title] + [s.heading + "\n" + "\n".join(s.lines) for s in report.sections])


async def set_sectors(console, sectors: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    async with console.core.db.transaction() as tx:
        network = await repo.network_by_key(tx, "console:local")
        for member in await repo.members_of(tx, network.id):
            name = member.key.rsplit(":", 1)[-1]
            member.sector = sectors.get(name, member.sector)


async def test_report_renders_a_report_with_readable_charts(console) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(5)
    await join(console, MEMBERS)
    await run_pulse(console, MEMBERS, 2.0, rng)
    await run_pulse(console, MEMBERS, 4.5, rng)
    report = the_report(await console.command("alice", "report"))
    text = text_of(report)
    assert "round #2" in report.title
    assert "7 of 7 invited answered (100%)" in text
    assert "Cronbach's alpha" in text and "change from the previous round" in text
    assert "a clear change" in text  # 2.0 -> 4.5 with seven people is beyond chance
    assert len(report.charts) == 2
    for chart in report.charts:
        assert chart.png.startswith(PNG) and len(chart.png) > 10_000 and chart.alt_text
    trends = the_report(await console.command("bea", "report trends"))
    assert trends.charts[0].filename == "pulse-trends.png"
    assert "Trust" in trends.charts[0].alt_text and "2 rounds" in trends.charts[0].alt_text


async def test_small_rounds_and_small_groups_are_suppressed(console) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(6)
    await join(console, MEMBERS)
    await set_sectors(console, {"alice": "public", "bea": "public", "cai": "public", "dan": "public", "eve": "private", "fay": "private", "gus": "third"})
    await run_pulse(console, MEMBERS, 3.5, rng)
    text = text_of(the_report(await console.command("alice", "report 1 --by sector")))
    # public has 4 (< 5), private 2, third 1: too few to keep even in the database (the
    # members table would tell who they are), so no sector figure can appear, not even zero.
    assert "sector not given: mean" in text
    assert "public sector: mean" not in text and "private sector: mean" not in text and ": mean 0" not in text
    await run_pulse(console, MEMBERS[:3], 3.5, rng)  # only three answer this time
    small = text_of(the_report(await console.command("alice", "report 2")))
    assert "fewer than 5 answers" in small and "mean" not in small.split("Participation", 1)[1].split("\n", 3)[-1]


async def test_members_see_rounds_shared_with_them_only(console) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    await join(console, MEMBERS)
    await run_pulse(console, MEMBERS, 3.5, rng)
    async with console.core.db.transaction() as tx:
        network = await repo.network_by_key(tx, "console:local")
        round_ = (await repo.latest_rounds(tx, network.id, limit=1))[0]
        round_.audience = "channel:console:local:team"  # as if opened for one channel only
        newcomer = Member(network_id=network.id, key="console:local:zed", display_name="Zed")
        tx.add(newcomer)
    refused = await console.command("zed", "report 1")
    refused = refused[1:]  # after zed's welcome
    assert isinstance(refused[0], Notice) and "no round 1 that has been shared with you" in refused[0].text
    assert isinstance((await console.command("bea", "report 1"))[0], Report)  # bea was invited


async def test_free_text_is_summarised_and_says_how(console) -> None:  # type: ignore[no-untyped-def]
    await join(console, MEMBERS)
    out = await console.command("alice", "checkin start")
    round_id = round_id_of(out)
    focus = [
        "The shared service path for families",
        "Mapping the service path with the city",
        "Funding for the shared service path pilot",
        "Our shared data platform and the service path",
        "Time for the network meetings",
        "Getting to know the new members",
        "Shared data platform questions",
    ]
    for name, text in zip(MEMBERS, focus):
        await console.answer(name, f"{round_id}:mood", "4")
        await console.answer(name, f"{round_id}:focus", text)
        await console.answer(name, f"{round_id}:need", "-")
    out = await console.command("alice", f"reflect close {round_id}")
    posted = the_report(out)  # the summariser posts the round's report when it closes
    text = text_of(posted)
    assert "Extractive summary of 7 answers" in text and "none is configured" in text
    assert "service path (4 answers)" in text


async def test_network_report_names_only_those_who_agreed(console) -> None:  # type: ignore[no-untyped-def]
    await join(console, MEMBERS)
    async with console.core.db.transaction() as tx:
        network = await repo.network_by_key(tx, "console:local")
        for member in await repo.members_of(tx, network.id):
            member.may_be_named = member.key.endswith(":cai")
    out = await console.command("alice", "reflect start network-map")
    round_id = round_id_of(out)
    # A chain alice-bea-cai-dan-eve-fay-gus: the middle members bridge the most.
    for left, right in zip(MEMBERS, MEMBERS[1:]):
        await console.answer(left, f"{round_id}:know", f"console:local:{right}")
        await console.answer(left, f"{round_id}:worked", "-")
    report = the_report(await console.command("bea", "report network"))
    text = text_of(report)
    assert "7 members, 6 ties (6 answered)" in text
    assert "Most bridging between the others: Cai" in text
    assert "2 of the most bridging members have not agreed to be named" in text
    assert "Dan" not in text and "Eve" not in text
    assert isinstance(report.charts[0], Chart) and report.charts[0].png.startswith(PNG)


async def test_bad_arguments_get_clear_messages(console) -> None:  # type: ignore[no-untyped-def]
    await join(console, ["alice"])
    assert "no rounds to report" in (await console.command("alice", "report"))[0].text
    assert "--by takes sector, side, sector-side or level, not 'colour'" in (await console.command("alice", "report trends --by colour"))[0].text
    assert "is not a date" in (await console.command("alice", "report trends --since yesterday"))[0].text
    assert "report network" in (await console.command("alice", "report banana"))[0].text


async def test_settled_pulse_aggregates_are_kept_at_close(console) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(8)
    await join(console, MEMBERS)
    round_id = await run_pulse(console, MEMBERS, 3.5, rng)
    from bot.evaluation import cache

    async with console.core.db.transaction() as tx:
        kept = await cache.load(tx, [round_id])
    assert {m for _, m in kept} == {"knowing", "trust", "commitment"}
    assert all(n == 7 for n, _, _ in kept.values())
    assert queries  # the module the cache serves


async def test_export_blanks_sector_and_side_of_small_anonymous_groups(console) -> None:  # type: ignore[no-untyped-def]
    from storage.export import export_rows

    rng = random.Random(9)
    await join(console, MEMBERS)
    sectors = {"alice": "public", "bea": "public", "cai": "public", "dan": "public", "eve": "public", "fay": "private", "gus": "private"}
    await set_sectors(console, sectors)
    await run_pulse(console, MEMBERS, 3.5, rng)
    async with console.core.db.transaction() as tx:
        network = await repo.network_by_key(tx, "console:local")
        rows = await export_rows(tx, network, threshold=5)
    pulse = [r for r in rows if r["flow"] == "pulse"]
    assert pulse and all(r["member"] == "" for r in pulse)
    # five public respondents could be shown, but the two private ones could then be told apart
    # by elimination: every sector goes.
    assert {r["sector"] for r in pulse} == {""}
    async with console.core.db.transaction() as tx:
        rows = await export_rows(tx, network, threshold=2)  # never below three: still two private of seven
    assert {r["sector"] for r in rows if r["flow"] == "pulse"} == {""}
    await set_sectors(console, {"eve": "private"})
    await run_pulse(console, MEMBERS, 3.5, rng)  # now four public and three private
    async with console.core.db.transaction() as tx:
        rows = await export_rows(tx, network, threshold=3)
    latest = max(r["round"] for r in rows)
    # The database kept no sector below the configured threshold (5), so a lower export
    # threshold cannot bring back groups of four and three.
    assert {r["sector"] for r in rows if r["round"] == latest} == {""}
