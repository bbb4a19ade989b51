"""The scheduler with a controlled clock: a real AsyncIOScheduler runs; the tests tell it the time.

Due times come from the APScheduler job (its trigger's next fire time); `tick(now)` then does what
the job would do at that moment.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest_asyncio

from bot.app import Core, build_core
from bot.scheduling.service import SchedulerService
from tests.conftest import Console, make_settings
from tests.scheduling.helpers import key, last_outbox_id, outbox_after, rounds, schedules

HELSINKI = ZoneInfo("Europe/Helsinki")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest_asyncio.fixture
async def started() -> AsyncIterator[Callable[..., object]]:
    services: list[SchedulerService] = []

    async def start(core: Core, clock: Clock) -> SchedulerService:
        service = SchedulerService(core, clock=clock, poll_seconds=3600, leader_seconds=3600)
        services.append(service)
        await service.start()
        return service

    yield start
    for service in services:
        await service.stop()


async def network_of_three(console: Console, schedule: str) -> int:
    """alice coordinates; bob and carol are members; the default pulse is removed; one schedule added."""
    await console.command("alice", "schedule list")
    await console.say("bob", "hello")
    await console.say("carol", "hello")
    (default,) = await schedules(console.core)
    await console.command("alice", f"schedule remove {default.id}")
    await console.command("alice", schedule)
    (row,) = await schedules(console.core)
    return row.id


async def answer_all(console: Console, who: str) -> None:
    for _ in range(20):
        out = await console.say(who, "4")
        if any("no open question" in getattr(m, "text", "") for m in out):
            return


async def test_weekly_schedule_fires_reminds_non_responders_once_and_closes(console: Console, started) -> None:  # type: ignore[no-untyped-def]
    schedule_id = await network_of_three(console, 'schedule add pulse-trust "every monday 09:00" --tz Europe/Helsinki --closes 3d --remind 1d')
    clock = Clock(datetime.now(timezone.utc))
    service = await started(console.core, clock)
    due = service.next_run(schedule_id)
    assert due is not None and due.astimezone(HELSINKI).weekday() == 0 and due.astimezone(HELSINKI).hour == 9

    mark = await last_outbox_id(console.core)
    clock.now = due
    await service.tick()
    (round_,) = await rounds(console.core)
    assert round_.schedule_id == schedule_id and round_.status == "open"
    opened = await outbox_after(console.core, mark)
    prompted = {m.audience for m in opened if m.kind == "prompt"}
    assert prompted == {key("alice"), key("bob"), key("carol")}
    assert any(m.audience == key("alice") and "scheduled round" in m.text for m in opened)  # the coordinator is told
    await service.tick(due + timedelta(minutes=1))
    assert len(await rounds(console.core)) == 1  # the same firing never runs twice

    await answer_all(console, "bob")
    mark = await last_outbox_id(console.core)
    clock.now = due + timedelta(days=1)  # Tuesday 09:00 in Helsinki: working hours
    await service.tick()
    reminders = [m for m in await outbox_after(console.core, mark) if m.kind == "notice"]
    assert sorted(m.audience for m in reminders) == [key("alice"), key("carol")]
    assert all("friendly reminder" in m.text for m in reminders)
    mark = await last_outbox_id(console.core)
    await service.tick(due + timedelta(days=1, hours=2))
    assert await outbox_after(console.core, mark) == []  # once

    clock.now = due + timedelta(days=3)
    await service.tick()
    (closed,) = await rounds(console.core)
    assert closed.status == "closed"
    results = await outbox_after(console.core, mark)
    assert results and all(m.audience == key("alice") for m in results)  # no report channel: to the coordinators


async def test_reminder_waits_for_working_hours_and_skips_who_answered(console: Console, started) -> None:  # type: ignore[no-untyped-def]
    schedule_id = await network_of_three(console, 'schedule add pulse-trust "every friday 16:00" --closes 5d --remind 2h')
    clock = Clock(datetime.now(timezone.utc))
    service = await started(console.core, clock)
    due = service.next_run(schedule_id)
    assert due is not None
    await service.tick(due)
    mark = await last_outbox_id(console.core)
    await service.tick(due + timedelta(hours=2))  # Friday 18:00: after hours
    await service.tick(due + timedelta(days=1, hours=2))  # Saturday
    assert await outbox_after(console.core, mark) == []
    await answer_all(console, "carol")  # answers at the weekend
    mark = await last_outbox_id(console.core)
    monday_nine = (due.astimezone(HELSINKI) + timedelta(days=3)).replace(hour=9)
    await service.tick(monday_nine - timedelta(minutes=1))
    assert await outbox_after(console.core, mark) == []
    await service.tick(monday_nine)
    reminded = {m.audience for m in await outbox_after(console.core, mark) if "friendly reminder" in m.text}
    assert reminded == {key("alice"), key("bob")}


async def test_local_time_members_get_it_at_0900_their_own_time(console: Console, started) -> None:  # type: ignore[no-untyped-def]
    await console.command("alice", "schedule list")
    await console.say("bob", "hello")
    await console.command("bob", "members set me tz=Europe/Stockholm")
    (default,) = await schedules(console.core)
    await console.command("alice", f"schedule remove {default.id}")
    await console.command("alice", 'schedule add pulse-trust "every monday 09:00" --local-time')
    (row,) = await schedules(console.core)
    clock = Clock(datetime.now(timezone.utc))
    service = await started(console.core, clock)
    due = service.next_run(row.id)
    assert due is not None and due.astimezone(HELSINKI).hour == 9  # Helsinki reaches 09:00 first
    mark = await last_outbox_id(console.core)
    await service.tick(due)
    prompts = {m.audience: m.available_at for m in await outbox_after(console.core, mark) if m.kind == "prompt"}
    assert prompts[key("bob")] == due + timedelta(hours=1)  # 09:00 in Stockholm
    assert prompts[key("alice")] <= datetime.now(timezone.utc)  # alice's 09:00 is now
    assert len(await rounds(console.core)) == 1


@pytest_asyncio.fixture
async def reopen(db_url: str, tmp_path) -> AsyncIterator[Callable[..., object]]:  # type: ignore[no-untyped-def]
    """A bot process restarted after an outage: a new core and service on the same database."""
    opened: list[tuple[Core, SchedulerService]] = []

    async def again(clock: Clock, **settings: object) -> SchedulerService:
        for _, earlier in opened:
            await earlier.stop()  # the earlier process is gone (on PostgreSQL it would still lead)
        core = await build_core(make_settings(db_url, tmp_path, **settings))
        service = SchedulerService(core, clock=clock, poll_seconds=3600, leader_seconds=3600)
        opened.append((core, service))
        await service.start()
        return service

    yield again
    for core, service in opened:
        await service.stop()
        await core.close()


async def test_missed_firing_runs_once_within_grace_and_not_after(console: Console, started, reopen, caplog) -> None:  # type: ignore[no-untyped-def]
    schedule_id = await network_of_three(console, 'schedule add pulse-trust "every monday 09:00" --closes 2d')
    clock = Clock(datetime.now(timezone.utc))
    service = await started(console.core, clock)
    first = service.next_run(schedule_id)
    assert first is not None
    await service.tick(first)
    await service.stop()  # the outage begins

    second = first + timedelta(days=7)
    clock.now = second + timedelta(hours=5)  # back within the 6 h grace period
    await reopen(clock)
    after = await rounds(console.core)
    assert len(after) == 2 and after[0].status == "closed"  # deadline passed while down: closed at start-up
    assert after[1].closes_at == clock.now + timedelta(days=2)  # members get the whole answering time
    again = await reopen(clock)  # another restart at the same moment: nothing twice
    await again.tick()
    assert len(await rounds(console.core)) == 2

    third = second + timedelta(days=7)
    clock.now = third + timedelta(hours=7)  # past the grace period
    with caplog.at_level(logging.WARNING, logger="bot.scheduling.service"):
        await reopen(clock)
    assert len(await rounds(console.core)) == 2
    assert "skipped" in caplog.text


async def test_several_missed_firings_coalesce_into_one_round(console: Console, started, reopen) -> None:  # type: ignore[no-untyped-def]
    schedule_id = await network_of_three(console, 'schedule add pulse-trust "every day 09:00"')
    clock = Clock(datetime.now(timezone.utc))
    service = await started(console.core, clock)
    first = service.next_run(schedule_id)
    assert first is not None
    await service.stop()
    clock.now = first + timedelta(days=3, hours=1)  # four daily firings passed while down
    await reopen(clock, schedule_grace_hours=24 * 7)
    assert len(await rounds(console.core)) == 1
