"""What a Teams user notices: the network's name, one welcome, counts that read right, the key a
coordinator needs, and texts that keep their lines and placeholders."""

from __future__ import annotations

import json
import logging

import pytest

from adapters.teams import markdown
from bot.app import Core
from flows.i18n import Catalog, plural_form
from tests.teams.fake_connector import FakeConnector
from tests.teams.test_teams_http import drain, teams_core  # noqa: F401  (the fixture)
from tests.teams.wire import TENANT, live_bot, member_key, personal_conversation, personal_install, personal_message, team_install, user


def _texts(connector: FakeConnector, conversation: str) -> list[str]:
    # A message with command buttons (the welcome) is a card: its text is in the card.
    return [(c.text or "") + (json.dumps(c.card, ensure_ascii=False) if c.card else "") for c in connector.delivered("send", conversation)]


async def test_a_member_is_welcomed_once_to_the_team_not_a_guid(teams_core: Core, connector: FakeConnector) -> None:  # noqa: F811
    team = "19:team@thread.tacv2"
    connector.roster[team] = [user("dora")]
    async with live_bot(teams_core) as bot:
        assert await bot.post(team_install(connector.url, "coco")) == 202
        assert await bot.post(team_install(connector.url, "coco")) == 202  # reinstalled
        assert await bot.post(personal_install(connector.url, "alice")) == 202
        assert await bot.post(personal_install(connector.url, "alice")) == 202  # the app re-added
        await drain(teams_core)
    dora = [t for t in _texts(connector, f"a:chat-{user('dora')['id']}") if "Welcome" in t]
    alice = [t for t in _texts(connector, personal_conversation("alice")) if "Welcome" in t]
    assert len(dora) == 1 and len(alice) == 1, (dora, alice)
    assert "Network" in dora[0]  # the team's display name (wire.team_install names it "Network")
    assert TENANT not in dora[0] and TENANT not in alice[0]


async def test_outside_a_team_the_network_is_unnamed_until_a_team_names_it(teams_core: Core, connector: FakeConnector) -> None:  # noqa: F811
    """Installed in a personal chat first, Teams gives no name: the welcome says "the network", not
    the tenant's GUID nor "Welcome to Microsoft Teams!"; the first team the bot joins names it."""
    team = "19:team@thread.tacv2"
    connector.roster[team] = [user("dora")]
    async with live_bot(teams_core) as bot:
        assert await bot.post(personal_install(connector.url, "alice")) == 202
        assert await bot.post(personal_message(connector.url, "coco", "network show")) == 202
        await drain(teams_core)
        before = _texts(connector, personal_conversation("coco"))[-1]
        assert await bot.post(team_install(connector.url, "coco")) == 202
        assert await bot.post(personal_message(connector.url, "coco", "network show")) == 202
        await drain(teams_core)
    [alice] = [t for t in _texts(connector, personal_conversation("alice")) if "Welcome" in t]
    [dora] = [t for t in _texts(connector, f"a:chat-{user('dora')['id']}") if "Welcome" in t]
    assert "Welcome to the network!" in alice and "Microsoft Teams" not in alice and TENANT not in alice
    assert "Welcome to Network!" in dora
    assert "without a name yet" in before and TENANT not in before
    assert "Network Network:" in _texts(connector, personal_conversation("coco"))[-1]


async def test_members_list_shows_the_key_and_first_contact_is_logged(teams_core: Core, connector: FakeConnector, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    with caplog.at_level(logging.INFO, logger="adapters.teams.references"):
        async with live_bot(teams_core) as bot:
            assert await bot.post(personal_message(connector.url, "alice", "help")) == 202
            assert await bot.post(personal_message(connector.url, "alice", "journey")) == 202
            assert await bot.post(personal_message(connector.url, "coco", "members list")) == 202
            await drain(teams_core)
    lines = [r.getMessage() for r in caplog.records if member_key("alice") in r.getMessage()]
    assert len(lines) == 1 and f"yhdessa members grant {member_key('alice')}" in lines[0]
    listing = next(t for t in _texts(connector, personal_conversation("coco")) if "Members" in t)
    assert member_key("alice") in listing


async def test_one_member_invited_reads_as_one(teams_core: Core, connector: FakeConnector) -> None:  # noqa: F811
    async with live_bot(teams_core) as bot:
        assert await bot.post(personal_message(connector.url, "coco", "pulse start")) == 202
        await drain(teams_core)
    opened = [t for t in _texts(connector, personal_conversation("coco")) if "invited" in t]
    assert opened and "1 member invited" in opened[0] and "1 members" not in opened[0]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_plural_forms_in_every_language(lang: str) -> None:
    catalog = Catalog.load()
    values = dict(id=1, title="T", anonymous="-", closes="-")
    one = catalog.t(lang, "round_opened", count=1, invited=1, **values)
    many = catalog.t(lang, "round_opened", count=3, invited=3, **values)
    assert "1" in one and "3" in many and one.replace("1", "") != many.replace("3", "")
    assert [plural_form(lang, n) for n in (0, 1, 2, 21, 1.5)] == ["other", "one", "other", "other", "other"]


def test_long_texts_keep_their_lines_and_placeholders_on_teams() -> None:
    text = Catalog.load().t("en", "help_coordinator")
    shown = markdown.message_text(text)
    assert "\n\n" in shown and "\n- reflect start &lt;flow&gt;" in shown
    assert "<flow>" not in shown  # Teams would take it for an HTML tag and drop it
    assert "- reflect start ‹flow›" in markdown.card_text(text)  # cards show entities as written
