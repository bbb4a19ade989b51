"""A launch to more members than fit in one chunk: everyone is asked exactly once, other members'
clicks are answered while it runs, and a launch cut short finishes later without asking anyone
twice. Chunks are made small here so that a few hundred members make many of them."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from bot.app import Core, build_core
from flows.messages import Audience, Document, Notice, Prompt, to_json
from storage import fanout
from storage.models import LaunchChunk, Member, MemberSession, OutboxMessage, Response, Round, utcnow
from flows.events import CommandIssued, MemberAnswered
from tests.conftest import CONSOLE, Console, make_settings, member

CHUNK = 40
MEMBERS = 300


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fanout, "CHUNK", CHUNK)


async def _network(core: Core, console: Console, extra: int = MEMBERS) -> None:
    """alice coordinates (the first console member), bob has a named round open, and `extra`
    members are added as plain rows (as a directory sync would)."""
    await console.command("alice", "/yhdessa help")
    await console.command("bob", "/yhdessa help")
    async with core.db.transaction() as tx:
        network_id = (await tx.execute(select(Member.network_id).limit(1))).scalar_one()
        now = utcnow()
        rows = [
            {"network_id": network_id, "key": f"console:local:m{i:04d}", "display_name": f"Member {i}", "role": "member", "may_be_named": False, "created_at": now}
            for i in range(extra)
        ]
        if rows:
            await tx.execute(insert(Member.__table__), rows)


async def _prompts(core: Core, round_id: int) -> Counter[str]:
    async with core.db.transaction() as tx:
        rows = (await tx.execute(select(OutboxMessage.audience, OutboxMessage.message))).all()
    return Counter(a for a, m in rows if m["type"] == "prompt" and m["prompt_ref"].startswith(f"{round_id}:"))


async def _sessions(core: Core, round_id: int) -> list[MemberSession]:
    async with core.db.transaction() as tx:
        return list((await tx.execute(select(MemberSession).where(MemberSession.round_id == round_id))).scalars().all())


async def _everyone(core: Core) -> set[str]:
    async with core.db.transaction() as tx:
        return set((await tx.execute(select(Member.key))).scalars().all())


async def _last_round(core: Core) -> Round:
    async with core.db.transaction() as tx:
        return (await tx.execute(select(Round).order_by(Round.id.desc()).limit(1))).scalar_one()


async def test_a_launch_bigger_than_a_chunk_asks_everyone_once(core: Core, console: Console) -> None:
    await _network(core, console)
    out = await console.command("alice", "/yhdessa pulse start trust network")
    round_ = await _last_round(core)
    everyone = await _everyone(core)

    said = " ".join(m.text for m in out if isinstance(m, Notice))
    assert f"{MEMBERS + 2} members invited" in said  # the whole audience, not the first chunk
    assert round_.invited == MEMBERS + 2
    # The command's own replies carry the first chunk; the rest went straight to the outbox.
    assert 0 < sum(isinstance(m, Prompt) for m in out) <= CHUNK
    prompts = await _prompts(core, round_.id)
    assert set(prompts) == everyone and set(prompts.values()) == {1}
    # What is queued is what the turn's own prompt says, for a member of the first chunk and one
    # of the last alike (built in bulk, not message by message).
    first = next(m for m in out if isinstance(m, Prompt))
    async with core.db.transaction() as tx:
        stored = {a: m for a, m in (await tx.execute(select(OutboxMessage.audience, OutboxMessage.message))).all() if m["type"] == "prompt"}
    assert stored[first.audience.key] == to_json(first)
    last_key = sorted(everyone)[-1]
    assert stored[last_key] == to_json(dataclasses.replace(first, audience=Audience.member(last_key)))
    sessions = await _sessions(core, round_.id)
    assert len(sessions) == MEMBERS + 2 and all(s.status == "open" and s.step_id == "trust-1" for s in sessions)
    # An anonymous round's sessions carry nothing that could turn up again beside an answer.
    assert round_.anonymous and all(s.submission is None for s in sessions)
    async with core.db.transaction() as tx:
        assert await fanout.waiting(tx) == 0
    # Any of them can answer, whichever chunk asked them.
    last = sorted(everyone)[-1].rsplit(":", 1)[1]
    await console.answer(last, f"{round_.id}:trust-1", "4")
    [mine] = [s for s in await _sessions(core, round_.id) if s.answered]
    assert mine.answered == ["trust-1"]


async def test_named_sessions_each_get_their_own_submission(core: Core, console: Console) -> None:
    await _network(core, console, extra=CHUNK * 3)
    await console.command("alice", "/yhdessa pulse start trust network --named")
    sessions = await _sessions(core, (await _last_round(core)).id)
    submissions = [s.submission for s in sessions]
    assert None not in submissions and len(set(submissions)) == len(sessions)


async def test_a_click_during_a_big_launch_is_answered_before_the_launch_ends(core: Core, console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    await _network(core, console, extra=0)
    [bob_prompt] = [m for m in await console.command("alice", "/yhdessa pulse start trust network --named") if isinstance(m, Prompt) and m.audience.key.endswith(":bob")]
    await _network_members(core, MEMBERS * 2)
    launcher = core.engine.launcher
    chunks_done = 0
    second_chunk = asyncio.Event()
    real = launcher.invite_chunk

    async def counted(round_ids: Any = None) -> int | None:
        nonlocal chunks_done
        count = await real(round_ids)
        chunks_done += 1
        if chunks_done == 2:
            second_chunk.set()
        return count

    monkeypatch.setattr(launcher, "invite_chunk", counted)
    launch = asyncio.create_task(console.command("alice", "/yhdessa pulse start commitment network"))
    await asyncio.wait_for(second_chunk.wait(), 30)
    reply = await console.answer("bob", bob_prompt.prompt_ref, "5")

    # Bob was answered (his next question) while most of the launch was still to be written.
    assert any(isinstance(m, Prompt) and m.prompt_ref.endswith("trust-2") for m in reply)
    assert not launch.done()
    total = MEMBERS * 2 // CHUNK
    assert chunks_done < total
    await launch
    async with core.db.transaction() as tx:
        assert (await tx.execute(select(func.count()).select_from(Response))).scalar_one() == 1
    prompts = await _prompts(core, (await _last_round(core)).id)
    assert set(prompts) == await _everyone(core) and set(prompts.values()) == {1}


async def _network_members(core: Core, count: int) -> None:
    async with core.db.transaction() as tx:
        network_id = (await tx.execute(select(Member.network_id).limit(1))).scalar_one()
        now = utcnow()
        rows = [
            {"network_id": network_id, "key": f"console:local:n{i:04d}", "display_name": f"Newcomer {i}", "role": "member", "may_be_named": False, "created_at": now}
            for i in range(count)
        ]
        await tx.execute(insert(Member.__table__), rows)


def _crash_after(monkeypatch: pytest.MonkeyPatch, chunks: int) -> None:
    """The process dies while writing the chunk after `chunks` chunks: its sessions are inserted,
    its prompts are not, and its transaction never commits."""
    real = fanout.enqueue_rows
    calls = 0

    async def dying(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls > chunks:
            raise ConnectionError("the process died mid-launch")
        await real(*args, **kwargs)

    monkeypatch.setattr(fanout, "enqueue_rows", dying)


async def test_a_launch_interrupted_between_chunks_finishes_after_a_restart_with_no_duplicates(
    db_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await build_core(make_settings(db_url, tmp_path))
    console = Console(first)
    await _network(first, console)
    _crash_after(monkeypatch, chunks=2)
    out = await console.command("alice", "/yhdessa pulse start trust network")
    round_ = await _last_round(first)
    assert f"{MEMBERS + 2} members invited" in " ".join(m.text for m in out if isinstance(m, Notice))
    half = await _prompts(first, round_.id)
    sessions = await _sessions(first, round_.id)
    # Nothing of the chunk that failed is kept: each member with a session also has a prompt.
    assert len(sessions) == len(half) == 3 * CHUNK
    async with first.db.transaction() as tx:
        assert await fanout.waiting(tx, [round_.id]) == MEMBERS + 2 - 3 * CHUNK
    await first.close()
    monkeypatch.undo()
    monkeypatch.setattr(fanout, "CHUNK", CHUNK)

    restarted = await build_core(make_settings(db_url, tmp_path))
    try:
        invited = await restarted.engine.launcher.finish()
        assert invited == MEMBERS + 2 - 3 * CHUNK
        prompts = await _prompts(restarted, round_.id)
        assert set(prompts) == await _everyone(restarted) and set(prompts.values()) == {1}
        assert len(await _sessions(restarted, round_.id)) == MEMBERS + 2
        async with restarted.db.transaction() as tx:
            intros = (await tx.execute(select(OutboxMessage.audience, OutboxMessage.message))).all()
            assert (await tx.execute(select(func.count()).select_from(LaunchChunk))).scalar_one() == 0
        intro_counts = Counter(a for a, m in intros if m["type"] == "notice" and m["text"].startswith("A short, anonymous pulse"))
        assert set(intro_counts.values()) == {1} and len(intro_counts) == MEMBERS + 2
        assert await restarted.engine.launcher.finish() == 0  # a second sweep asks nobody again
    finally:
        await restarted.close()


async def test_a_round_closed_mid_launch_asks_nobody_else(core: Core, console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    await _network(core, console)
    _crash_after(monkeypatch, chunks=1)
    await console.command("alice", "/yhdessa pulse start trust network")
    round_ = await _last_round(core)
    before = await _prompts(core, round_.id)
    await console.command("alice", f"/yhdessa reflect close {round_.id}")
    monkeypatch.undo()
    monkeypatch.setattr(fanout, "CHUNK", CHUNK)
    assert await core.engine.launcher.finish() == 0
    assert await _prompts(core, round_.id) == before
    assert all(s.status == "closed" for s in await _sessions(core, round_.id))
    async with core.db.transaction() as tx:
        assert await fanout.waiting(tx, [round_.id]) == 0


async def test_a_member_who_erased_their_data_before_their_chunk_is_not_asked(core: Core, console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    await _network(core, console)
    _crash_after(monkeypatch, chunks=0)
    await console.command("alice", "/yhdessa pulse start trust network --named")
    round_ = await _last_round(core)
    monkeypatch.undo()
    monkeypatch.setattr(fanout, "CHUNK", CHUNK)
    leaving = "m0299"  # the member with the highest id: in the last chunk
    # Their pending invitation is theirs to see, as everything stored about them.
    [document] = [m for m in await console.command(leaving, "/yhdessa my-data") if isinstance(m, Document)]
    assert json.loads(document.content)["rounds_still_to_ask_you"] == [round_.id]
    await console.command(leaving, "/yhdessa forget-me")
    await console.command(leaving, "/yhdessa forget-me confirm")
    async with core.db.transaction() as tx:
        assert (await tx.execute(select(Member).where(Member.key == f"console:local:{leaving}"))).scalar_one_or_none() is None
    async with core.db.transaction() as tx:
        assert await fanout.waiting(tx, [round_.id]) == MEMBERS + 2 - CHUNK - 1  # off the waiting list too
    await core.engine.launcher.finish()
    prompts = await _prompts(core, round_.id)
    assert f"console:local:{leaving}" not in prompts
    assert set(prompts) == await _everyone(core) and set(prompts.values()) == {1}


async def test_a_network_map_launched_in_chunks_lists_every_other_member_to_each(core: Core, console: Console) -> None:
    await _network(core, console, extra=CHUNK * 2)
    out = await console.command("alice", "/yhdessa reflect start network-map network")
    round_ = await _last_round(core)
    everyone = await _everyone(core)
    async with core.db.transaction() as tx:
        stored = {a: m for a, m in (await tx.execute(select(OutboxMessage.audience, OutboxMessage.message))).all() if m["type"] == "prompt"}
    assert set(stored) == everyone
    for key, message in stored.items():
        assert message["prompt_ref"] == f"{round_.id}:know"
        assert {o["value"] for o in message["options"]} == everyone - {key}
    first = next(m for m in out if isinstance(m, Prompt))
    assert stored[first.audience.key] == to_json(first)


async def test_a_member_answering_in_the_channel_before_their_chunk_is_counted_once(core: Core, console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.events import ChannelRef

    await _network(core, console)
    _crash_after_sessions(monkeypatch)
    channel = ChannelRef("console", "local", "console:local:#all")
    out = await core.engine.handle(CommandIssued(CONSOLE, member("alice"), "/yhdessa pulse start trust network --in-channel --named", "launch-channel", channel=channel, is_direct=False))
    round_ = await _last_round(core)
    assert round_.delivery == "channel"
    [question] = [m for m in out if isinstance(m, Prompt) and m.prompt_ref.endswith(":trust-1")]
    monkeypatch.undo()
    monkeypatch.setattr(fanout, "CHUNK", CHUNK)
    # m0299 is in the last chunk, not asked yet; they answer the question posted in the channel.
    await core.engine.handle(MemberAnswered(CONSOLE, member("m0299"), question.prompt_ref, "4", "early-click", channel=channel))
    await core.engine.launcher.finish()
    round_ = await _last_round(core)
    sessions = await _sessions(core, round_.id)
    assert len(sessions) == round_.invited == MEMBERS + 2
    [early] = [s for s in sessions if s.answered]
    assert early.answered == ["trust-1"]  # their answer stands: the chunk did not open a second session


def _crash_after_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every chunk after the command's own turn fails (as if the process died while writing it)."""
    real = fanout.add_sessions
    calls = 0

    async def dying(*args: Any, **kwargs: Any) -> set[int]:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise ConnectionError("the process died mid-launch")
        return await real(*args, **kwargs)

    monkeypatch.setattr(fanout, "add_sessions", dying)
