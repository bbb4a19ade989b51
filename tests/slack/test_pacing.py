"""Pacing per workspace and method: a 429 pauses that workspace's bucket for every conversation,
is never counted as a failed attempt, and the buckets keep within Slack's tiers."""

from __future__ import annotations

import asyncio
import time

import pytest

from adapters.slack.rates import SLACK_PACING, delivery_minutes
from adapters.transport import Buckets, Pacing, Rate, RetryLater
from flows.messages import Audience, Notice, to_json
from storage import repository as repo
from tests.slack.conftest import SlackHarness
from tests.slack.fake_slack import TEAM


async def _notice(slack: SlackHarness, user: str) -> None:
    async with slack.core.db.transaction() as tx:
        audience = Audience.member(f"slack:{TEAM}:{user}")
        await repo.enqueue(tx, "slack", audience.key, to_json(Notice(audience, f"hello {user}")))


async def test_a_429_pauses_the_method_for_every_conversation_and_costs_no_attempt(slack: SlackHarness) -> None:
    slack.fake.fail("chat.postMessage", status=429, retry_after=1)
    await _notice(slack, "UANNA")
    await slack.deliver()
    await _notice(slack, "UBEN")
    await _notice(slack, "UCOORD")
    await slack.deliver()
    posts = slack.fake.called("chat.postMessage")
    assert len(posts) == 1  # the other conversations wait out Retry-After instead of asking again
    rows = await slack.outbox()
    assert all(r.status == "pending" and r.attempts == 0 for r in rows)
    deadline = time.monotonic() + 5
    while any(r.status != "sent" for r in await slack.outbox()) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        await slack.deliver()
    posts = slack.fake.called("chat.postMessage")
    assert len(posts) == 4 and min(c.at for c in posts[1:]) - posts[0].at >= 0.95
    assert sorted(c.args["channel"] for c in posts[1:]) == ["DANNA", "DBEN", "DCOORD"]
    assert all(r.attempts == 1 for r in await slack.outbox())  # sent once; the 429 was not counted


async def test_buckets_keep_within_the_rate_and_refuse_long_waits() -> None:
    pacing = Pacing(methods={"conversations.open": Rate(per_minute=40, burst=5)}, minute=0.6, max_wait=0.1)
    buckets = Buckets(pacing)
    started = time.monotonic()
    results = await asyncio.gather(*(buckets.acquire("T1", "conversations.open") for _ in range(30)), return_exceptions=True)
    admitted = [r for r in results if r is None]
    refused = [r for r in results if isinstance(r, RetryLater)]
    # burst 5, then one every 15 ms for as long as a wait stays within 100 ms
    assert 10 <= len(admitted) <= 13 and len(admitted) + len(refused) == 30
    assert all(r.rate_limited and r.retry_after > 0.1 for r in refused)
    assert 0.08 < time.monotonic() - started < 0.3
    await buckets.acquire("T2", "conversations.open")  # another workspace has its own bucket
    buckets.pause(Buckets.key("T2", "conversations.open"), 0.2)
    with pytest.raises(RetryLater, match="paused"):
        await buckets.acquire("T2", "conversations.open")
    await asyncio.wait_for(buckets.acquire("T2", "conversations.open", patient=True), 1)  # a look-up waits it out


def test_delivery_estimates_follow_the_tiers() -> None:
    assert delivery_minutes(SLACK_PACING, 2001, 2000) == 50  # conversations.open at 40 a minute
    assert delivery_minutes(SLACK_PACING, 2001, 0) == 9  # DMs known already: chat.postMessage only
    assert delivery_minutes(SLACK_PACING, 30, 30) == 1


async def test_a_429_halfway_through_a_message_of_several_parts_sends_no_part_twice(slack: SlackHarness) -> None:
    """A notice of two Slack messages meets a 429 on its second page, and a report's chart upload
    meets one: once delivered, each page and each file reached Slack exactly once."""
    from flows.messages import Chart, Report, ReportSection

    slack.fake.fail("chat.postMessage", status=429, retry_after=1, after=1)  # the second page
    slack.fake.fail("files.getUploadURLExternal", status=429, retry_after=1)
    anna, ben = Audience.member(f"slack:{TEAM}:UANNA"), Audience.member(f"slack:{TEAM}:UBEN")
    long_text = "\n".join(f"line {n} " + "x" * 2990 for n in range(60))  # 60 sections: several messages
    report = Report(ben, "Results", (ReportSection("Trust", ("mean 3.9/5",)),), (Chart(ben, b"\x89PNG fake", "A chart of trust", "Trust"),))
    for audience, message in ((anna, Notice(anna, long_text)), (ben, report)):  # one after the other
        async with slack.core.db.transaction() as tx:
            await repo.enqueue(tx, "slack", audience.key, to_json(message))
        deadline = time.monotonic() + 10
        while any(r.status != "sent" for r in await slack.outbox()) and time.monotonic() < deadline:
            await slack.deliver()
            await asyncio.sleep(0.1)
    assert all(r.status == "sent" and r.attempts == 1 for r in await slack.outbox())
    from adapters.slack.blocks import notice_blocks

    pages = [c.args["blocks"] for c in slack.posts_to("DANNA")]
    assert len(pages) > 2 and pages == notice_blocks(long_text)  # each page once, the second after its 429
    assert len(slack.posts_to("DBEN")) == 1  # the report's text was not posted again for the chart
    assert len([c for c in slack.fake.called("files.completeUploadExternal") if c.result.get("ok")]) == 1


async def test_a_429_on_the_home_tab_pauses_views_publish_for_the_whole_workspace(slack: SlackHarness) -> None:
    from tests.slack.conftest import payload

    slack.fake.fail("views.publish", status=429, retry_after=1)
    opened = payload("events.json")["app_home_opened"]
    await slack.event(dict(opened, user="UANNA"), "Ev0PACEHOME1")
    await slack.event(dict(opened, user="UBEN"), "Ev0PACEHOME2")
    first, second = slack.fake.called("views.publish")
    assert not first.result.get("ok") and second.result.get("ok") and second.args["user_id"] == "UBEN"
    assert second.at - first.at >= 0.95  # Ben's tab waited out the Retry-After Anna's got
