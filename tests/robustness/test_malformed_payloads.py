"""Signed but malformed Slack requests and Teams activities: 400 and one log line, no member stored."""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from bot.app import Core, build_core
from storage.models import InboundEvent, Member
from tests.conftest import make_settings
from tests.slack.conftest import SlackHarness, fake, payload, sign, slack  # noqa: F401  (fixtures)
from tests.teams.conftest import connector  # noqa: F401  (fixture)
from tests.teams.fake_connector import FakeConnector
from tests.teams.wire import live_bot, personal_message


async def members(core: Core) -> list[str]:
    async with core.db.transaction() as tx:
        return list((await tx.execute(select(Member.key))).scalars().all())


def our_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith(("adapters", "bot", "flows", "storage", "aiohttp"))]


def _interaction(**changes: Any) -> dict[str, Any]:
    data = payload("block_actions_button.json")
    for key, value in changes.items():
        if value is KeyError:
            data.pop(key)
        else:
            data[key] = value
    return data


OPEN_ACTION = {"action_id": "yh_open", "type": "button", "value": json.dumps({"ref": "1:focus", "lang": "en", "max": 1000}), "action_ts": "1.4"}
SLACK_CASES = {
    "junk json in payload": ("form", {"payload": "{not json"}),
    "payload is a list": ("form", {"payload": "[1, 2]"}),
    "no user": ("interaction", _interaction(user=KeyError)),
    "user is text": ("interaction", _interaction(user="UANNA")),
    "user id is a space": ("interaction", _interaction(user={"id": " ", "team_id": "T0TEAM"})),
    "user id has a colon": ("interaction", _interaction(user={"id": "U1:2", "team_id": "T0TEAM"})),
    "no actions": ("interaction", _interaction(actions=KeyError)),
    "actions is text": ("interaction", _interaction(actions="yh_choose")),
    "empty team": ("interaction", _interaction(team={"id": ""}, user={"id": "UANNA"})),
    "value is a number": ("interaction", _interaction(actions=[{"action_id": "yh_choose", "block_id": "yhq|1:x", "type": "button", "value": 4, "action_ts": "1.1"}])),
    "view is null": ("interaction", {**payload("view_submission.json"), "view": None}),
    "modal metadata is junk": ("interaction", {**payload("view_submission.json"), "view": {**payload("view_submission.json")["view"], "private_metadata": "[1"}}),
    "command without user": ("command", {k: v for k, v in payload("slash_command.json").items() if k != "user_id"}),
    "command from a spaced user": ("command", {**payload("slash_command.json"), "user_id": "U 1"}),
    "command with empty team": ("command", {**payload("slash_command.json"), "team_id": ""}),
    "event is text": ("event", {**payload("event_callback.json"), "event": "message"}),
    "message from a spaced user": ("event", {**payload("event_callback.json"), "event": {"type": "message", "channel_type": "im", "user": " ", "text": "4"}}),
    "body is not json": ("raw", "{"),
    "open action without a trigger": ("interaction", _interaction(trigger_id=None, actions=[OPEN_ACTION])),
}


def _body(how: str, data: Any) -> tuple[str, str]:
    if how == "form":
        return urllib.parse.urlencode(data), "application/x-www-form-urlencoded"
    if how == "interaction":
        return urllib.parse.urlencode({"payload": json.dumps(data)}), "application/x-www-form-urlencoded"
    if how == "command":
        return urllib.parse.urlencode(data), "application/x-www-form-urlencoded"
    if how == "event":
        return json.dumps(data), "application/json"
    return data, "application/json"


async def test_signed_malformed_slack_requests_get_400_and_store_nothing(slack: SlackHarness, caplog: pytest.LogCaptureFixture) -> None:
    for case, (how, data) in SLACK_CASES.items():
        body, content_type = _body(how, data)
        caplog.clear()
        started = time.monotonic()
        status, _ = await slack.post(body, content_type)
        assert status == 400, case
        assert time.monotonic() - started < 2, case  # answered at once, not after bolt's wait for an ack
        [line] = our_lines(caplog)
        assert "malformed" in line.getMessage() and line.exc_info is None, case
    assert await members(slack.core) == []
    assert await slack.count(InboundEvent) == 0


async def test_a_text_box_slack_will_not_open_is_one_line_and_no_wait(slack: SlackHarness, fake, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """An expired trigger (the click took longer than Slack's three seconds to reach us): one
    warning, 200 at once; not bolt's three-second wait, 404 and "didn't call ack()"."""
    fake.fail("views.open", status=200, retry_after=None, error="expired_trigger_id")
    body, content_type = _body("interaction", _interaction(actions=[OPEN_ACTION]))
    caplog.clear()
    started = time.monotonic()
    status, _ = await slack.post(body, content_type)
    assert status == 200 and time.monotonic() - started < 2
    await slack.settle()
    lines = [r.getMessage() for r in our_lines(caplog)] + [r.getMessage() for r in caplog.records if "ack()" in r.getMessage()]
    assert lines == ["slack: the text box could not be opened: expired_trigger_id"], lines


async def test_a_timestamp_that_is_not_a_time_gets_401(slack: SlackHarness) -> None:
    body = urllib.parse.urlencode(payload("slash_command.json"))
    for timestamp in ("abc", "²", "1e9", "9" * 4000, "", "-5"):
        headers = {**sign(body), "X-Slack-Request-Timestamp": timestamp}
        status, _ = await slack.post(body, "application/x-www-form-urlencoded", headers, signed=False)
        assert status == 401, timestamp
    assert await members(slack.core) == []


async def test_unsigned_junk_is_401_not_400(slack: SlackHarness) -> None:
    status, _ = await slack.post(urllib.parse.urlencode({"payload": "{not json"}), "application/x-www-form-urlencoded", signed=False)
    assert status == 401


@pytest_asyncio.fixture
async def teams(sqlite_url: str, tmp_path, connector: FakeConnector) -> AsyncIterator[tuple[Core, Any]]:  # type: ignore[no-untyped-def]
    core = await build_core(make_settings(sqlite_url, tmp_path))  # no app id: authentication off
    async with live_bot(core) as bot:
        yield core, bot
    await core.close()


def _activity(url: str, **changes: Any) -> dict[str, Any]:
    activity = personal_message(url, "alice", "help")
    for key, value in changes.items():
        if value is KeyError:
            activity.pop(key)
        else:
            activity[key] = value
    return activity


TEAMS_CASES = {
    "no from": {"from": KeyError},
    "no conversation": {"conversation": KeyError},
    "no recipient": {"recipient": KeyError},
    "from is text": {"from": "alice"},
    "conversation id is a number": {"conversation": {"id": 5, "conversationType": "personal"}},
    "from id is blank": {"from": {"id": " ", "name": "A"}},
    "tenant with a space": {"conversation": {"id": "a:1", "tenantId": "a b", "conversationType": "personal"}},
    "type is a number": {"type": 5},
    "entities is text": {"entities": "x"},
    "team id is a number": {"type": "conversationUpdate", "membersAdded": [{"id": "28:yhdessa-bot"}], "conversation": {"id": "19:t", "conversationType": "channel", "isGroup": True}, "channelData": {"team": {"id": 7}}},
}


async def test_malformed_teams_activities_get_400_and_store_nothing(teams, connector: FakeConnector, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    core, bot = teams
    for case, changes in TEAMS_CASES.items():
        caplog.clear()
        assert await bot.post(_activity(connector.url, **changes)) == 400, case
        [line] = our_lines(caplog)
        assert "malformed" in line.getMessage() and line.exc_info is None, case
    assert await members(core) == []


async def test_junk_bodies_to_teams_get_400(teams) -> None:  # type: ignore[no-untyped-def]
    _core, bot = teams
    for body in ("{", "[]", "null", "\"x\""):
        async with bot.session.post(f"{bot.url}/api/messages", data=body, headers={"Content-Type": "application/json"}) as response:
            assert response.status == 400


async def test_a_sound_activity_still_gets_through(teams, connector: FakeConnector) -> None:  # type: ignore[no-untyped-def]
    core, bot = teams
    assert await bot.post(personal_message(connector.url, "alice", "help")) == 202
    assert len(await members(core)) == 1
