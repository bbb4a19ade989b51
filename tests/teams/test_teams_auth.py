"""Authentication, host validation and the turn-error handler of /api/messages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator

from adapters.teams.connector import auth_configuration
from bot.app import Core, build_core
from storage import repository as repo
from storage.models import ConversationReference, InboxEntry, Member, OutboxMessage
from tests.conftest import make_settings
from tests.teams.fake_connector import FakeConnector
from tests.teams.test_teams_http import count, drain
from tests.teams.tokens import bot_framework_token, forged_tokens, trusted_test_key
from tests.teams.wire import live_bot, member_key, personal_conversation, personal_message, team_install

APP_ID = "00000000-0000-4000-8000-00000000a99"


@pytest_asyncio.fixture
async def production_core(sqlite_url: str, tmp_path) -> AsyncIterator[Core]:  # type: ignore[no-untyped-def]
    core = await build_core(make_settings(sqlite_url, tmp_path, teams_app_id=APP_ID, teams_app_password="not-a-real-secret"))
    yield core
    await core.close()


async def test_with_an_app_id_an_unauthenticated_request_gets_401(production_core: Core, connector: FakeConnector) -> None:
    async with live_bot(production_core) as bot:
        activity = personal_message(connector.url, "alice", "help")
        assert await bot.post(activity) == 401
        assert await bot.post(activity, {"Authorization": "Bearer not.a.token"}) == 401
    assert await count(production_core, InboxEntry) == 0
    assert await count(production_core, ConversationReference) == 0
    assert connector.calls == []


async def test_a_forged_service_url_is_refused_even_with_a_valid_token(production_core: Core, connector: FakeConnector) -> None:
    with trusted_test_key() as key:
        token = bot_framework_token(key, APP_ID, connector.url)
        # The token itself passes the SDK's validator: the refusal below is about the host.
        claims = await JwtTokenValidator(auth_configuration(production_core.settings)).validate_token(token)
        assert claims.get_claim_value("aud") == APP_ID
        async with live_bot(production_core) as bot:
            status = await bot.post(personal_message(connector.url, "alice", "help"), {"Authorization": f"Bearer {token}"})
    assert status == 401
    assert await count(production_core, InboxEntry) == 0
    assert connector.calls == []


async def test_a_stored_reference_to_a_foreign_host_is_never_called(production_core: Core, connector: FakeConnector) -> None:
    async with live_bot(production_core):
        async with production_core.db.transaction() as tx:
            reference = {"service_url": connector.url, "channel_id": "msteams", "tenant_id": None, "bot": None, "user": None,
                         "conversation": {"id": personal_conversation("alice")}}
            await repo.save_reference(tx, member_key("alice"), "teams", reference)
            await repo.enqueue(tx, "teams", member_key("alice"), {"type": "notice", "audience": {"platform": "teams", "member_key": member_key("alice"), "channel_key": None}, "text": "hi", "language": "en"})
        await drain(production_core)
    assert connector.calls == []
    assert await count(production_core, OutboxMessage, OutboxMessage.status == "dead") == 1


async def test_without_an_app_id_the_log_says_authentication_is_off(sqlite_url: str, tmp_path, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    core = await build_core(make_settings(sqlite_url, tmp_path))
    try:
        with caplog.at_level(logging.WARNING, logger="adapters.teams.mount"):
            async with live_bot(core):
                pass
    finally:
        await core.close()
    assert any("authentication is OFF" in r.getMessage() for r in caplog.records)


async def test_a_failing_turn_tells_the_member_without_internals(sqlite_url: str, tmp_path, connector: FakeConnector) -> None:  # type: ignore[no-untyped-def]
    core = await build_core(make_settings(sqlite_url, tmp_path))

    async def broken(event: object) -> bool:
        raise RuntimeError(f"database at {connector.url} exploded")

    core.inbox.submit = broken  # type: ignore[method-assign]
    try:
        async with live_bot(core) as bot:
            assert await bot.post(personal_message(connector.url, "alice", "help")) == 202
    finally:
        await core.close()
    texts = [c.text for c in connector.delivered(conversation=personal_conversation("alice"))]
    assert texts == [core.catalog.t("en", "error_generic")]
    assert not any("exploded" in t or "127.0.0.1" in t for t in texts)


async def test_forged_tokens_get_401_and_store_nothing(production_core: Core, connector: FakeConnector, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each forged token is refused for itself: the fake connector's 127.0.0.1 is let through as a
    Bot Framework host here, so the same request with a good token is taken (202), and the
    validator alone refuses every forged one."""
    monkeypatch.setattr("adapters.teams.connector.OutboundHostValidator.is_allowed", lambda self, url: True)
    with trusted_test_key() as key:
        tokens = forged_tokens(key, APP_ID, connector.url)
        assert {"foreign issuer", "no kid", "alg none", "HS256", "expired", "wrong audience"} <= set(tokens)
        validator = JwtTokenValidator(auth_configuration(production_core.settings))
        for name, token in tokens.items():
            with pytest.raises(Exception) as refused:
                await validator.validate_token(token)
            assert not isinstance(refused.value, AssertionError), name
        async with live_bot(production_core) as bot:
            statuses = {name: await bot.post(personal_message(connector.url, "alice", "help"), {"Authorization": f"Bearer {token}"}) for name, token in tokens.items()}
            assert await count(production_core, InboxEntry) == 0
            assert await count(production_core, ConversationReference) == 0
            assert await count(production_core, Member) == 0
            assert connector.calls == []  # nothing was answered to a forged request
            good = bot_framework_token(key, APP_ID, connector.url)
            accepted = await bot.post(personal_message(connector.url, "alice", "help"), {"Authorization": f"Bearer {good}"})
    assert statuses == {name: 401 for name in tokens}
    assert accepted == 202 and await count(production_core, InboxEntry) == 1  # the refusals were the tokens' doing


@pytest.mark.parametrize("body", [b"", b"{", b"[]", b'{"type": 5}', b'"text"', b"\xff\xfe", b'{"type": "message", "conversation": "x"}'])
async def test_a_malformed_body_gets_400_and_stores_nothing(sqlite_url: str, tmp_path, body: bytes) -> None:  # type: ignore[no-untyped-def]
    core = await build_core(make_settings(sqlite_url, tmp_path))
    try:
        async with live_bot(core) as bot:
            async with bot.session.post(f"{bot.url}/api/messages", data=body, headers={"Content-Type": "application/json"}) as response:
                status, text = response.status, await response.text()
        assert status == 400, text
        assert "Traceback" not in text
        assert await count(core, InboxEntry) == 0
        assert await count(core, ConversationReference) == 0
    finally:
        await core.close()


async def test_an_unreachable_entra_id_never_fails_an_inbound_request(production_core: Core, connector: FakeConnector, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outbound tokens are fetched when a message is sent, not for every inbound activity."""
    from microsoft_agents.authentication.msal import MsalAuth

    asked: list[str] = []

    async def unreachable(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:  # type: ignore[no-untyped-def]
        asked.append(resource_url)
        raise ConnectionError("login.microsoftonline.com unreachable")

    monkeypatch.setattr(MsalAuth, "get_access_token", unreachable)
    monkeypatch.setattr("adapters.teams.connector.OutboundHostValidator.is_allowed", lambda self, url: True)
    with trusted_test_key() as key:
        token = bot_framework_token(key, APP_ID, connector.url)
        async with live_bot(production_core) as bot:
            status = await bot.post(personal_message(connector.url, "alice", "help"), {"Authorization": f"Bearer {token}"})
            assert status == 202 and asked == []
            # Installed in a team, the bot asks for the roster (a call out, so a token): it fails,
            # and the install is still answered without an error.
            assert await bot.post(team_install(connector.url, "coco"), {"Authorization": f"Bearer {token}"}) == 202
            asked.clear()
            assert await count(production_core, InboxEntry) == 1
            await drain(production_core)
    assert asked  # the send asked for a token, failed, and waits in the outbox for another try
    assert await count(production_core, OutboxMessage, OutboxMessage.status == "pending") >= 1
