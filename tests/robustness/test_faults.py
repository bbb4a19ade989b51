"""A database that cannot be written is said plainly: /healthz is 503 and the member is told."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from adapters.console.transport import ConsoleTransport
from bot.app import Core
from bot.server import build_web_app
from storage.models import OutboxMessage
from tests.conftest import Console
from tests.unwritable import make_unwritable
from tests.slack.conftest import fake, slack  # noqa: F401  (fixtures)
from tests.teams.conftest import connector  # noqa: F401  (fixture)


async def healthz(core: Core) -> tuple[int, dict]:
    app, _ = await build_web_app(core, [])
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        response = await client.get("/healthz")
        return response.status, await response.json()
    finally:
        await client.close()


@pytest.mark.parametrize("how", ["read-only", "full"])
async def test_healthz_is_503_when_the_database_cannot_be_written(core: Core, how: str) -> None:
    if core.db.is_postgres and how == "full":
        pytest.skip("a full disk is simulated on SQLite only")
    assert (await healthz(core))[0] == 200
    await make_unwritable(core.db, how)
    status, body = await healthz(core)
    assert status == 503
    assert body["status"] == "unhealthy" and body["database"]


async def test_healthz_probe_leaves_nothing_behind(core: Core) -> None:
    for _ in range(3):
        assert (await healthz(core))[0] == 200
    async with core.db.connect() as conn:
        if not core.db.is_postgres:
            names = (await conn.exec_driver_sql("SELECT name FROM sqlite_master")).scalars().all()
            assert "yhdessa_write_probe" not in names


@pytest.mark.parametrize(("lang", "expected"), [("en", "I could not save that, please try again."), ("fi", "En saanut tallennettua"), ("sv", "Jag kunde inte spara det")])
async def test_member_is_told_in_their_language_when_saving_fails(
    core: Core, console: Console, tmp_path: Path, lang: str, expected: str
) -> None:
    printed: list[str] = []
    core.transports["console"] = ConsoleTransport(core.catalog, "console:local:alice", tmp_path, printed.append)
    await console.command("alice", f"/yhdessa lang {lang}")
    async with core.db.transaction() as tx:
        outbox_before = (await tx.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
    await make_unwritable(core.db, "read-only")
    out = await core.handle(console_event("alice", "/yhdessa checkin"))
    assert out == []
    assert any(expected in line for line in printed), printed
    async with core.db.transaction() as tx:
        assert (await tx.execute(select(func.count()).select_from(OutboxMessage))).scalar_one() == outbox_before


async def test_a_turn_on_a_full_disk_is_told_and_keeps_nothing(core: Core, console: Console, tmp_path: Path) -> None:
    if core.db.is_postgres:
        pytest.skip("a full disk is simulated on SQLite only")
    printed: list[str] = []
    core.transports["console"] = ConsoleTransport(core.catalog, "console:local:alice", tmp_path, printed.append)
    await console.command("alice", "/yhdessa lang en")  # alice is the first member: a coordinator
    [help_reply] = await console.command("alice", "/yhdessa help all")
    # Two coordinator help texts cannot share one 4 KiB page: the second needs a page the full file
    # cannot give (the first one's page keeps less room than that).
    assert len(help_reply.text.encode()) > 2100
    async with core.db.transaction() as tx:
        outbox_before = (await tx.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
    await make_unwritable(core.db, "full")
    out = await core.handle(console_event("alice", "/yhdessa help all"))
    assert out == [] and [line for line in printed if line.strip()] == ["I could not save that, please try again."]
    async with core.db.transaction() as tx:
        assert (await tx.execute(select(func.count()).select_from(OutboxMessage))).scalar_one() == outbox_before


def console_event(who: str, text: str):  # type: ignore[no-untyped-def]
    import uuid

    from flows.events import CommandIssued
    from tests.conftest import CONSOLE, member

    return CommandIssued(CONSOLE, member(who), text, f"test:{uuid.uuid4().hex}", is_direct=True)


async def test_a_slack_member_is_told_directly_when_saving_fails(slack) -> None:  # type: ignore[no-untyped-def]
    await make_unwritable(slack.core.db, "read-only")
    status, body = await slack.command("help", user="UANNA")
    # The request cannot even be stored in the inbox: the acknowledgement itself says so (Slack
    # shows a slash command's response to the member alone), and nothing else is sent.
    assert status == 200 and "could not save" in body
    assert not [c for c in slack.fake.called("chat.postMessage") if "could not save" in str(c.args.get("text", ""))]


async def test_a_teams_member_is_told_in_the_turn_when_saving_fails(sqlite_url: str, tmp_path: Path, connector) -> None:  # type: ignore[no-untyped-def]
    from bot.app import build_core
    from tests.conftest import make_settings
    from tests.teams.wire import live_bot, personal_message

    core = await build_core(make_settings(sqlite_url, tmp_path))
    try:
        async with live_bot(core) as bot:
            assert await bot.post(personal_message(connector.url, "alice", "help")) == 202
            await make_unwritable(core.db, "read-only")
            await bot.post(personal_message(connector.url, "alice", "checkin"))
        assert any("could not save" in call.text for call in connector.delivered())
    finally:
        await core.close()
