"""Signatures, re-deliveries, rate limits and refusals: nothing lost, nothing twice, nothing forged."""

from __future__ import annotations

import asyncio
import logging
import time
import urllib.parse

import pytest

from adapters.transport import RetryLater, Undeliverable
from flows.messages import Audience, Chart, Notice, Report, ReportSection
from storage.models import InboxEntry
from tests.slack.conftest import BOT_TOKEN, SECRET, SlackHarness, payload, sign
from tests.slack.fake_slack import TEAM


async def test_redelivered_event_stores_nothing_new(slack: SlackHarness) -> None:
    events = payload("events.json")
    status, _ = await slack.event(events["app_mention"], "Ev0MENTION1")
    assert status == 200
    assert len(await slack.outbox()) == 2  # anna's welcome (her first message) and the help reply
    for retry in ("1", "2"):
        status, _ = await slack.event(events["app_mention"], "Ev0MENTION1", {"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"})
        assert status == 200
    assert len(await slack.outbox()) == 2
    assert await slack.count(InboxEntry) == 1
    await slack.deliver()
    assert len(slack.posts_to("DANNA")) == 2


async def test_a_retry_whose_first_delivery_was_lost_is_still_handled(slack: SlackHarness) -> None:
    events = payload("events.json")
    await slack.event(events["app_mention"], "Ev0LOSTFIRST", {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"})
    assert len(await slack.outbox()) == 2  # the welcome and the help reply


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no signature at all
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64},
        "stale",
        "other-secret",
    ],
)
async def test_unsigned_forged_or_stale_requests_get_401_and_change_nothing(slack: SlackHarness, headers: object, caplog: pytest.LogCaptureFixture) -> None:
    form = payload("slash_command.json")
    form["text"] = 'members set me organisation="Secret Partners Oy"'
    body = urllib.parse.urlencode(form)
    if headers == "stale":
        headers = sign(body, timestamp=int(time.time()) - 301)
    elif headers == "other-secret":
        headers = sign(body, secret="not-" + SECRET)
    caplog.set_level(logging.DEBUG)
    status, _ = await slack.post(body, "application/x-www-form-urlencoded", headers, signed=False)  # type: ignore[arg-type]
    assert status == 401
    # A real request refused for a wrong secret or a drifted clock holds a member's words: the
    # log says why it was refused, never what it said.
    assert "Secret" not in caplog.text and "organisation" not in caplog.text
    assert await slack.count(InboxEntry) == 0
    assert await slack.outbox() == []
    assert slack.fake.calls == []


async def test_429_retry_after_is_honoured_and_the_message_arrives_once(slack: SlackHarness) -> None:
    slack.fake.fail("chat.postMessage", status=429, retry_after=1)
    await slack.event(payload("events.json")["app_mention"], "Ev0RATE")
    await slack.deliver()
    row = (await slack.outbox())[0]
    assert row.status == "pending" and row.attempts == 0  # a 429 is not a failed attempt
    assert slack.posts_to("DANNA") == []
    await slack.deliver()  # too early: Retry-After has not passed
    assert len(slack.fake.called("chat.postMessage")) == 1
    deadline = time.monotonic() + 5
    while len(slack.posts_to("DANNA")) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        await slack.deliver()
    calls = slack.fake.called("chat.postMessage")  # the refused welcome, then the welcome and the help
    assert len(calls) == 3 and calls[1].at - calls[0].at >= 0.95
    assert len(slack.posts_to("DANNA")) == 2
    assert [r.status for r in await slack.outbox()] == ["sent", "sent"]
    await slack.deliver()
    assert len(slack.fake.called("chat.postMessage")) == 3  # each arrived once


async def test_server_errors_retry_and_permanent_refusals_do_not(slack: SlackHarness) -> None:
    transport = slack.transport
    slack.fake.fail("chat.postMessage", status=503, retry_after=None, error="service_unavailable")
    with pytest.raises(RetryLater):
        await transport.deliver(Notice(Audience.channel(f"slack:{TEAM}:CNET"), "hello"))
    slack.fake.add_user("UGONE", "Gone", deleted=True)
    with pytest.raises(Undeliverable, match="account_inactive"):
        await transport.deliver(Notice(Audience.member(f"slack:{TEAM}:UGONE"), "hello"))
    with pytest.raises(Undeliverable, match="not_in_channel"):
        await transport.deliver(Notice(Audience.channel(f"slack:{TEAM}:CELSEWHERE"), "hello"))


async def test_dm_channel_is_opened_once_and_remembered(slack: SlackHarness) -> None:
    for text in ("one", "two"):
        await slack.transport.deliver(Notice(Audience.member(f"slack:{TEAM}:UANNA"), text))
    assert len(slack.fake.called("conversations.open")) == 1
    assert [c.args["text"] for c in slack.posts_to("DANNA")] == ["one", "two"]


async def test_charts_and_long_reports_use_files_upload_v2_and_block_limits(slack: SlackHarness) -> None:
    channel = Audience.channel(f"slack:{TEAM}:CNET")
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 500
    await slack.transport.deliver(Chart(channel, png, "Trust over six rounds", title="Trust"))
    assert [c.method for c in slack.fake.calls] == ["files.getUploadURLExternal", "files.completeUploadExternal"]
    assert list(slack.fake.uploads.values()) == [png]
    assert slack.fake.called("files.completeUploadExternal")[0].args["channel_id"] == "CNET"
    sections = tuple(ReportSection(f"Part {i}", tuple("x" * 100 for _ in range(40))) for i in range(60))
    await slack.transport.deliver(Report(channel, "Evaluation", sections))
    pages = [c.args["blocks"] for c in slack.posts_to("CNET")]
    assert len(pages) >= 2 and all(len(p) <= 50 for p in pages)
    assert all(len(b["text"]["text"]) <= 3000 for p in pages for b in p if b["type"] == "section")


async def test_tokens_never_reach_the_logs(slack: SlackHarness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await slack.command("pulse start trust here")
    await slack.deliver()
    slack.fake.fail("chat.postMessage", status=429, retry_after=1)
    await slack.event(payload("events.json")["app_mention"], "Ev0LOGS")
    await slack.deliver()
    assert slack.fake.calls and all(c.authorization == f"Bearer {BOT_TOKEN}" for c in slack.fake.calls)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert BOT_TOKEN not in text and BOT_TOKEN[-12:] not in text
    assert SECRET not in text
