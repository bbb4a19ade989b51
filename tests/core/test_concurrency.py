"""Exactly once under concurrency: on PostgreSQL two engines on their own connections (as two
processes would be) race; on SQLite one process runs the same turns side by side."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from sqlalchemy import func, select

from bot.app import Core, build_core
from flows.events import ChannelRef, CommandIssued, MemberAnswered
from flows.messages import Notice, Outbound, Prompt
from storage.models import Response
from tests.conftest import CONSOLE, make_settings, member

MEMBERS = [f"m{i:02d}" for i in range(20)]


@pytest_asyncio.fixture
async def engines(db_url: str, tmp_path) -> AsyncIterator[tuple[Core, Core]]:  # type: ignore[no-untyped-def]
    first = await build_core(make_settings(db_url, tmp_path))
    # SQLite serves one process; PostgreSQL, several: there the second engine has its own pool.
    second = await build_core(make_settings(db_url, tmp_path), migrate=False) if first.db.is_postgres else first
    yield first, second
    if second is not first:
        await second.close()
    await first.close()


async def _open(core: Core, text: str, channel: ChannelRef | None = None) -> list[Outbound]:
    await core.engine.handle(CommandIssued(CONSOLE, member("alice"), "/yhdessa help", "join-alice", is_direct=True))
    for name in MEMBERS:
        await core.engine.handle(CommandIssued(CONSOLE, member(name), "/yhdessa help", f"join-{name}", is_direct=True))
    return await core.engine.handle(CommandIssued(CONSOLE, member("alice"), text, "open", channel=channel, is_direct=channel is None))


def _refs(out: list[Outbound]) -> dict[str, str]:
    return {m.audience.member_key.rsplit(":", 1)[1]: m.prompt_ref for m in out if isinstance(m, Prompt) and m.audience.member_key}


def _said(out: list[Outbound]) -> str:
    return " ".join(m.text for m in out if isinstance(m, Notice))


async def _answers(core: Core) -> int:
    async with core.db.transaction() as tx:
        return int((await tx.execute(select(func.count()).select_from(Response))).scalar_one())


async def test_a_double_click_on_two_engines_stores_one_answer(engines: tuple[Core, Core]) -> None:
    first, second = engines
    refs = _refs(await _open(first, "/yhdessa pulse start trust network --named"))
    for core in {id(first): first, id(second): second}.values():  # connections ready, as in a running process
        await asyncio.gather(*(core.engine.handle(CommandIssued(CONSOLE, member(n), "/yhdessa stage", f"warm-{n}-{id(core)}")) for n in MEMBERS))

    async def double_click(name: str) -> tuple[list[Outbound], list[Outbound]]:
        one = MemberAnswered(CONSOLE, member(name), refs[name], "4", f"click-1-{name}")
        two = MemberAnswered(CONSOLE, member(name), refs[name], "5", f"click-2-{name}")
        return tuple(await asyncio.gather(first.engine.handle(one), second.engine.handle(two)))  # type: ignore[return-value]

    results = await asyncio.gather(*(double_click(name) for name in MEMBERS))
    assert await _answers(first) == len(MEMBERS)
    already = first.catalog.t("en", "already_answered")
    assert sum(already in _said(one) + _said(two) for one, two in results) == len(MEMBERS)


async def test_an_answer_arriving_while_the_round_closes_is_refused(engines: tuple[Core, Core]) -> None:
    first, second = engines
    refs = _refs(await _open(first, "/yhdessa pulse start trust network --named"))
    closing = asyncio.Event()

    class SlowResults:
        """Posting the results takes a while, inside the closing transaction."""

        async def round_closed(self, tx: Any, network: Any, round_: Any, audience: Any) -> list[Outbound]:
            closing.set()
            await asyncio.sleep(0.5)
            return [Notice(audience, "closed", "en")]

    second.config.summariser = SlowResults()
    close = asyncio.create_task(second.engine.handle(CommandIssued(CONSOLE, member("alice"), "/yhdessa reflect close", "close", is_direct=True)))
    await closing.wait()
    out = await first.engine.handle(MemberAnswered(CONSOLE, member("m01"), refs["m01"], "3", "late"))
    await close
    assert await _answers(first) == 0
    assert "has closed" in _said(out)


async def test_only_members_the_round_was_sent_to_may_answer_it(engines: tuple[Core, Core]) -> None:
    core, _ = engines
    out = await _open(core, "/yhdessa reflect start checkin #secret")  # by DM to the channel's members
    ref = next(iter(_refs(out).values()))
    intruder = await core.engine.handle(MemberAnswered(CONSOLE, member("mallory"), ref, "5", "mallory-1"))
    assert "was not sent to you" in _said(intruder)
    assert await _answers(core) == 0

    general = ChannelRef("console", "local", "general")
    out = await core.engine.handle(CommandIssued(CONSOLE, member("alice"), "/yhdessa reflect start checkin here --in-channel", "in-channel", channel=general))
    ref = next(m.prompt_ref for m in out if isinstance(m, Prompt))
    late = await core.engine.handle(MemberAnswered(CONSOLE, member("newcomer"), ref, "4", "newcomer-dm"))
    assert "was not sent to you" in _said(late)  # named from elsewhere
    await core.engine.handle(MemberAnswered(CONSOLE, member("newcomer"), ref, "4", "newcomer-channel", channel=general))
    assert await _answers(core) == 1  # clicked where the channel's members see it

    out = await core.engine.handle(CommandIssued(CONSOLE, member("alice"), "/yhdessa pulse start trust network --named", "pulse"))
    ref = next(m.prompt_ref for m in out if isinstance(m, Prompt))
    await core.engine.handle(MemberAnswered(CONSOLE, member("joined-later"), ref, "4", "joined-later"))
    assert await _answers(core) == 2  # the whole network is its audience, newcomers too
