"""Every kind of message the engine can send, as the Teams transport renders it, in fi, sv and en:
each card passes Microsoft's `adaptivecards` check (schema 1.5, validateProperties, no event at
all) and stays under the size Teams accepts; each plain message is one the Bot Connector takes.

The messages are the real ones, from one network's life driven through the engine: welcome, help
and `help all`, a check-in answered, the digest held (publish/themes buttons), the themes ballot
(a multi-select), the digest published, actions (the owner's notice, the action review buttons at
the next check-in), a prototype's check-in, intros, the journey (`stage`, `stage next`, journal),
reports, the rounds listing and the facts; and the reports that need months of history (trends, the network map, the
text summary) from the demo network. They are taken both from what each turn returns and
from the outbox (where delayed ones such as a prototype's check-in wait).

So that a kind added later cannot slip past, the test also reads the source: every module of
flows/ and bot/ that builds a card (a Prompt, Report, Digest, Chart, or a Notice with buttons)
must have built one in the scenario; a new one fails here until the scenario sends it.
"""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from adapters.teams import cards
from adapters.teams.charts import ChartLinks
from adapters.teams.transport import TeamsTransport
from bot.app import build_core
from bot.demo import fill_demo
from bot.evaluation import themes
from flows import messages
from flows.messages import Chart, Digest, Notice, Outbound, Prompt, Report, from_json
from storage.models import OutboxMessage
from tests.conftest import Console, make_settings, member
from tests.evaluation.llm_server import fake_llm
from tests.teams.fake_connector import MAX_BODY_BYTES, refusal
from tests.teams.test_card_validity import check

ROOT = Path(__file__).resolve().parents[2]
CARD_CLASSES: tuple[type, ...] = (Prompt, Report, Digest, Chart, Notice)
PEOPLE = ("alice", "bob", "cara", "dan")
SYNTHESIS = {"themes": [{"theme": "Yhteinen palvelupolku", "count": 4}], "tensions": ["Aika – tid – time"], "situational_picture": "Verkosto rakentaa."}
TEXT = {
    "fi": ("Palvelupolun kokeilu kaupungin kanssa", "Aikaa suunnitella yhdessä"),
    "sv": ("Försöket med servicevägen i staden", "Tid att planera tillsammans"),
    "en": ("The service path experiment with the city", "Time to plan together"),
}


def _builds_a_card(call: ast.Call) -> bool:
    name = call.func.id if isinstance(call.func, ast.Name) else call.func.attr if isinstance(call.func, ast.Attribute) else ""
    if name in ("Prompt", "Report", "Digest", "Chart"):
        return True
    if name == "Notice":  # a Notice is a card only with buttons (its fourth argument, `actions`)
        given = call.args[3] if len(call.args) > 3 else next((k.value for k in call.keywords if k.arg == "actions"), None)
        return given is not None and not (isinstance(given, ast.Tuple) and not given.elts)
    return False


def card_builders() -> set[str]:
    """The modules of flows/ and bot/ that construct a card-bearing message."""
    found = set()
    for folder in ("flows", "bot"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "messages.py" and path.parent.name == "flows":
                continue  # from_json rebuilds stored messages; it makes no new kind
            if path.name.startswith("funders"):
                continue  # the report for partners is an HTML page and a PDF, never sent to a chat
            tree = ast.parse(path.read_text(encoding="utf-8"))
            if any(isinstance(node, ast.Call) and _builds_a_card(node) for node in ast.walk(tree)):
                found.add(str(path.relative_to(ROOT)))
    return found


@pytest.fixture
def builders_seen(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The modules that construct a card-bearing message while the test runs."""
    seen: set[str] = set()
    for cls in CARD_CLASSES:
        original: Callable[..., None] = cls.__init__  # type: ignore[misc]

        def recording(self: Any, *args: Any, __original: Callable[..., None] = original, **kwargs: Any) -> None:
            __original(self, *args, **kwargs)
            if isinstance(self, Notice) and not self.actions:
                return
            caller = Path(sys._getframe(1).f_code.co_filename).resolve()
            if caller.is_relative_to(ROOT) and caller != Path(messages.__file__).resolve():
                seen.add(str(caller.relative_to(ROOT)))

        monkeypatch.setattr(cls, "__init__", recording)
    return seen


@pytest.fixture(autouse=True, scope="module")
def _dictionaries_loaded() -> None:
    themes.warm(("fi", "sv", "en"))


async def _network_life(console: Console, lang: str) -> list[Outbound]:
    """One network's life through the engine, everything it sends in the order sent."""
    sent: list[Outbound] = []

    async def run(who: str, text: str, answer: bool = False) -> None:
        sent.extend(await (console.say(who, text) if answer else console.command(who, f"/yhdessa {text}")))

    for i, who in enumerate(PEOPLE):
        sent.extend(await console.say(who, "moi"))  # first contact: the welcome
        await run(who, f"lang {lang}")
        await run(who, f"members set me sector={('public', 'private', 'third')[i % 3]} organisation=Org{i}")
    for command in ("help", "help all"):
        await run("alice", command)
        await run("bob", command)
    await run("alice", "checkin start network")
    for who in PEOPLE:
        for value in ("4", *TEXT[lang]):
            await run(who, value, answer=True)
    await run("alice", "reflect close 1")
    await run("alice", "reflect themes 1 --votes 2")
    ballot = next(m for m in sent if isinstance(m, Prompt) and m.prompt_ref.startswith("themes:"))
    for who in PEOPLE:
        sent.extend(await console.answer(who, ballot.prompt_ref, [ballot.options[0].value]))
    await run("alice", 'reflect publish 1 "Kiitos – tack – thank you: we start with the first theme."')
    await run("alice", 'action add "Kartoita palvelupolku – kartlägg – map the path" --owner bob --due 2w --round 1')
    await run("alice", "checkin start network")  # bob's open action is asked about, with buttons
    await run("alice", 'prototype add "Yhteinen asiakaspolku" test="Kokeillaan kahdessa kunnassa" owner=bob')
    await run("alice", "intro start")
    for who, command in (("bob", "stage"), ("alice", "stage next"), ("alice", "stage next confirm"), ("bob", "journal"), ("alice", "journey")):
        await run(who, command)
    await run("alice", 'fact add "Kunnat: 12 – kommuner – municipalities"')
    await run("alice", "phase set 2")  # the continuum's announcement to everyone
    await run("alice", 'role add "Kokoaa asialistan – dagordning – the agenda" --owner bob')
    await run("bob", "role list")
    for who, rule in (("alice", "Kuuntelemme loppuun – vi lyssnar – we listen"), ("bob", "Puhumme omasta puolestamme – vi talar för oss själva – we speak for ourselves")):
        await run(who, f'charter propose "{rule}"')
    await run("alice", "charter vote")
    ballot = next(m for m in reversed(sent) if isinstance(m, Prompt) and m.prompt_ref.startswith("decide:"))
    for who in PEOPLE:
        sent.extend(await console.answer(who, ballot.prompt_ref, [ballot.options[0].value]))
    await run("alice", "charter vote close")
    for command in ("fact list", "rounds", "report", "report 1 --by sector", "report trends", "report network", "report actions", "report summary", "members list", "my-data"):
        await run("alice", command)
    return sent


async def _reports_with_history(url: str, tmp_path: Path, lang: str) -> list[Outbound]:
    """The reports that need months of history and ties between members: the demo network's; and
    a language model's synthesis of free text, which follows the report as a card of its own."""
    async with fake_llm(content=SYNTHESIS) as llm:
        core = await build_core(make_settings(url, tmp_path, openai_base_url=llm.url, openai_api_key="k", llm_timeout=5))
        try:
            await fill_demo(core, member("alice"))
            console = Console(core)
            sent = await console.command("alice", f"/yhdessa lang {lang}")
            for command in ("report trends", "report network", "report summary", "report 1 --by sector", "report 20", "report levels", "report journey", "report factors", "report outcomes", "report partners"):
                sent.extend(await console.command("alice", f"/yhdessa {command}"))
            await core.config.after_commit.wait()
            return [*sent, *await _outbox(console)]
        finally:
            await core.close()


async def _outbox(console: Console) -> list[Outbound]:
    async with console.core.db.transaction() as tx:
        rows = (await tx.execute(select(OutboxMessage.message))).scalars().all()
    return [from_json(json.loads(row) if isinstance(row, str) else row, _Images()) for row in rows]


class _Images(dict):  # type: ignore[type-arg]
    """Stored charts by digest; their bytes do not matter to a card (it carries a URL)."""

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str) -> bytes:
        return b"\x89PNG"


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
async def test_every_card_the_engine_sends_is_valid_on_teams(lang: str, sqlite_url: str, tmp_path: Path, builders_seen: set[str]) -> None:
    core = await build_core(make_settings(sqlite_url, tmp_path, anonymity_threshold=3))
    links = ChartLinks(lambda: "https://yhdessa.example.org", 3600)
    transport = TeamsTransport(None, None, None, core.catalog, None, links)  # type: ignore[arg-type]  # rendering only
    try:
        console = Console(core)
        sent = [*await _network_life(console, lang), *await _outbox(console)]
    finally:
        await core.close()
    sent.extend(await _reports_with_history(sqlite_url.replace(".db", "-demo.db"), tmp_path / "demo", lang))
    named: dict[str, dict[str, Any]] = {}
    plain: dict[str, dict[str, Any]] = {}
    for index, message in enumerate(sent):
        if message.language != lang:
            continue
        body = transport.activity(message).model_dump(by_alias=True, exclude_none=True, mode="json")
        name = f"{lang}:{index}:{type(message).__name__}:{message.text[:40] if isinstance(message, (Notice, Prompt)) else getattr(message, 'title', '')}"
        assert refusal("send", json.dumps(body).encode(), body) is None, (name, body)
        assert len(json.dumps(body, ensure_ascii=False).encode()) < MAX_BODY_BYTES
        if body.get("attachments"):
            named[name] = body["attachments"][0]["content"]
        else:
            plain[name] = body
    # Every kind this test is about was sent, in this language.
    kinds = {type(m).__name__ for m in sent if m.language == lang}
    assert kinds >= {"Prompt", "Notice", "Report", "Digest", "Chart"}, kinds
    prompts = {m.kind for m in sent if isinstance(m, Prompt) and m.language == lang}
    assert prompts >= {"scale", "text", "multi"}, prompts
    commands = {command.split()[0] for m in sent if isinstance(m, Notice) and m.language == lang for _, command in m.actions}
    assert commands >= {"checkin", "reflect", "action", "prototype", "intro", "stage", "help", "my-data"}, commands
    problems = {name: found for name, found in check(named).items() if found}
    assert problems == {}
    sizes = {name: cards.size(card) for name, card in named.items()}
    assert max(sizes.values()) < cards.MAX_CARD_BYTES, max(sizes.items(), key=lambda kv: kv[1])
    # Every module that builds a card built one here: a new kind is added to this scenario.
    missing = card_builders() - builders_seen
    assert missing == set(), f"these modules build cards this test never saw: {sorted(missing)}"
