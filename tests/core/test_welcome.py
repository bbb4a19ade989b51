"""A member's first message anywhere gets the welcome, once; `help` is short; a mistyped verb gets
the nearest one; `rounds` makes round numbers findable."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from bot.app import Core, build_core
from bot.settings import load_settings
from flows.messages import Notice
from tests.conftest import Console


@pytest_asyncio.fixture
async def finnish(db_url: str, tmp_path) -> AsyncIterator[Console]:  # type: ignore[no-untyped-def]
    core = await build_core(load_settings(database_url=db_url, language="fi", chart_dir=str(tmp_path / "charts")))
    yield Console(core)
    await core.close()


def welcomes(out: list) -> list[Notice]:  # type: ignore[type-arg]
    return [m for m in out if isinstance(m, Notice) and [c for _, c in m.actions] == ["checkin", "my-data", "help"]]


def texts(out: list) -> str:  # type: ignore[type-arg]
    return "\n".join(getattr(m, "text", "") for m in out)


async def test_first_message_gets_the_welcome_once_in_the_members_language(finnish: Console) -> None:
    [welcome] = welcomes(await finnish.say("alice", "moi"))
    assert welcome.text.startswith("Tervetuloa verkostoon")
    assert "muutaman minuutin" in welcome.text and "koordinaattorit näkevät" in welcome.text and "alle 5 hengen" in welcome.text
    assert [label for label, _ in welcome.actions] == ["Kuulumiset", "Omat tietoni", "Ohje"]
    assert not welcomes(await finnish.say("alice", "moi taas"))
    assert not welcomes(await finnish.command("alice", "help"))
    # A member the bot met by inviting them (a round) is welcomed when they first write.
    await finnish.command("alice", "members set console:local:bob sector=public")
    [welcome] = welcomes(await finnish.command("bob", "journey"))
    assert "Tervetuloa" in welcome.text
    # A refused first command still welcomes (the refusal turn keeps the welcome).
    out = await finnish.command("carol", "pulse start")
    assert welcomes(out) and "Vain verkoston koordinaattorit" in texts(out)
    assert not welcomes(await finnish.command("carol", "help"))


async def test_unknown_verb_suggests_the_nearest_in_the_members_language(finnish: Console) -> None:
    await finnish.command("alice", "help")
    assert "Tarkoititko checkin?" in texts(await finnish.command("alice", "chekin"))
    assert "Tarkoititko rounds?" in texts(await finnish.command("alice", "rouns"))
    await finnish.command("alice", "lang en")
    assert "did you mean action?" in texts(await finnish.command("alice", "actoin"))
    assert "did you mean" not in texts(await finnish.command("alice", "xyzzy"))


async def test_help_is_five_lines_for_members_and_help_all_has_the_actions_grammar(console: Console) -> None:
    await console.command("alice", "help")
    [_, short] = [m for m in await console.command("bob", "help") if isinstance(m, Notice)]
    things = [line for line in short.text.splitlines() if line.startswith("  ")]
    assert len(things) == 5 and any("action add" in line for line in things) and any("rounds" in line for line in things)
    everything = texts(await console.command("bob", "help all"))
    assert "action done N" in everything and "rounds [open|closed|all]" in everything and "report actions" in everything


async def test_rounds_lists_numbers_dates_audience_and_rate_for_who_may_see_them(core: Core, console: Console) -> None:
    for name in ("alice", "bob", "carol"):
        await console.command(name, "help")
    assert "no rounds yet" in texts(await console.command("bob", "rounds"))
    await console.command("alice", "pulse start network")
    await console.command("alice", "reflect start checkin network")
    await console.command("alice", "reflect close")
    listing = texts(await console.command("bob", "rounds"))
    assert "2 rounds, newest first" in listing and "#2 Check-in" in listing and "#1 Network pulse" in listing
    assert "3 invited, 0% answered" in listing and "anonymous" in listing and "/yhdessa report 2" in listing
    assert "1 open round:" in texts(await console.command("bob", "rounds open"))
    assert "#2" not in texts(await console.command("bob", "rounds --flow pulse"))
    assert "isn't something" not in texts(await console.command("bob", "rounds closed"))
    assert "'soon' is not something rounds knows" in texts(await console.command("bob", "rounds soon"))
    assert "no flow called 'dance'" in texts(await console.command("bob", "rounds --flow dance"))
    # A member who joined later was not invited to a channel's round, and does not see it.
    await console.command("alice", "reflect start checkin #secret")
    assert "#3" not in texts(await console.command("dave", "rounds"))
    assert "#3" in texts(await console.command("alice", "rounds"))


async def test_a_round_too_small_to_report_says_so_at_launch(console: Console) -> None:
    await console.command("alice", "help")
    out = texts(await console.command("alice", "pulse start network"))
    assert "only 1 member is invited" in out and "can never be shown" in out
