"""A round to a channel of 2,000 members through the fake that enforces Slack's rate tiers: every
member gets the prompt exactly once, nothing is marked dead, no 429 is answered for a method we
pace, and the coordinator is told how long delivery takes. Tier minutes and our pacing are scaled
the same way (a minute lasts MINUTE seconds), so the real-world figures follow by scaling back."""

from __future__ import annotations

import asyncio
import logging
import os
import time
import urllib.parse
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from adapters.slack import rates
from bot.dispatcher import Dispatcher
from bot.settings import load_settings
from storage.models import OutboxMessage
from tests.slack.conftest import SECRET, SlackHarness, harness, payload
from tests.slack.fake_slack import BOT_USER, FakeSlack
from tests.slack.fake_tiers import Tiers

# Seconds per rate-minute, in the fake and in our pacing (YHDESSA_TEST_RATE_MINUTE=60 runs it at
# Slack's real pace: about 50 minutes).
MINUTE = float(os.environ.get("YHDESSA_TEST_RATE_MINUTE", "0.5"))
TEAM = "T05LARGEQ8W"
COORD = "U05COORDBIG"
CHANNEL = "C05ALLHANDS"
MEMBERS = [f"U7{n:08d}" for n in range(1999)]
log = logging.getLogger(__name__)


@pytest_asyncio.fixture
async def large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SlackHarness]:
    monkeypatch.setattr(rates, "SLACK_PACING", rates.SLACK_PACING.scaled(MINUTE))
    fake = await FakeSlack(tiers=Tiers(minute=MINUTE)).start()
    fake.add_user(COORD, "Coordinator", team=TEAM)
    fake.add_user(BOT_USER, "Yhdessä", team=TEAM, is_bot=True)
    for user in MEMBERS:
        fake.add_user(user, f"Member {user[-4:]}", team=TEAM)
    fake.add_channel(CHANNEL, "all-hands", [COORD, BOT_USER, *MEMBERS])
    fake.installs["xoxb-5801139398818-5822216093745-LargeRoundToken1"] = TEAM
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'large.db'}", language="en", chart_dir=str(tmp_path / "charts"),
        slack_bot_token="xoxb-5801139398818-5822216093745-LargeRoundToken1", slack_signing_secret=SECRET,
        slack_api_url=fake.base_url, coordinators=f"slack:{TEAM}:{COORD}",
    )
    async with harness(settings, fake) as running:
        yield running
    await fake.stop()
    assert not fake.refused


async def test_a_round_to_2000_members_arrives_once_each_within_the_tiers(large: SlackHarness) -> None:
    fake = large.fake
    fake.fail("users.list", status=429, retry_after=1, times=1)  # a 429 in the middle of the launch
    form = payload("slash_command.json")
    form.update(team_id=TEAM, user_id=COORD, user_name="coordinator", channel_id=CHANNEL, channel_name="all-hands", text="pulse start trust here", trigger_id="t.large")
    started = time.monotonic()
    status, _ = await large.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")
    assert status == 200
    launched = time.monotonic()
    dispatcher = Dispatcher(large.core.db, {"slack": large.transport})
    runner = asyncio.create_task(dispatcher.run(idle=0.05))
    try:
        deadline = time.monotonic() + 200 * MINUTE + 20
        while time.monotonic() < deadline:
            async with large.core.db.transaction() as tx:
                waiting = (await tx.execute(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(("pending", "sending"))))).scalar_one()
            if not waiting:
                break
            await asyncio.sleep(0.2)
    finally:
        dispatcher.stop()
        await runner
    delivered = time.monotonic()

    async with large.core.db.transaction() as tx:
        statuses = Counter((await tx.execute(select(OutboxMessage.status))).scalars().all())
    assert statuses["dead"] == 0 and statuses["pending"] == 0 and statuses["sending"] == 0, statuses

    prompts = Counter(
        c.args["channel"] for c in fake.called("chat.postMessage")
        if c.result.get("ok") and any(b.get("type") == "actions" for b in c.args.get("blocks") or ())
        and not (c.args.get("text") or "").startswith("Welcome")  # the coordinator's own welcome has buttons too
    )
    expected = {"D" + u[1:] for u in [*MEMBERS, COORD]}
    assert set(prompts) == expected  # 0 lost
    assert set(prompts.values()) == {1}  # 0 duplicates
    opened = Counter(c.args["users"] for c in fake.called("conversations.open") if c.result.get("ok"))
    assert len(opened) == 2000 and set(opened.values()) == {1}

    # The coordinator was told, in rate-minutes of Slack's real tiers.
    minutes = rates.delivery_minutes(rates.SLACK_PACING, 2001, 2000)
    told = [c.args["text"] for c in large.posts_to("D" + COORD[1:]) if "takes about" in (c.args.get("text") or "")]
    assert told and f"about {minutes} minutes" in told[0], told
    assert 45 <= minutes <= 60

    # Rates per method, as Slack would count them (per real minute = per MINUTE seconds here).
    span = (delivered - launched) / MINUTE
    per_method = Counter(c.method for c in fake.calls if c.result.get("ok"))
    limited = dict(fake.tiers.limited) if fake.tiers else {}
    log.warning(
        "2,000-member round: launch %.2f s, delivery %.1f s scaled = %.1f real minutes; calls per real minute: %s; 429s answered: %s",
        launched - started, delivered - launched, span,
        {m: round(n / span, 1) for m, n in sorted(per_method.items())}, limited,
    )
    # Our pacing keeps within Slack's tiers. A scaled minute of half a second turns an event-loop
    # stall of a few tens of milliseconds into seconds of Slack's time, so there the fake may answer
    # a stray 429; each must then have paused the bucket and cost no attempt (every message went
    # out on its first counted attempt), and they stay a sliver of the calls.
    paced = ("conversations.open", "chat.postMessage", "conversations.members")
    if MINUTE >= 5:
        assert not any(limited.get(m) for m in paced), limited
    assert sum(limited.get(m, 0) for m in paced) <= 0.01 * sum(per_method[m] for m in paced), limited
    async with large.core.db.transaction() as tx:
        attempts = Counter((await tx.execute(select(OutboxMessage.attempts))).scalars().all())
    assert set(attempts) == {1}, attempts
    assert per_method["conversations.open"] / span <= 50
