"""The scheduler in the bot's event loop: APScheduler jobs built from OUR `schedules` table.

The table is the source of truth, never APScheduler's job store (several processes cannot share
one). Every process runs an AsyncIOScheduler with one job, the leadership check; the leader adds a
job per schedule (firing at its exact time) and a poll job that re-reads the table every few
seconds. Both run `tick(now)`, which works only from the table: fire what is due (missed firings
within the grace period coalesce into one round; older ones are skipped with a log line), send
reminders and close rounds at their deadlines. So start-up after downtime is just the first tick.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from bot.scheduling import action_reminders, firing
from bot.scheduling.defaults import ensure_default, networks_without_default
from bot.scheduling.leader import Leadership
from bot.scheduling.models import RoundReminder
from bot.scheduling.triggers import ScheduleTrigger
from storage import repository as repo
from storage.models import Network, Round, Schedule, utcnow

log = logging.getLogger(__name__)


class SchedulerService:
    def __init__(
        self,
        core: Any,
        *,
        clock: Callable[[], datetime] = utcnow,
        poll_seconds: float = 5.0,
        leader_seconds: float = 5.0,
    ) -> None:
        self.core = core
        self.db = core.db
        self.config = core.config
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.leader_seconds = leader_seconds
        self.grace = timedelta(hours=core.settings.schedule_grace_hours)
        self.hours = firing.working_hours(core.settings.working_hours)
        self.leadership = Leadership(core.db)
        self.scheduler: AsyncIOScheduler | None = None
        self.triggers: dict[int, ScheduleTrigger] = {}
        self._shapes: dict[int, tuple[object, ...]] = {}
        self._tick_lock = asyncio.Lock()

    @property
    def leading(self) -> bool:
        return self.leadership.leading

    async def start(self) -> None:
        self.scheduler = AsyncIOScheduler(
            timezone=timezone.utc,
            # Our tick decides about lateness from the table; APScheduler's 1 s grace would drop runs.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self.scheduler.start()
        self.scheduler.add_job(self._lead, IntervalTrigger(seconds=self.leader_seconds), id="leadership")
        await self._lead()

    async def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        async with self._tick_lock:
            await self.leadership.release()

    async def _lead(self) -> None:
        was = self.leadership.leading
        try:
            leading = await self.leadership.check()
        except Exception:
            log.exception("scheduler: leadership check failed; trying again in %.0f s", self.leader_seconds)
            leading = False
        if leading and not was:
            assert self.scheduler is not None
            self.scheduler.add_job(self._poll, IntervalTrigger(seconds=self.poll_seconds), id="poll", replace_existing=True)
            await self._poll()  # start-up: catch up on firings, reminders and deadlines missed while down
        elif was and not leading:
            self._drop_jobs()

    def _drop_jobs(self) -> None:
        if self.scheduler is not None:
            for job in self.scheduler.get_jobs():
                if job.id != "leadership":
                    job.remove()
        self.triggers.clear()
        self._shapes.clear()

    async def _poll(self) -> None:
        try:
            await self.tick()
        except Exception:
            log.exception("scheduler: tick failed; trying again at the next poll")

    async def tick(self, now: datetime | None = None) -> int:
        """Do everything due at `now` (the injected clock by default); returns messages queued."""
        async with self._tick_lock:
            if not self.leadership.leading:
                return 0
            now = now or self.clock()
            queued = await self._defaults(now)
            schedules = await self._sync(now)
            for schedule in schedules:
                queued += await self._fire_due(schedule, now)
            queued += await self._reminders(now)
            queued += await self._deadlines(now)
            queued += await self._action_reminders(now)
            if queued and getattr(self.core, "dispatcher", None) is not None:
                self.core.dispatcher.wake()
            return queued

    async def _defaults(self, now: datetime) -> int:
        async with self.db.transaction() as tx:
            for network in await networks_without_default(tx):
                created = await ensure_default(tx, self.config, network, now)
                if created is not None:
                    log.info("scheduler: network %s got its default schedule #%s", network.key, created.id)
        return 0

    async def _sync(self, now: datetime) -> list[Schedule]:
        """Rebuild triggers and APScheduler jobs of schedules that changed since the last look."""
        async with self.db.transaction() as tx:
            rows = (await tx.execute(select(Schedule, Network).join(Network, Network.id == Schedule.network_id))).all()
            active: list[Schedule] = []
            for schedule, network in rows:
                if schedule.paused:
                    continue
                trigger = await firing.trigger_of(tx, schedule, network)
                shape = (schedule.cron, tuple(str(z) for z in trigger.zones), schedule.created_at)
                if self._shapes.get(schedule.id) != shape:
                    self._shapes[schedule.id] = shape
                    self.triggers[schedule.id] = trigger
                    if self.scheduler is not None:
                        self.scheduler.add_job(self._poll, trigger, id=f"schedule:{schedule.id}", replace_existing=True)
                active.append(schedule)
        for gone in set(self._shapes) - {s.id for s in active}:
            self._shapes.pop(gone, None)
            self.triggers.pop(gone, None)
            if self.scheduler is not None and self.scheduler.get_job(f"schedule:{gone}") is not None:
                self.scheduler.remove_job(f"schedule:{gone}")
        return active

    def next_run(self, schedule_id: int) -> datetime | None:
        job = self.scheduler.get_job(f"schedule:{schedule_id}") if self.scheduler is not None else None
        return None if job is None else job.next_run_time

    async def _fire_due(self, schedule: Schedule, now: datetime) -> int:
        trigger = self.triggers[schedule.id]
        since = schedule.last_fired_at or schedule.created_at
        first = trigger.next_after(since)
        if first is None or first.at > now:
            return 0
        window = list(trigger.firings_between(max(since, now - self.grace), now))
        if first.at <= now - self.grace:
            log.warning(
                "scheduler: schedule #%s (%s) missed its firing at %s while the bot was down; "
                "older than the %s grace period, so it is skipped",
                schedule.id, schedule.flow_id, first.at.isoformat(), self.grace,
            )
        if not window:
            async with self.db.transaction() as tx:
                await firing.claim_firing(tx, schedule.id, now - self.grace)
            return 0
        due = window[-1]
        if len(window) > 1:
            log.info("scheduler: schedule #%s missed %d firings; they run as one round", schedule.id, len(window))
        async with self.db.transaction() as tx:
            if not await firing.claim_firing(tx, schedule.id, due.at):
                return 0  # another process (or an earlier tick) handled it
            fresh = await tx.get(Schedule, schedule.id)
            assert fresh is not None
            round_, out, hold = await firing.fire(tx, self.config, fresh, due, now)
            await firing.enqueue(tx, out, hold)
        if round_ is not None:
            log.info("scheduler: schedule #%s fired for %s: round #%s", schedule.id, due.at.isoformat(), round_.id)
            await self.core.engine.finish_launches([round_.id])  # members beyond the first chunk
        return len(out)

    async def _reminders(self, now: datetime) -> int:
        async with self.db.transaction() as tx:
            stmt = select(Round).where(Round.status == "open", Round.remind_at.is_not(None), Round.remind_at <= now, Round.reminded_at.is_(None))
            for round_ in (await tx.execute(stmt)).scalars().all():
                await firing.plan_reminders(tx, round_, now, self.hours)
        async with self.db.transaction() as tx:
            due = select(RoundReminder).where(RoundReminder.sent_at.is_(None), RoundReminder.due_at <= now)
            reminders = (await tx.execute(due)).scalars().all()
        queued = 0
        for reminder in reminders:
            async with self.db.transaction() as tx:
                out = await firing.send_reminder(tx, self.config, reminder, now)
                await firing.enqueue(tx, out)
                queued += len(out)
        return queued

    async def _action_reminders(self, now: datetime) -> int:
        async with self.db.transaction() as tx:
            out = await action_reminders.send_due(tx, self.config, now, self.hours)
            await firing.enqueue(tx, out)
        return len(out)

    async def _deadlines(self, now: datetime) -> int:
        async with self.db.transaction() as tx:
            due = [r.id for r in await repo.due_rounds(tx, now)]
        queued = 0
        for round_id in due:
            async with self.db.transaction() as tx:
                round_ = await tx.get(Round, round_id)
                if round_ is None:
                    continue
                out = await firing.close_due(tx, self.config, round_, now)
                await firing.enqueue(tx, out)
                queued += len(out)
        return queued
