"""A check-in with free text closes over Teams: the themes arrive as a multi-select card, the votes
come back as card submits, and the digest card (FactSet, themes, response, chart) reaches every
member asked and passes Microsoft's adaptivecards checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from adapters.teams import cards
from adapters.teams.charts import ChartLinks
from adapters.teams.digest_card import digest_card
from bot.app import Core, build_core
from bot.dispatcher import Dispatcher
from flows.definition import LANGUAGES
from flows.events import MemberAnswered, MemberRef, NetworkRef
from flows.messages import Audience, Chart, Digest, ReportSection
from tests.conftest import make_settings
from tests.teams.fake_connector import FakeConnector
from tests.teams.test_card_validity import check
from tests.teams.wire import TENANT, card_submit, live_bot, member_key, personal_conversation, personal_install, personal_message

PEOPLE = ("alice", "bob", "coco")
FOCUS = {"alice": "Evaluating the experiment", "bob": "The experiment results", "coco": "Sharing the experiment"}

import pytest as _pytest

from bot.evaluation import themes as _themes


@_pytest.fixture(autouse=True, scope="module")
def _english_dictionary_loaded() -> None:
    """The English dictionary loads in a fraction of a second; loaded, themes are found in the turn."""
    _themes.warm(("en",))



@pytest_asyncio.fixture
async def teams3(db_url: str, tmp_path: Path) -> AsyncIterator[Core]:
    core = await build_core(make_settings(db_url, tmp_path, coordinators=member_key("coco"), anonymity_threshold=3))
    yield core
    await core.close()


async def drain(core: Core) -> int:
    return await Dispatcher(core.db, {"teams": core.transports["teams"]}).drain()


async def _activity_id(connector: FakeConnector, call) -> str:  # type: ignore[no-untyped-def]
    successful = [c for c in connector.calls if c.status < 300 and c.kind in ("send", "reply", "create")]
    return f"act-{successful.index(call) + 1}"


async def test_round_closes_members_vote_on_cards_and_get_the_digest_card(teams3: Core, connector: FakeConnector) -> None:
    core = teams3
    network = NetworkRef("teams", TENANT)
    async with live_bot(core) as bot:
        for name in PEOPLE:
            assert await bot.post(personal_install(connector.url, name)) == 202
        assert await bot.post(personal_message(connector.url, "coco", "checkin start")) == 202
        await drain(core)
        for name in PEOPLE:
            who = MemberRef("teams", TENANT, f"aad-{name}")
            for step, value in (("mood", "4"), ("focus", FOCUS[name]), ("need", "-")):
                await core.engine.handle(MemberAnswered(network, who, f"1:{step}", value, f"k-{name}-{step}"))
        assert await bot.post(personal_message(connector.url, "coco", "reflect close 1")) == 202
        assert await bot.post(personal_message(connector.url, "coco", "reflect themes 1 --votes 2")) == 202
        await drain(core)
        ballots = {}
        for name in PEOPLE:
            call = next(c for c in connector.cards(personal_conversation(name)) if c.card and (c.card.get("actions") or [{}])[0].get("data", {}).get("yhdessa_prompt") == "themes:1")  # type: ignore[index]
            choice = next(i for i in call.card["body"] if i.get("id") == "answer")  # type: ignore[index]
            assert choice["type"] == "Input.ChoiceSet" and choice["isMultiSelect"] is True
            ballots[name] = call.card
            data = {**call.card["actions"][0]["data"], "answer": choice["choices"][0]["value"]}  # type: ignore[index]
            assert await bot.post(card_submit(connector.url, name, await _activity_id(connector, call), data)) == 202
        assert await bot.post(personal_message(connector.url, "coco", 'reflect publish 1 "Thank you, we will act on it."')) == 202
        await drain(core)
    for name in PEOPLE:
        digests = [c.card for c in connector.cards(personal_conversation(name)) if c.card and "What we heard" in c.card["body"][0]["text"]]
        assert len(digests) == 1, name
        body = digests[0]["body"]
        assert any(b["type"] == "FactSet" for b in body) and any(b["type"] == "Image" for b in body)
        text = str(body)
        assert "3 of 3" in text and "3 votes" in text and "we will act on it" in text
    assert {n: p for n, p in check({"digest": digests[0], **ballots}).items() if p} == {}


def test_digest_cards_are_valid_in_every_language() -> None:
    links = ChartLinks(lambda: "https://yhdessa.example.org", 3600)
    named = {}
    for lang in LANGUAGES:
        chart = Chart(Audience.member("teams:t:u"), b"\x89PNG", "alt text", "Chart", "c.png", lang)
        sections = (ReportSection("Mikä on tärkeintä", ("1. kokeilu — 5 ääntä", "2. aika — 3 ääntä")), ReportSection("Q", ()))
        digest = Digest(Audience.member("teams:t:u"), "Mitä kuulimme", "5/7", (("Luottamus", "keskiarvo 3,9/5"),), sections, "Vastaus", "Kiitos *kaikille*", "Nimettömiä.", chart, lang)
        named[lang] = digest_card(digest, links.url)
        named[f"{lang}:bare"] = digest_card(Digest(Audience.member("teams:t:u"), "T", "0/3", language=lang), links.url)
    assert {n: p for n, p in check(named).items() if p} == {}
    assert max(cards.size(c) for c in named.values()) < cards.MAX_CARD_BYTES
