"""The fake Slack refuses what Slack refuses, with Slack's own errors: the scale prompt we used to
send (five buttons sharing one action_id) is refused with invalid_blocks; today's is accepted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks
from flows.i18n import Catalog
from flows.messages import Audience, Option, Prompt
from tests.slack.block_rules import check_blocks
from tests.slack.fake_slack import BOT_USER, FakeSlack

CATALOG = Catalog.load()
DM = "D0A1B2C3D4E"
SCALE = Prompt(
    Audience.member("slack:T0A1B2C3D4:U0A1B2C3D4E"),
    "17:trust-1",
    "scale",
    "I can rely on the other organisations in this network.",
    title="Trust pulse",
    options=tuple(Option(str(i), str(i)) for i in range(1, 6)),
    scale_labels=("Not at all", "Fully"),
    ui={"skip": "Skip", "anonymous": "Anonymous."},
    position=(1, 4),
)


def old_scale_layout() -> list[dict[str, Any]]:
    """The layout sent before: every button of the scale with the action_id `yh_choose`."""
    buttons = [{"type": "button", "text": {"type": "plain_text", "text": str(i), "emoji": True}, "action_id": "yh_choose", "value": str(i)} for i in range(1, 6)]
    return [
        {"type": "section", "block_id": "yh_q|17:trust-1", "text": {"type": "mrkdwn", "text": "I can rely on the other organisations in this network."}},
        {"type": "actions", "block_id": "yhq|17:trust-1", "elements": buttons},
    ]


@pytest_asyncio.fixture
async def web() -> AsyncIterator[tuple[FakeSlack, AsyncWebClient]]:
    fake = await FakeSlack().start()
    fake.add_user(BOT_USER, "Yhdessä", is_bot=True)
    fake.add_channel("C0A1B2C3D4E", "network", [BOT_USER, "U0A1B2C3D4E"])
    async with aiohttp.ClientSession() as session:
        yield fake, AsyncWebClient(token="xoxb-test", base_url=fake.base_url, session=session)
    await fake.stop()


async def test_the_old_scale_prompt_is_refused_and_the_new_one_accepted(web: tuple[FakeSlack, AsyncWebClient]) -> None:
    fake, client = web
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel=DM, text="Trust pulse", blocks=old_scale_layout())
    answer = refused.value.response
    assert answer["error"] == "invalid_blocks"
    assert any("yh_choose" in m and "json-pointer:/blocks/1/elements/1/action_id" in m for m in answer["response_metadata"]["messages"])
    fake.refused.clear()
    sent = await client.chat_postMessage(channel=DM, text=blocks.prompt_fallback(SCALE), blocks=blocks.prompt_blocks(SCALE, CATALOG))
    assert sent["ok"]


def _button(text: str, action_id: str, value: str = "v") -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id, "value": value}


def _options(n: int, text: str = "o") -> list[dict[str, Any]]:
    return [{"text": {"type": "plain_text", "text": f"{text}{i}"}, "value": f"v{i}"} for i in range(n)]


BROKEN: dict[str, tuple[list[dict[str, Any]], str]] = {
    "two blocks with one block_id": ([{"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "a"}], "block_id 'a' already exists"),
    "51 blocks": ([{"type": "divider"}] * 51, "no more than 50 items"),
    "26 elements in actions": ([{"type": "actions", "elements": [_button("b", f"a{i}") for i in range(26)]}], "no more than 25 items"),
    "section text over 3,000": ([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}], "less than 3001 characters"),
    "button text over 75": ([{"type": "actions", "elements": [_button("x" * 76, "a")]}], "less than 76 characters"),
    "action_id over 255": ([{"type": "actions", "elements": [_button("b", "a" * 256)]}], "1 to 255 characters"),
    "block_id over 255": ([{"type": "divider", "block_id": "b" * 256}], "1 to 255 characters"),
    "value over 2,000": ([{"type": "actions", "elements": [_button("b", "a", "v" * 2001)]}], "less than 2001 characters"),
    "header over 150": ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "less than 151 characters"),
    "11 checkboxes": ([{"type": "actions", "elements": [{"type": "checkboxes", "action_id": "c", "options": _options(11)}]}], "no more than 10 items"),
    "11 radio buttons": ([{"type": "actions", "elements": [{"type": "radio_buttons", "action_id": "r", "options": _options(11)}]}], "no more than 10 items"),
    "101 select options": ([{"type": "actions", "elements": [{"type": "static_select", "action_id": "s", "options": _options(101)}]}], "no more than 100 items"),
    "option text over 75": ([{"type": "actions", "elements": [{"type": "static_select", "action_id": "s", "options": _options(1, "o" * 80)}]}], "less than 76 characters"),
    "users select with options": ([{"type": "actions", "elements": [{"type": "multi_users_select", "action_id": "u", "options": _options(2)}]}], "not a valid field"),
    "unescaped mrkdwn": ([{"type": "section", "text": {"type": "mrkdwn", "text": "reflect start <flow>"}}], "unescaped '<'"),
    "input in a message": ([{"type": "input", "label": {"type": "plain_text", "text": "l"}, "element": {"type": "plain_text_input", "action_id": "t"}}], "not allowed in messages"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_block_kit_rule_is_enforced(name: str) -> None:
    layout, expected = BROKEN[name]
    messages = check_blocks(layout, "message")
    assert any(expected in m for m in messages), messages


async def test_views_too_long_text_and_missing_text_get_slacks_errors(web: tuple[FakeSlack, AsyncWebClient]) -> None:
    fake, client = web
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "A title longer than 24 chars"}, "private_metadata": "m" * 3001, "blocks": [{"type": "divider"}] * 101}
    with pytest.raises(SlackApiError) as refused:
        await client.views_open(trigger_id="1.2.3", view=modal)
    messages = refused.value.response["response_metadata"]["messages"]
    assert refused.value.response["error"] == "invalid_arguments"
    assert any("/view/title" in m for m in messages) and any("/view/private_metadata" in m for m in messages)
    assert any("no more than 100 items" in m for m in messages)
    with pytest.raises(SlackApiError, match="msg_too_long"):
        await client.chat_postMessage(channel=DM, text="x" * 40001)
    with pytest.raises(SlackApiError, match="no_text"):
        await client.chat_postMessage(channel=DM, text="")
    with pytest.raises(SlackApiError, match="message_not_found"):
        await client.chat_update(channel=DM, ts="1.2", text="changed")
    fake.refused.clear()


async def test_a_raw_mention_in_the_notification_text_or_a_hook_is_refused(web: tuple[FakeSlack, AsyncWebClient]) -> None:
    """The top-level `text` (the notification) and a response_url message get the same rules as
    blocks: `<!channel>` unescaped there would ping everyone."""
    fake, client = web
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel=DM, text="Results for <!channel>")
    assert "json-pointer:/text" in refused.value.response["response_metadata"]["messages"][0]
    with pytest.raises(SlackApiError, match="invalid_blocks_format"):
        await client.chat_postMessage(channel=DM, text="x", blocks={"type": "section"})  # type: ignore[arg-type]
    async with aiohttp.ClientSession() as session:
        hook = fake.response_url()
        async with session.post(hook, json={"text": "ok", "blocks": old_scale_layout()}) as answer:
            assert answer.status == 400 and await answer.text() == "invalid_blocks"
        async with session.post(hook, json={"text": "Saved &lt;3", "response_type": "ephemeral"}) as answer:
            assert answer.status == 200
    assert [c.method for c in fake.refused] == ["chat.postMessage", "chat.postMessage", "response_url"]
    fake.refused.clear()


def test_blocks_with_more_text_than_slack_takes_in_one_message_are_refused() -> None:
    """50 sections of 3,000 characters pass every per-block rule and still get msg_blocks_too_long
    from Slack; a long notice is split so that no message comes near it."""
    from tests.slack.block_rules import MESSAGE_BLOCKS_TEXT, check_message

    full = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3000}} for _ in range(50)]
    assert check_message("chat.postMessage", {"text": "t", "blocks": full}) == {"ok": False, "error": "msg_blocks_too_long"}
    pages = blocks.notice_blocks("\n".join("y" * 2999 for _ in range(60)), (("Help", "help"),))
    assert len(pages) >= 20 and all(check_message("chat.postMessage", {"text": "t", "blocks": p}) is None for p in pages)
    assert all(sum(len(b["text"]["text"]) for b in p if "text" in b) < MESSAGE_BLOCKS_TEXT for p in pages)
    assert pages[-1][-1]["block_id"] == "yh_notice_actions"


async def test_what_slack_refuses_before_reading_a_call(web: tuple[FakeSlack, AsyncWebClient]) -> None:
    fake, _ = web
    url = fake.base_url + "chat.postMessage"
    token = {"Authorization": "Bearer xoxb-test"}
    cases = [
        ({"Content-Type": "text/xml", **token}, b"<channel/>", "invalid_post_type"),
        ({"Content-Type": "application/json; charset=utf-16", **token}, b'{"channel": "D1", "text": "hei"}', "invalid_charset"),
        ({"Content-Type": "application/json; charset=utf-8", **token}, b'{"channel": "D1", "text": ', "invalid_form_data"),
        ({"Content-Type": "application/json; charset=utf-8"}, b'{"channel": "D1", "text": "hei"}', "not_authed"),
        ({"Content-Type": "application/json; charset=utf-8"}, b'{"token": "xoxb-test", "channel": "D1", "text": "hei"}', "not_authed"),
    ]
    async with aiohttp.ClientSession() as session:
        for headers, body, error in cases:
            async with session.post(url, data=body, headers=headers) as response:
                assert (await response.json())["error"] == error
        async with session.post(url, data=b"channel=D1&text=hei", headers=token, skip_auto_headers=["Content-Type"]) as response:
            assert (await response.json())["error"] == "missing_post_type"
        # Slack takes iso-8859-1 as well as utf-8.
        latin = {"Content-Type": "application/x-www-form-urlencoded; charset=iso-8859-1", **token}
        async with session.post(url, data="channel=D1&text=H%E4n".encode(), headers=latin) as response:
            assert (await response.json())["ok"]
    assert [call.result["error"] for call in fake.refused] == [error for *_, error in cases] + ["missing_post_type"]
