"""The outbox's own chat.* calls (adapters/slack/web_calls.py) say to Slack what slack_sdk says, and
hear Slack's refusals the way the transport sorts them: a 429 waits its Retry-After, a 5xx or a
proxy's HTML page is tried again, a permanent refusal is given up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks, web_calls
from adapters.slack.transport import classify
from adapters.transport import RetryLater, Undeliverable
from flows.i18n import Catalog
from tests.slack.fake_slack import BOT_USER, FakeSlack
from tests.slack.test_strict_fake import SCALE

DM = "D0A1B2C3D4E"
# The scale prompt of the strict-fake tests, in Finnish, with quotes and a dash to keep intact.
PROMPT = replace(
    SCALE,
    text="Luotan verkoston muihin organisaatioihin – “aidosti”.",
    title="Luottamus",
    scale_labels=("Ei lainkaan", "Täysin"),
    ui={"skip": "Ohita", "anonymous": "Nimetön."},
)


@pytest_asyncio.fixture
async def web_api() -> AsyncIterator[tuple[FakeSlack, aiohttp.ClientSession]]:
    fake = await FakeSlack().start()
    fake.add_user(BOT_USER, "Yhdessä", is_bot=True)
    async with aiohttp.ClientSession() as session:
        yield fake, session
    await fake.stop()


async def test_the_same_call_as_slack_sdk_reaches_slack(web_api: tuple[FakeSlack, aiohttp.ClientSession]) -> None:
    fake, session = web_api
    client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url, session=session)
    args = {"channel": DM, "text": blocks.prompt_fallback(PROMPT), "blocks": blocks.prompt_blocks(PROMPT, Catalog.load())}
    ours = await web_calls.post(client, "chat.postMessage", {**args, "thread_ts": None})
    theirs = await client.chat_postMessage(**args)
    first, second = fake.called("chat.postMessage")
    assert ours["ok"] and theirs["ok"] and ours["channel"] == DM and ours["ts"] != theirs["ts"]
    assert first.args == second.args == args  # Finnish text and quotes intact; None left out
    assert first.authorization == second.authorization == "Bearer xoxb-test"
    assert fake.refused == []


async def test_a_call_without_a_token_is_refused_as_slack_refuses_it(web_api: tuple[FakeSlack, aiohttp.ClientSession]) -> None:
    fake, session = web_api
    with pytest.raises(SlackApiError) as refused:
        await web_calls.post(AsyncWebClient(token=None, base_url=fake.base_url, session=session), "chat.postMessage", {"channel": DM, "text": "hei"})
    assert refused.value.response["error"] == "not_authed"
    assert isinstance(classify(refused.value), Undeliverable)


async def test_rate_limits_and_server_errors_are_sorted_like_slack_sdks(web_api: tuple[FakeSlack, aiohttp.ClientSession]) -> None:
    fake, session = web_api
    client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url, session=session)
    fake.fail("chat.update", status=429, retry_after=7)
    fake.fail("chat.update", status=500, retry_after=None, error="internal_error")
    fake.fail("chat.update", status=200, retry_after=None, error="channel_not_found")
    outcomes = []
    for _ in range(3):
        with pytest.raises(SlackApiError) as failed:
            await web_calls.post(client, "chat.update", {"channel": DM, "ts": "1.2", "text": "Vastasit: 4"})
        outcomes.append(classify(failed.value))
    limited, broken, gone = outcomes
    assert isinstance(limited, RetryLater) and limited.rate_limited and limited.retry_after == 7.0
    assert isinstance(broken, RetryLater) and not broken.rate_limited
    assert isinstance(gone, Undeliverable) and "channel_not_found" in str(gone)


async def test_a_proxy_error_page_is_tried_again() -> None:
    async def bad_gateway(request: web.Request) -> web.Response:
        return web.Response(status=502, text="<html><body>502 Bad Gateway</body></html>", content_type="text/html")

    app = web.Application()
    app.router.add_post("/api/{method}", bad_gateway)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with aiohttp.ClientSession() as session:
            client = AsyncWebClient(token="xoxb-test", base_url=f"http://127.0.0.1:{port}/api/", session=session)
            with pytest.raises(SlackApiError) as failed:
                await web_calls.post(client, "chat.postMessage", {"channel": DM, "text": "hei"})
    finally:
        await runner.cleanup()
    assert failed.value.response.status_code == 502
    assert isinstance(classify(failed.value), RetryLater)
