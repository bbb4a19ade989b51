"""The journey's cards on Teams, parsed by Microsoft's `adaptivecards` library in every language:
the member's `stage` card (the step, what it asks, their open practices, buttons), the move
announcement, `stage next` asking for confirmation, the intro DM with its buttons, the journal
and the U picture's chart card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adapters.teams import cards
from adapters.teams.charts import ChartLinks
from bot.app import build_core
from flows.definition import LANGUAGES
from flows.messages import Chart, Notice
from tests.conftest import Console, make_settings
from tests.teams.test_card_validity import check


async def test_journey_cards_are_valid_and_small(sqlite_url: str, tmp_path: Path) -> None:
    core = await build_core(make_settings(sqlite_url, tmp_path))
    links = ChartLinks(lambda: "https://yhdessa.example.org", 3600)
    named: dict[str, dict[str, Any]] = {}
    try:
        console = Console(core)
        for i, name in enumerate(("alice", "bob", "cara", "dan")):
            await console.command(name, f"members set me sector={('public', 'private', 'third')[i % 3]} organisation=Org{i}")
        for _ in range(3):
            await console.command("alice", "stage next confirm")
        await console.command("alice", "intro start")
        await console.command("alice", "stage next confirm")
        for lang in LANGUAGES:
            for who in ("alice", "bob"):
                await console.command(who, f"lang {lang}")
            for who, command in (("bob", "stage"), ("alice", "stage next"), ("alice", "stage set 3"), ("bob", "journal"), ("alice", "journey"), ("alice", "intro start")):
                for index, message in enumerate(await console.command(who, command)):
                    key = f"{lang}:{command}:{index}"
                    if isinstance(message, Chart):
                        named[key] = cards.chart_card(message, links.url)
                    elif isinstance(message, Notice) and message.actions:
                        named[key] = cards.notice_card(message)
    finally:
        await core.close()
    assert sum(":stage:" in n for n in named) == 3 and sum(":journey:" in n for n in named) == 3
    assert any(":intro start:" in n for n in named)
    problems = {name: found for name, found in check(named).items() if found}
    assert problems == {}
    assert max(cards.size(c) for c in named.values()) < cards.MAX_CARD_BYTES
