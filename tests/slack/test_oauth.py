"""Many workspaces: the OAuth install flow stores each workspace's token in our database, and
requests and deliveries of that workspace then use it."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from adapters.slack.installation_store import SlackInstallation
from tests.conftest import make_settings
from tests.slack.conftest import SECRET, SlackHarness, harness, payload
from tests.slack.fake_slack import FakeSlack


@pytest_asyncio.fixture
async def multi(db_url: str, tmp_path: Path, fake: FakeSlack) -> AsyncIterator[SlackHarness]:
    settings = make_settings(
        db_url,
        tmp_path,
        slack_signing_secret=SECRET,
        slack_api_url=fake.base_url,
        slack_client_id="1111.2222",
        slack_client_secret="client-secret-value",
        slack_state_secret="state-secret-value",
    )
    async with harness(settings, fake) as running:
        yield running


async def test_install_then_serve_a_second_workspace(multi: SlackHarness) -> None:
    fake = multi.fake
    fake.codes["code-for-T0NEW"] = "T0NEW"
    fake.add_user("UBOSS", "Boss", team="T0NEW")
    page = await multi.client.get("/slack/install", allow_redirects=False)
    html = await page.text()
    assert page.status == 200
    state = re.search(r"state=([^&\"']+)", html).group(1)  # type: ignore[union-attr]
    assert "client_id=1111.2222" in html and "chat%3Awrite" in html.replace(":", "%3A")
    cookie = page.headers["Set-Cookie"].split(";", 1)[0]  # Secure: a browser on https sends it back
    assert cookie.endswith(state)
    done = await multi.client.get(
        "/slack/oauth_redirect", params={"code": "code-for-T0NEW", "state": state}, headers={"Cookie": cookie}, allow_redirects=False
    )
    assert done.status == 200, await done.text()
    assert multi.fake.called("oauth.v2.access")
    assert await multi.count(SlackInstallation) == 1

    # A command from the newly installed workspace is answered with that workspace's token.
    form = payload("slash_command.json")
    form.update(team_id="T0NEW", user_id="UBOSS", channel_id="CBOSS", text="help", trigger_id="t-new")
    status, _ = await multi.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")
    assert status == 200
    await multi.deliver()
    replies = multi.posts_to("DBOSS")
    assert replies and all(c.authorization == "Bearer xoxb-t0new-installed" for c in replies)


async def test_a_forged_or_reused_state_installs_nothing(multi: SlackHarness) -> None:
    multi.fake.codes["c"] = "T0NEW"
    forged = await multi.client.get(
        "/slack/oauth_redirect", params={"code": "c", "state": "abc.def"}, headers={"Cookie": "slack-app-oauth-state=abc.def"}, allow_redirects=False
    )
    assert forged.status >= 400
    assert await multi.count(SlackInstallation) == 0
    assert multi.fake.called("oauth.v2.access") == []
    # A command from a workspace nobody installed into is refused by bolt, and stores nothing.
    form = payload("slash_command.json")
    form.update(team_id="T0NOBODY", text="pulse start")
    status, _ = await multi.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")
    assert status != 200 or await multi.outbox() == []
    assert await multi.outbox() == []
