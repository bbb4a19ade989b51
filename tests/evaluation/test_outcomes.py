"""The seed's outcomes over time: knowledge-sharing ties, adoption and we-spirit, commitments kept,
and new actors, computed by hand on a constructed history and read in `report outcomes`."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from bot.evaluation import outcomes_data
from bot.evaluation.outcomes_data import knowledge_ties, newcomers
from flows.messages import Notice
from storage import repository as repo
from storage.models import Action, Round
from tests.evaluation.conftest import join, round_id_of, run_pulse
from tests.evaluation.test_report_console import PNG, set_sectors, text_of, the_report

START = datetime(2026, 1, 10, tzinfo=timezone.utc)
MEMBERS = ["alice", "bea", "cai", "dan", "eve", "fay", "gus"]


def person(key: str, days: int, organisation: str | None = None, sector: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(key=key, created_at=START + timedelta(days=days), organisation=organisation, sector=sector)


def test_knowledge_ties_count_once_whoever_named_them() -> None:
    keys = {1: "a", 2: "b", 3: "c", 4: "d"}
    answers = [(1, ["b", "c"]), (2, ["a"]), (3, ["d", "gone"]), (None, ["a", "b"]), (9, ["a"])]
    # a-b (named twice), a-c, c-d; "gone" is no member; no member id or an erased one: not a respondent
    assert knowledge_ties(answers, keys) == (3, 3)


def test_newcomers_by_hand() -> None:
    members = [
        person("a", 0, "City", "public"), person("b", 5, "City", "public"), person("c", 20, "Red Cross", "third"),
        person("d", 40, "Shop Ltd", "private"), person("e", 70, "city ", "public"), person("f", 75, "Mill Oy", "private"),
        person("g", 80, None, None),
    ]
    maps = [(START + timedelta(days=60), {"a", "d"}), (START + timedelta(days=90), {"a", "d", "e", "f"})]
    found = newcomers(members, maps, START + timedelta(days=95), threshold=3)  # type: ignore[arg-type]
    assert (found.founders, found.joined, found.organisations) == (3, 4, 4)  # "city " is the City
    assert found.months == [("2026-01", 3, 2), ("2026-02", 1, 1), ("2026-03", 3, 1), ("2026-04", 0, 0)]  # days 40, 70, 75, 80 are 19.2., 21.3., 26.3., 31.3.
    assert found.new_sectors == [("private", START + timedelta(days=40))]
    # d: joined day 40, tie in the day-60 map -> 20; e: 70 -> 90 = 20; f: 75 -> 90 = 15; g: none
    assert found.with_tie == 3 and found.days_to_tie == pytest.approx(20)
    # With a threshold of 5 three newcomers are too few for a median (it would describe them).
    assert newcomers(members, maps, START + timedelta(days=95), threshold=5).days_to_tie is None  # type: ignore[arg-type]


async def _map_round(console, ties: dict[str, list[str]]) -> int:  # type: ignore[no-untyped-def]
    """A network map in which each name answers: knows nobody, worked with nobody, shared with `ties`."""
    round_id = round_id_of(await console.command("alice", "reflect start network-map network"))
    keys = {name: f"console:local:{name}" for name in MEMBERS}
    for name in MEMBERS:
        await console.answer(name, f"{round_id}:know", [keys["bea" if name == "alice" else "alice"]])  # required
        await console.answer(name, f"{round_id}:worked", "skip")
        await console.answer(name, f"{round_id}:shared", [keys[o] for o in ties.get(name, [])] or "skip")
    await console.command("alice", f"reflect close {round_id}")
    return round_id


async def _history(console) -> None:  # type: ignore[no-untyped-def]
    """Two maps months apart (knowledge ties 2 -> 5), two pulses (adopted/we-spirit rise), commitments,
    and members who came later from a sector that was not there at first."""
    rng = random.Random(3)
    await join(console, MEMBERS)
    await set_sectors(console, {"alice": "public", "bea": "public", "cai": "third", "dan": "third", "eve": "public", "fay": "private", "gus": "private"})
    first_map = await _map_round(console, {"alice": ["bea"], "cai": ["dan"], "dan": ["cai"]})  # a-b, c-d
    await run_pulse(console, MEMBERS, 2.0, rng)
    second_map = await _map_round(console, {"alice": ["bea", "fay"], "fay": ["gus", "alice"], "eve": ["cai"], "dan": ["cai"]})  # a-b a-f f-g e-c d-c
    await run_pulse(console, MEMBERS, 4.5, rng)
    async with console.core.db.transaction() as tx:
        network = await repo.network_by_key(tx, "console:local")
        moments = {first_map: START + timedelta(days=20), second_map: START + timedelta(days=100)}
        for round_id, when in moments.items():
            (await tx.get(Round, round_id)).opens_at = when
        for member in await repo.members_of(tx, network.id):
            late = member.key.endswith(("fay", "gus"))
            member.created_at = START + timedelta(days=60 if late else 0)
            member.organisation = "Mill Oy" if late else "Red Cross" if member.key.endswith(("cai", "dan")) else "City"
        now = datetime.now(timezone.utc)
        for i, status in enumerate(("done", "done", "dropped", "open")):
            tx.add(Action(network_id=network.id, text=f"step {i}", status=status, created_at=now - timedelta(days=40 - i), due_at=now - timedelta(days=5)))
        tx.add(Action(network_id=network.id, text="later", status="open", created_at=now - timedelta(days=2), due_at=now + timedelta(days=9)))


async def test_report_outcomes_shows_the_three_outcomes_with_trends(console) -> None:  # type: ignore[no-untyped-def]
    await _history(console)
    report = the_report(await console.command("alice", "report outcomes"))
    text = text_of(report)
    assert report.title == "Outcomes of our work together"
    assert "2026-01-30: 2 knowledge-sharing ties, named by the 7 members who answered the network map" in text
    assert "2026-04-20: 5 knowledge-sharing ties" in text
    assert "Putting to use what others shared: latest mean" in text and "change since then +" in text
    assert "We-spirit: latest mean" in text
    assert "5 commitments agreed so far, 5 in the last three months" in text
    # Come due: two done, one dropped, one open past its date; the new one is not due yet.
    assert "2 of the 4 commitments that have come due were kept (50%)" in text
    assert "No shared vision has been written together yet" in text
    assert "7 members from 3 organisations: 5 from the first month, 2 joined later" in text
    assert "Sectors newly represented: private sector (since 2026-03-11)" in text
    # fay and gus joined on day 60 and have ties in the day-100 map; two are fewer than the threshold.
    assert "2 of the 2 who joined later have a tie in a network map (too few to say how soon)" in text
    assert [c.filename for c in report.charts] == ["outcomes-knowledge.png", "outcomes-goals.png", "outcomes-actors.png"]
    for chart in report.charts:
        assert chart.png.startswith(PNG) and len(chart.png) > 10_000 and chart.alt_text
    assert "2026-01-30 2; 2026-04-20 5" in report.charts[0].alt_text


async def test_outcome_items_of_a_small_pulse_are_hidden(console) -> None:  # type: ignore[no-untyped-def]
    await join(console, MEMBERS)
    round_id = round_id_of(await console.command("alice", "pulse start"))
    for name in MEMBERS[:5]:
        await console.answer(name, f"{round_id}:we-spirit", "5")
    for name in MEMBERS[:4]:
        await console.answer(name, f"{round_id}:adopted", "1")  # four of five: one short of the threshold
    await console.command("alice", f"reflect close {round_id}")
    text = text_of(the_report(await console.command("alice", "report outcomes")))
    assert "We-spirit: latest mean 5.0" in text
    assert "Putting to use what others shared: fewer than 5 answers in every round — not shown" in text


async def test_a_plugged_in_source_adds_its_knowledge_ties(console, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    await _history(console)

    async def partners(tx, network_id, rounds, threshold):  # type: ignore[no-untyped-def]
        return [outcomes_data.Point(START + timedelta(days=30), 12.0, 9)]

    from bot.evaluation import outcomes_report

    monkeypatch.setattr(outcomes_report, "KNOWLEDGE_SOURCES", {"partners": partners})
    text = text_of(the_report(await console.command("alice", "report outcomes")))
    assert "Relations between organisations that share information (partners rounds), 2026-02-09: 12 (9 answers)" in text


async def test_report_outcomes_with_nothing_yet_and_in_finnish(console) -> None:  # type: ignore[no-untyped-def]
    await join(console, ["alice"])
    [notice] = [m for m in await console.command("alice", "report outcomes") if isinstance(m, Notice)]
    assert "nothing to show as outcomes yet" in notice.text
    await _history(console)
    await console.command("alice", "lang fi")
    report = the_report(await console.command("alice", "report tulokset"))
    text = text_of(report)
    assert report.title == "Yhteisen työmme tulokset"
    assert "30.1.2026: tietoa jakavia yhteyksiä 2 (verkostokarttaan vastasi 7 jäsentä)" in text
    assert "Erääntyneistä 4 sitoumuksesta pidettiin 2 (50 %)" in text
    assert "Uudet sektorit mukana: yksityinen sektori (11.3.2026 alkaen)" in text
