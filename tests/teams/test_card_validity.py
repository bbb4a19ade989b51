"""Every Adaptive Card the bot can send, parsed by Microsoft's `adaptivecards` library as a 1.5 host
(Teams) would: no parse event and no validation event, in fi, sv and en; and each card well under
the size Teams accepts.

The cards are the real ones: prompts of every step kind from the built-in flows, the answered card,
the help card, and the report cards of a demo network (round, breakdown, trends, network map, factors, outcomes)
as the evaluation code produces them, rendered by the Teams transport's own functions.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any


from adapters.teams import cards
from adapters.teams.charts import ChartLinks
from bot.app import build_core
from bot.demo import fill_demo
from flows.definition import LANGUAGES
from flows.i18n import Catalog
from flows.messages import Audience, Notice, Option, Prompt, PromptClosed, Report
from flows import repeats
from flows.registry import FlowRegistry
from flows.turn import Turn, render_prompt
from flows.welcome import welcome
from storage.models import Member, Network
from tests.conftest import Console, make_settings, member
from tests.teams.node import node_or_skip, npm_install

FOLDER = Path(__file__).parent / "js"
BOB = Audience.member("teams:tenant:aad-bob")


class _Member:
    def __init__(self, key: str, name: str) -> None:
        self.key, self.display_name, self.id = key, name, hash(key)


def _node() -> str:
    node = node_or_skip()
    npm_install(FOLDER)
    return node


def check(named: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Each card's problems as Microsoft's library reports them."""
    result = subprocess.run([_node(), str(FOLDER / "check_cards.js")], input=json.dumps(named), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def prompt_cards(catalog: Catalog) -> dict[str, dict[str, Any]]:
    """One card per step kind (required and optional), per language, from the built-in flows."""
    flows = FlowRegistry.load(None)
    people = [_Member(f"teams:tenant:aad-{n}", n.capitalize()) for n in ("anna", "eino", "dora")]
    found: dict[str, dict[str, Any]] = {}
    for lang in LANGUAGES:
        texts = lambda key, **values: catalog.t(lang, key, **values)  # noqa: E731
        for flow in (flows[i] for i in flows.ids()):
            if repeats.asks_organisations(flow):
                # A member's own copy: the network's organisations (a comma in a name: Teams joins
                # a multi-select's values with commas) and the questions about two of them.
                names = ["Oulun kaupunki", "Sosiaali- ja terveyspalvelut, Oulu", "Yhdistys ry"]
                listed = repeats.with_organisations(flow, names)
                flow = repeats.after_choosing(flow, listed.steps[0], names[1:])
            for step in flow.steps:
                name = f"{lang}:{step.kind}:{'required' if step.required else 'optional'}"
                if name in found:
                    continue
                prompt = render_prompt(catalog, flow, step, 1, BOB, lang, flow.anonymous, people)  # type: ignore[arg-type]
                found[name] = cards.prompt_card(prompt, texts)
        # No built-in flow asks a single or multiple choice; a coordinator's own flow may.
        ui = next(c for n, c in found.items() if n.startswith(f"{lang}:scale"))
        submit = ui["actions"][0]["title"]
        for kind, many in (("single", 3), ("multi", 8)):
            options = tuple(Option(str(i), f"{catalog.t(lang, 'yes')} {i}") for i in range(many))
            for required in (True, False):
                prompt = Prompt(BOB, "1:c", kind, "?", "Flow", lang, options, max_choices=2 if kind == "multi" else None, required=required,
                                ui={"submit": submit, "skip": catalog.t(lang, "ui_skip")})
                found[f"{lang}:{kind}:{'required' if required else 'optional'}"] = cards.prompt_card(prompt, texts)
        found[f"{lang}:answered"] = cards.closed_card(PromptClosed(BOB, "1:a", "c|1", catalog.t(lang, "answered_value", value="4"), lang, "How are you?"))
    return found


def test_the_library_finds_the_problems_it_is_asked_to_find() -> None:
    """The check can fail: yesterday's people picker and an unlabelled required input are caught."""
    bad = {
        "type": "AdaptiveCard", "version": "1.5",
        "body": [
            {"type": "Input.Text", "id": "answer", "isRequired": True},
            {"type": "Input.ChoiceSet", "id": "people", "choices": [], "choices.data": {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}},
        ],
    }
    [problems] = check({"bad": bad}).values()
    assert any("choices.data" in p and "1.6" in p for p in problems)
    assert any("RequiredInputsShouldHaveLabel" in p for p in problems)
    assert any("RequiredInputsShouldHaveErrorMessage" in p for p in problems)


def test_every_prompt_and_answered_card_is_valid_in_every_language() -> None:
    catalog = Catalog.load()
    named = prompt_cards(catalog)
    kinds = {name.split(":")[1] for name in named}
    assert kinds >= {"scale", "single", "multi", "text", "members", "organisations", "answered"}
    assert {name.split(":")[0] for name in named} == set(LANGUAGES)
    problems = {name: found for name, found in check(named).items() if found}
    assert problems == {}
    assert max(cards.size(c) for c in named.values()) < cards.MAX_CARD_BYTES


async def test_help_and_report_cards_are_valid_and_small(sqlite_url: str, tmp_path: Path) -> None:
    """Help (member and coordinator) and every report kind of a demo network, in each language."""
    core = await build_core(make_settings(sqlite_url, tmp_path))
    links = ChartLinks(lambda: "https://yhdessa.example.org", 3600)
    named: dict[str, dict[str, Any]] = {}
    try:
        await fill_demo(core, member("alice"))
        console = Console(core)
        await console.command("alice", '/yhdessa action add "Kartoita palvelupolku – åtgärd – the service path" --due 2w')
        await console.command("bob", "/yhdessa help")  # someone to offer a role to
        for lang in LANGUAGES:
            await console.command("alice", f"/yhdessa lang {lang}")
            named[f"{lang}:welcome"] = cards.notice_card(welcome(Turn(None, core.config, Network(key="teams:t", name="Verkosto"), Member(key=BOB.key, language=lang))))  # type: ignore[arg-type]
            commands = ("help", "report", "report trends", "report network", "report 1 --by sector", "report actions", "report summary", "report factors", "report outcomes", "checkin start network",
                        "report levels", "report journey", f"phase set {LANGUAGES.index(lang) + 2}", f'role add "Pitää kalenteria – {lang}" --owner @bob')
            for command in commands:
                for index, message in enumerate(await console.command("alice", f"/yhdessa {command}")):
                    name = f"{lang}:{command}:{index}"
                    if isinstance(message, Report):
                        named[name] = cards.report_card(message, links.url)
                    elif isinstance(message, Notice) and message.actions:
                        named[name] = cards.notice_card(message)
    finally:
        await core.close()
    assert sum(":help:" in n for n in named) == 3
    assert sum(":welcome" in n for n in named) == 3 and sum(":checkin start network:" in n for n in named) >= 3  # the action reviews
    assert sum("report trends" in n for n in named) == 3 and sum("report network" in n for n in named) == 3
    assert sum("report factors" in n for n in named) == 3 and sum("report outcomes" in n for n in named) == 3
    # The factors chart and the three outcome charts, in every language, are in their cards.
    assert all(sum(item.get("type") == "Image" for item in named[f"{lang}:report outcomes:0"]["body"]) == 3 for lang in LANGUAGES)
    assert all(any(item.get("type") == "Image" for item in named[f"{lang}:report factors:0"]["body"]) for lang in LANGUAGES)
    assert sum("report levels" in n for n in named) == 3 and sum("report journey" in n for n in named) == 3
    assert sum(":phase set" in n for n in named) >= 3 and sum(":role add" in n for n in named) == 3  # the announcement, the offer
    charts = sum(1 for card in named.values() for item in card["body"] if item.get("type") == "Image")
    assert charts >= 9  # every chart of every report is in its card, by URL
    problems = {name: found for name, found in check(named).items() if found}
    assert problems == {}
    sizes = {name: cards.size(card) for name, card in named.items()}
    assert max(sizes.values()) < cards.MAX_CARD_BYTES, sizes
