"""A database that cannot be written: no Slack request is acknowledged as if it were stored, the
member is told in their language, and what was stored before is not lost."""

from __future__ import annotations

import json
import urllib.parse

from sqlalchemy import select

from storage.models import InboxEntry, Response
from tests.unwritable import read_only
from tests.slack.conftest import SlackHarness, payload


async def _pulse_prompt(slack: SlackHarness, user: str = "UANNA") -> tuple[str, str, str]:
    """Opens a pulse for the channel; (DM channel, message ts, block id) of `user`'s first question."""
    await slack.command("pulse start trust here --named")
    await slack.deliver()
    post = slack.posts_to("D" + user[1:])[-1]
    block_id = next(b["block_id"] for b in post.args["blocks"] if b["type"] == "actions")
    return post.result["channel"], post.result["ts"], block_id


async def test_a_slash_command_that_cannot_be_stored_says_so(slack: SlackHarness) -> None:
    await slack.command("help")  # the coordinator is known; the database then turns read-only
    async with read_only(slack.core.db):
        status, text = await slack.command("pulse start trust here")
    assert status == 200
    assert text == slack.core.catalog.t("en", "save_failed")  # Slack shows it to the member alone
    assert not [c for c in slack.fake.called("conversations.open")]  # no round was opened


async def test_a_click_that_cannot_be_stored_gets_an_ephemeral_line_and_the_question_stays_answerable(slack: SlackHarness) -> None:
    channel, ts, block_id = await _pulse_prompt(slack)
    click = slack.block_action("UANNA", channel, ts, {"action_id": "yh_choose", "block_id": block_id, "type": "button", "value": "4"})
    click["response_url"] = slack.fake.response_url("anna")
    async with read_only(slack.core.db):
        status, _ = await slack.interaction(click)
    assert status == 200
    [said] = slack.fake.called("response_url")
    assert said.args == {"text": slack.core.catalog.t("en", "save_failed"), "response_type": "ephemeral", "replace_original": False}
    assert await slack.responses() == []
    click["actions"][0]["action_ts"] = "1700000099.000001"  # the member clicks again once the disk has room
    assert (await slack.interaction(click))[0] == 200
    assert [r.value_num for r in await slack.responses()] == [4.0]


async def test_a_modal_that_cannot_be_stored_keeps_the_text_and_says_why(slack: SlackHarness) -> None:
    await slack.command("reflect start checkin here")
    await slack.deliver()
    async with slack.core.db.transaction() as tx:
        from storage.models import Round

        round_id = (await tx.execute(select(Round.id))).scalar_one()
    data = payload("view_submission.json")
    data["view"]["private_metadata"] = json.dumps({"ref": f"{round_id}:focus", "handle": None, "lang": "en", "req": True})
    data["view"]["state"]["values"]["yh_text"]["yh_text_input"]["value"] = "The service path"
    body = urllib.parse.urlencode({"payload": json.dumps(data)})
    async with read_only(slack.core.db):
        status, text = await slack.post(body, "application/x-www-form-urlencoded")
    assert status == 200
    assert json.loads(text) == {"response_action": "errors", "errors": {"yh_text": slack.core.catalog.t("en", "save_failed")}}
    assert await slack.count(Response) == 0


async def test_an_event_that_cannot_be_stored_gets_503_so_slack_sends_it_again(slack: SlackHarness) -> None:
    events = payload("events.json")
    async with read_only(slack.core.db):
        status, _ = await slack.event(events["app_mention"], "Ev0READONLY")
    assert status == 503
    assert await slack.count(InboxEntry) == 0
    status, _ = await slack.event(events["app_mention"], "Ev0READONLY", {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"})
    assert status == 200
    assert len(await slack.outbox()) == 2  # the re-sent delivery is handled: the welcome and help for Anna


async def test_what_was_accepted_before_the_disk_filled_is_handled_once_it_has_room(slack: SlackHarness) -> None:
    channel, ts, block_id = await _pulse_prompt(slack)
    click = slack.block_action("UANNA", channel, ts, {"action_id": "yh_choose", "block_id": block_id, "type": "button", "value": "2"})
    body = urllib.parse.urlencode({"payload": json.dumps(click)})
    inbox = slack.core.inbox
    handle = inbox.handle

    async def disk_fills_first(event: object) -> object:  # the turn meets the full disk, after the ack
        async with read_only(slack.core.db):
            return await handle(event)  # type: ignore[arg-type]

    inbox.handle = disk_fills_first  # type: ignore[method-assign]
    status, _ = await slack.post(body, "application/x-www-form-urlencoded")
    inbox.handle = handle  # type: ignore[method-assign]
    assert status == 200 and await slack.responses() == []
    assert await inbox.recover(everything=True) == 1
    assert [r.value_num for r in await slack.responses()] == [2.0]


async def test_a_home_tab_click_that_cannot_be_stored_gets_an_error_status_so_slack_marks_it(slack: SlackHarness) -> None:
    channel, ts, block_id = await _pulse_prompt(slack)
    click = slack.block_action("UANNA", channel, ts, {"action_id": "yh_choose", "block_id": block_id, "type": "button", "value": "3"})
    for gone in ("response_url", "channel", "message"):
        click.pop(gone, None)
    click["container"] = {"type": "view", "view_id": "VHOME"}
    click["view"] = {"type": "home", "id": "VHOME", "blocks": []}  # the Home tab has no response_url
    async with read_only(slack.core.db):
        status, _ = await slack.interaction(click)
    assert status == 500
    assert await slack.responses() == []
