"""The charter's and the vision's cards on Teams, parsed by Microsoft's `adaptivecards` library in
every language: the options in full (a report card), the ballot (a multi-select ChoiceSet), the
member's `stage` card with the kept rules and the chosen vision, and the vote's result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adapters.teams import cards
from adapters.teams.charts import ChartLinks
from bot.app import build_core
from flows.definition import LANGUAGES
from flows.messages import Notice, Prompt, Report
from tests.conftest import Console, make_settings
from tests.teams.test_card_validity import check

PEOPLE = ("alice", "bob", "cara")


async def test_charter_and_vision_cards_are_valid_and_small(sqlite_url: str, tmp_path: Path) -> None:
    core = await build_core(make_settings(sqlite_url, tmp_path))
    links = ChartLinks(lambda: "https://yhdessa.example.org", 3600)
    named: dict[str, dict[str, Any]] = {}
    try:
        console = Console(core)
        for who in PEOPLE:
            await console.command(who, "help")
        await console.command("alice", "stage set 6 confirm")
        for lang in LANGUAGES:
            for who in PEOPLE:
                await console.command(who, f"lang {lang}")
            texts = lambda key, **values: core.catalog.t(lang, key, **values)  # noqa: E731
            await console.command("bob", f'charter propose "Kuuntelemme loppuun – we listen to the end ({lang})"')
            await console.command("cara", f'charter propose "Every sector speaks before we decide, <b>all</b> of them & more ({lang})"')
            await console.command("bob", f'vision draft "One contact is enough for every client ({lang})"')
            await console.command("cara", f'vision draft "The city & the firms plan services together ({lang})"')
            steps = [("alice", "charter vote"), ("bob", "1 2"), ("alice", "charter vote close"), ("alice", "vision vote"), ("bob", "1"), ("alice", "vision vote close"), ("bob", "stage")]
            for who, command in steps:
                out = await (console.say(who, command) if command[0].isdigit() else console.command(who, command))
                if core.config.after_commit is not None:
                    await core.config.after_commit.wait()
                for index, message in enumerate(out):
                    key = f"{lang}:{command}:{index}"
                    if isinstance(message, Prompt):
                        named[key] = cards.prompt_card(message, texts)
                    elif isinstance(message, Report):
                        named[key] = cards.report_card(message, links.url)
                    elif isinstance(message, Notice):
                        named[key] = cards.notice_card(message)
    finally:
        await core.close()
    ballots = [c for n, c in named.items() if ":charter vote:" in n and any(i.get("type") == "Input.ChoiceSet" for i in _items(c))]
    assert len(ballots) == 3 * len(PEOPLE)  # each member, each language
    assert all(next(i for i in _items(c) if i.get("type") == "Input.ChoiceSet")["isMultiSelect"] for c in ballots)
    stage = [c for n, c in named.items() if n.endswith(":stage:0")]
    assert len(stage) == 3 and all("we listen to the end" in str(c) for c in stage)
    problems = {name: found for name, found in check(named).items() if found}
    assert problems == {}
    assert max(cards.size(c) for c in named.values()) < cards.MAX_CARD_BYTES


def _items(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every element of a card, containers opened."""
    found: list[dict[str, Any]] = []
    for item in card.get("body", []):
        found.append(item)
        for inner in item.get("items", []) + [i for col in item.get("columns", []) for i in col.get("items", [])]:
            found.append(inner)
    return found
