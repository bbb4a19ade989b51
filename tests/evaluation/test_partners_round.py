"""A `partners` round as new users meet it: five members of three organisations answer in the
console, and the report, in Finnish, shows what may be shown and hides the pairs that must stay hidden."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.app import Core, build_core
from bot.cli import main
from bot.settings import load_settings
from flows.messages import Chart, Notice, Prompt, Report
from tests.conftest import Console

PNG = b"\x89PNG\r\n\x1a\n"
ORGS = {"alice": "Kaupunki", "bea": "Kaupunki", "cai": "Apuyhdistys", "dan": "Apuyhdistys", "eve": "Yritys Oy"}
# Who rates whom, with one trust and one value level each (all three items of a kind alike), so
# every mean can be worked out by hand.
RATINGS = {
    "alice": {"Apuyhdistys": (4, 3), "Yritys Oy": (2, 2)},
    "bea": {"Apuyhdistys": (3, 3)},
    "cai": {"Kaupunki": (3, 2), "Yritys Oy": (1, 1)},
    "dan": {"Kaupunki": (4, 4)},
    "eve": {"Kaupunki": (2, 3)},
}


@pytest_asyncio.fixture
async def finnish(sqlite_url: str, tmp_path: Path) -> AsyncIterator[Core]:
    # Threshold 3 (the least allowed): with five people, 5 would hide every pair.
    core = await build_core(load_settings(database_url=sqlite_url, language="fi", chart_dir=str(tmp_path / "charts"), anonymity_threshold=3))
    yield core
    await core.close()


async def setup(console: Console) -> None:
    for name, org in ORGS.items():
        await console.command(name, "help")
        await console.command(name, f'members set me organisation="{org}"')


async def answer_round(console: Console, ratings: dict[str, dict[str, tuple[int, int]]]) -> int:
    out = await console.command("alice", "reflect start partners")
    round_id = next(int(m.prompt_ref.split(":")[0]) for m in out if isinstance(m, Prompt))
    for name, rated in ratings.items():
        await console.say(name, ", ".join(rated))  # typed names, as on the console
        for trust, value in rated.values():
            for answer in ("3", "1,3", str(trust), str(trust), str(trust), str(value), str(value), str(value)):
                out = await console.say(name, answer)
        assert any(isinstance(m, Notice) and "Kiitos" in m.text for m in out), [getattr(m, "text", "") for m in out]
    return round_id


def report_of(out: list) -> Report:  # type: ignore[type-arg]
    return next(m for m in out if isinstance(m, Report))


def text_of(report: Report) -> str:
    return "\n".join(f"{s.heading}\n" + "\n".join(s.lines) for s in report.sections)


async def test_five_members_of_three_organisations_get_a_finnish_report_with_small_pairs_hidden(finnish: Core) -> None:
    console = Console(finnish)
    await setup(console)
    first = await console.command("bea", "reflect start partners")
    assert "koordinaattori" in first[0].text.lower()  # only coordinators launch rounds
    round_id = await answer_round(console, RATINGS)
    open_report = await console.command("alice", "report partners")
    assert "vielä auki" in open_report[0].text  # an open round's figures would change under the reader
    closed = await console.command("alice", f"reflect close {round_id}")
    posted = report_of(closed)  # what the close posts is this report, not a plain round's per-item figures
    assert posted.title.startswith("Kumppanuudet") and "Yritys Oy –" not in text_of(posted)
    published = await console.command("alice", f"reflect publish {round_id}")
    digest = next(m for m in published if type(m).__name__ == "Digest")
    assert digest.figures == ()  # no per-item means over every organisation at once
    report = report_of(await console.command("bea", "report partners"))
    text = text_of(report)
    assert report.title.startswith("Kumppanuudet — kierros #")
    # The network: trust 4,2,3,3,1,4,2 → 19/7; value 3,2,3,2,1,4,3 → 18/7.
    assert "Luottamus 2,7/4 ja arvo 2,6/4 (vastaajia 5, arvioita 7)" in text
    # Kaupunki as Apuyhdistys' two and Yritys Oy's one see it: trust (3+4+2)/3, value (2+4+3)/3.
    assert "Kaupunki: luottamus 3,0, arvo 3,0 (n = 3)" in text
    # The pair both ways: alice 4, bea 3, cai 3, dan 4 → 3,5; values 3, 3, 2, 4 → 3,0.
    assert "Apuyhdistys – Kaupunki: luottamus 3,5, arvo 3,0 (n = 4)" in text
    # Kaupunki–Yritys Oy has two raters, Apuyhdistys–Yritys Oy one (cai's 1 would be alone there);
    # Apuyhdistys and Yritys Oy as organisations have two raters each.
    assert "Yritys Oy –" not in text and "– Yritys Oy" not in text
    assert "Apuyhdistys: luottamus" not in text and "Yritys Oy: luottamus" not in text
    assert "Piilotettuja organisaatiopareja: 2." in text and "Piilotettuja organisaatioita: 2." in text
    assert "omin sanoin PARTNER-työkalun" in text  # adapted, and says so
    # Against the figures themselves: no ±1 combination of what is shown falls on fewer than 3
    # raters (eve, Yritys Oy's only member, among them).
    from bot.evaluation import partners
    from storage.pair_privacy import decide
    from tests.evaluation.test_pair_privacy import attack

    async with finnish.db.transaction() as tx:
        atoms, _ = partners.atoms_of(await partners.ratings(tx, round_id))
    shown = {key for key, ok in decide(atoms, 3).items() if ok}
    assert attack(atoms, shown, 3) == [] and len(shown) == 3
    [chart] = report.charts
    assert isinstance(chart, Chart) and chart.png.startswith(PNG)
    assert "luottamuksen mukaan värjättyjä pareja 1, piilotettuja pareja 2" in chart.alt_text
    assert "Yritys Oy –" not in chart.alt_text and "– Yritys Oy" not in chart.alt_text
    # The outcome "knowledge spreads" counts the round's relations that share information (every
    # rating above answered "1,3": sharing information and joint work), off the network's figure.
    outcomes = text_of(report_of(await console.command("bea", "report outcomes")))
    line = next((l for l in outcomes.splitlines() if "Organisaatioiden väliset suhteet, joissa jaetaan tietoa" in l), outcomes)
    assert line.endswith(": 7 (5 vastausta)"), line


async def test_the_questions_name_each_organisation_chosen_and_refuse_ones_own(finnish: Core) -> None:
    console = Console(finnish)
    await setup(console)
    out = await console.command("alice", "reflect start partners")
    mine = next(m for m in out if isinstance(m, Prompt) and m.audience.key.endswith(":cai"))
    assert [o.label for o in mine.options] == ["Apuyhdistys", "Kaupunki", "Yritys Oy"]
    assert mine.kind == "multi" and mine.position == (1, 1)
    refused = await console.say("cai", "Apuyhdistys")
    assert "Apuyhdistys on oma organisaatiosi" in refused[0].text
    assert "Aliens Oy" in (await console.say("cai", "Aliens Oy"))[0].text  # not an option: named back
    out = await console.say("cai", "2, 3")  # by number
    question = next(m for m in out if isinstance(m, Prompt))
    assert "organisaation Kaupunki kanssa" in question.text and question.position == (2, 17)
    assert "1 = harvemmin" in question.text
    for answer in ("4", "-", "4", "4", "4", "3", "3", "3"):
        out = await console.say("cai", answer)
    question = next(m for m in out if isinstance(m, Prompt))
    assert "organisaation Yritys Oy kanssa" in question.text and question.position == (10, 17)
    mine = await console.command("cai", "my-data")
    assert "Kaupunki" in "\n".join(getattr(m, "text", "") for m in mine)  # named answers are the member's data


async def test_a_round_needs_two_organisations_in_the_members_details(finnish: Core) -> None:
    console = Console(finnish)
    await console.command("alice", "help")
    await console.command("bea", "help")
    await console.command("alice", 'members set me organisation="Kaupunki"')
    out = await console.command("alice", "reflect start partners")
    assert "vähintään kaksi organisaatiota" in out[0].text and "nyt niitä on 1" in out[0].text
    assert "Kumppanuuskierrosta ei ole vielä" in (await console.command("alice", "report partners"))[0].text


async def test_a_second_round_shows_what_changed_and_hides_pairs_whose_raters_changed_by_one(finnish: Core) -> None:
    console = Console(finnish)
    await setup(console)
    first = await answer_round(console, RATINGS)
    await console.command("alice", f"reflect close {first}")
    # The same five again: the pair Apuyhdistys–Kaupunki grows (bea and dan rate higher).
    warmer = {**RATINGS, "bea": {"Apuyhdistys": (4, 3)}, "dan": {"Kaupunki": (4, 4)}, "cai": {"Kaupunki": (4, 2), "Yritys Oy": (1, 1)}}
    second = await answer_round(console, warmer)
    await console.command("alice", f"reflect close {second}")
    text = text_of(report_of(await console.command("alice", "report partners")))
    assert "Vahvistuneet suhteet:" in text
    assert "Apuyhdistys – Kaupunki: luottamus 3,5 → 4,0 (+0,50)" in text
    # A third round without dan: the pair still has three raters, but one fewer than before; the
    # difference of the two would be dan's rating to anyone who assumes the others kept theirs.
    third = await answer_round(console, {name: rated for name, rated in warmer.items() if name != "dan"})
    await console.command("alice", f"reflect close {third}")
    text = text_of(report_of(await console.command("alice", "report partners")))
    assert "Apuyhdistys – Kaupunki:" not in text
    assert "alle 3 arvioijaa" in text


async def test_the_html_page_has_a_partners_section_with_its_map(finnish: Core, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    console = Console(finnish)
    await setup(console)
    await console.command("alice", f"reflect close {await answer_round(console, RATINGS)}")
    from bot.evaluation import partners_report
    from bot.evaluation.report import Reporter
    from flows.messages import Audience
    from storage import repository as repo

    async with finnish.db.transaction() as tx:
        network = await repo.network_by_key(tx, "console:local")
        reporter = Reporter(finnish.config, finnish.settings)
        ctx = reporter.context(tx, network, None, "en", Audience.channel("console:local:report"), inline=True)
        section = await partners_report.section(ctx)  # what the funders' page reuses
    assert section is not None and section.heading.startswith("Relations between organisations")
    assert "Apuyhdistys – Kaupunki: trust 3.5, value 3.0 (n = 4)" in "\n".join(section.lines)
    monkeypatch.setenv("YHDESSA_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("YHDESSA_ANONYMITY_THRESHOLD", "3")
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "report.html"
    assert await asyncio.to_thread(main, ["report", "--html", str(target), "--lang", "fi"]) == 0
    page = target.read_text(encoding="utf-8")
    assert "<h2>Kumppanuudet — kierros #" in page and "Apuyhdistys – Kaupunki: luottamus 3,5" in page
    assert re.search(r'<img src="data:image/png;base64,[^"]+" alt="Kumppanuuskartta', page)
    assert "Yritys Oy –" not in page and "– Yritys Oy" not in page


async def test_an_anonymous_round_reports_organisations_but_no_pairs(finnish: Core) -> None:
    """Launched --anonymous, no answer keeps its member, so no rater's organisation is known."""
    console = Console(finnish)
    await setup(console)
    for name in ("fay", "gus"):
        await console.command(name, "help")
        await console.command(name, 'members set me organisation="Apuyhdistys"')
    out = await console.command("alice", "reflect start partners --anonymous")
    round_id = next(int(m.prompt_ref.split(":")[0]) for m in out if isinstance(m, Prompt))
    for name in ("cai", "dan", "eve", "fay", "gus"):
        await console.say(name, "Kaupunki")
        for answer in ("3", "-", "3", "3", "3", "2", "2", "2"):
            await console.say(name, answer)
    await console.command("alice", f"reflect close {round_id}")
    text = text_of(report_of(await console.command("alice", "report partners")))
    assert "Kaupunki: luottamus 3,0, arvo 2,0 (n = 5)" in text
    assert "arvioijan organisaatiota ei tiedetä" in text and " – " not in text.split("Organisaatioparit")[1].split("Mittarista")[0]
