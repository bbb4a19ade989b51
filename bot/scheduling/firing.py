"""What the scheduler does in the database: fire a schedule, plan and send reminders, close rounds.

Each function works inside one transaction handed in by the caller and guards its change with a
conditional UPDATE, so that even two processes that both believe they lead never do a thing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.scheduling.models import RoundReminder
from bot.scheduling.triggers import Firing, ScheduleTrigger, local_moment
from flows.events import ChannelRef
from flows.messages import Audience, ChartImages, Notice, Outbound, to_json
from flows.moments import moment_text
from flows import repeats
from flows.rounds import close_round, current_step, open_round, prompt_for
from flows.turn import EngineConfig, Turn, language_of
from storage import chart_images, repository as repo
from storage.models import Member, MemberSession, Network, Round, Schedule

log = logging.getLogger(__name__)


def zones_of(schedule: Schedule, network: Network, members: Sequence[Member]) -> list[str]:
    if not schedule.local_time:
        return [schedule.timezone]
    return list(dict.fromkeys(m.timezone or network.timezone for m in members)) or [schedule.timezone]


async def trigger_of(tx: AsyncSession, schedule: Schedule, network: Network) -> ScheduleTrigger:
    members = await repo.members_of(tx, network.id) if schedule.local_time else []
    return ScheduleTrigger(schedule.cron, zones_of(schedule, network, members), schedule.created_at)


async def enqueue(tx: AsyncSession, messages: Sequence[Outbound], hold: Mapping[str, datetime] | None = None) -> None:
    """Into the outbox; a message to a member in `hold` waits until that moment."""
    images = ChartImages()
    for message in messages:
        at = (hold or {}).get(message.audience.key)
        await repo.enqueue(tx, message.audience.platform, message.audience.key, to_json(message, images), available_at=at)
    await chart_images.save(tx, images.by_digest)


async def claim_firing(tx: AsyncSession, schedule_id: int, due: datetime) -> bool:
    """Mark `due` as handled; False if this or a later firing was handled already (by anyone)."""
    result = await tx.execute(
        update(Schedule)
        .where(Schedule.id == schedule_id, Schedule.paused.is_(False))
        .where(or_(Schedule.last_fired_at.is_(None), Schedule.last_fired_at < due))
        .values(last_fired_at=due)
    )
    return bool(result.rowcount)


async def _acting_member(tx: AsyncSession, schedule: Schedule, network: Network) -> Member:
    """Who the round is opened as: the schedule's creator, else a coordinator, else the bot itself."""
    creator = await tx.get(Member, schedule.created_by) if schedule.created_by else None
    if creator is not None:
        return creator
    coordinators = await repo.coordinators_of(tx, network.id)
    if coordinators:
        return coordinators[0]
    # Never added to the session: open_round stores no creator for a member without an id.
    return Member(network_id=network.id, key="system:yhdessa:scheduler", display_name="Yhdessä", role="coordinator")


async def fire(tx: AsyncSession, config: EngineConfig, schedule: Schedule, firing: Firing, now: datetime) -> tuple[Round | None, list[Outbound], dict[str, datetime]]:
    """Open the schedule's round for one firing, as a coordinator's command would."""
    network = await tx.get(Network, schedule.network_id)
    flow = config.flows.get(schedule.flow_id)
    if network is None or flow is None:
        log.error("schedule %s: flow %r is no longer available; firing at %s skipped", schedule.id, schedule.flow_id, firing.at)
        return None, [], {}
    channel = ChannelRef(*schedule.audience.removeprefix("channel:").split(":", 2)) if schedule.audience.startswith("channel:") else None
    turn = Turn(tx, config, network, await _acting_member(tx, schedule, network), channel, is_direct=False)
    # Held to each member's own time, every invitation is written here, where the holds are applied.
    round_ = await open_round(turn, flow, schedule.audience, anonymous=schedule.anonymous, schedule_id=schedule.id, all_at_once=schedule.local_time, level=schedule.level)
    hold: dict[str, datetime] = {}
    start = max(firing.at, now)
    if schedule.local_time:
        for member in await repo.members_of(tx, network.id):
            moment = local_moment(firing.wall, member.timezone or network.timezone)
            if moment > now:
                hold[member.key] = moment
        start = max([start, *hold.values()])
    if schedule.closes_after:
        round_.closes_at = start + timedelta(seconds=schedule.closes_after)
    if schedule.remind_after:
        round_.remind_at = start + timedelta(seconds=schedule.remind_after)
    turn.out.extend(await _announce(tx, config, network, round_, flow.title))
    await repo.audit(tx, network.id, None, "schedule_fired", schedule=schedule.id, round=round_.id, due=firing.at.isoformat())
    return round_, turn.out, hold


async def _announce(tx: AsyncSession, config: EngineConfig, network: Network, round_: Round, titles: Mapping[str, str]) -> list[Outbound]:
    """Tell the report channel, or else the coordinators, that a scheduled round opened."""
    if network.report_channel:
        audiences = [(Audience.channel(network.report_channel), network.language, network.timezone)]
    else:
        audiences = [(Audience.member(c.key), language_of(c, network), c.timezone or network.timezone) for c in await repo.coordinators_of(tx, network.id)]
    out: list[Outbound] = []
    for audience, lang, zone in audiences:
        closes = (
            moment_text(config.catalog, lang, round_.closes_at, zone)
            if round_.closes_at
            else config.catalog.t(lang, "no_deadline")
        )
        text = config.catalog.t(lang, "schedule_round_opened", count=round_.invited, id=round_.id, title=titles[lang], invited=round_.invited, closes=closes)
        out.append(Notice(audience, text, lang))
    return out


def working_hours(spec: str) -> tuple[int, int]:
    """`9-17` (or `9:00-17:00`) as (first hour, hour it ends); a wrong setting falls back to 9-17."""
    try:
        start, end = (int(part.strip().split(":")[0]) for part in spec.split("-", 1))
    except ValueError:
        log.warning("YHDESSA_WORKING_HOURS=%r is not of the form 9-17; using 9-17", spec)
        return 9, 17
    return (start, end) if 0 <= start < end <= 24 else (9, 17)


def next_working_moment(now: datetime, zone: str, hours: tuple[int, int]) -> datetime:
    """Now, if it is working hours on a weekday in `zone`; else the start of the next working day."""
    local = now.astimezone(ZoneInfo(zone))
    start, end = hours
    if local.weekday() < 5 and start <= local.hour < end:
        return now
    day = local.date() if local.weekday() < 5 and local.hour < start else local.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, start, tzinfo=ZoneInfo(zone)).astimezone(now.tzinfo)


async def plan_reminders(tx: AsyncSession, round_: Round, now: datetime, hours: tuple[int, int]) -> int:
    """At the round's remind time: one reminder per member whose session is still open."""
    claimed = await tx.execute(
        update(Round).where(Round.id == round_.id, Round.status == "open", Round.reminded_at.is_(None)).values(reminded_at=now)
    )
    if not claimed.rowcount:
        return 0
    network = await tx.get(Network, round_.network_id)
    assert network is not None
    stmt = select(Member).join(MemberSession, MemberSession.member_id == Member.id).where(
        MemberSession.round_id == round_.id, MemberSession.status == "open"
    )
    planned = 0
    for member in (await tx.execute(stmt)).scalars():
        due = next_working_moment(now, member.timezone or network.timezone, hours)
        if round_.closes_at is not None and due >= round_.closes_at:
            continue  # a reminder after the deadline would only confuse
        tx.add(RoundReminder(round_id=round_.id, member_id=member.id, due_at=due))
        planned += 1
    return planned


async def send_reminder(tx: AsyncSession, config: EngineConfig, reminder: RoundReminder, now: datetime) -> list[Outbound]:
    """The reminder and the open question again, if the member still has not finished."""
    claimed = await tx.execute(
        update(RoundReminder).where(RoundReminder.id == reminder.id, RoundReminder.sent_at.is_(None)).values(sent_at=now)
    )
    round_ = await tx.get(Round, reminder.round_id)
    member = await tx.get(Member, reminder.member_id)
    session = await repo.session_of(tx, reminder.round_id, reminder.member_id)
    if not claimed.rowcount or round_ is None or member is None or session is None:
        return []
    if round_.status != "open" or session.status != "open":
        return []
    network = await tx.get(Network, round_.network_id)
    flow = config.flows.get(round_.flow_id)
    if network is None or flow is None:
        return []
    lang = language_of(member, network)
    zone = ZoneInfo(member.timezone or network.timezone)
    closes = round_.closes_at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") if round_.closes_at else config.catalog.t(lang, "no_deadline")
    out: list[Outbound] = [Notice(Audience.member(member.key), config.catalog.t(lang, "schedule_reminder", title=flow.title[lang], closes=closes), lang)]
    flow = await repeats.flow_for(tx, flow, round_, session)
    step = current_step(flow, session)
    if step is not None and round_.delivery == "dm":
        everyone = await repo.members_of(tx, network.id) if step.kind == "members" else []
        out.append(prompt_for(config, flow, step, round_, member, network, everyone))
    return out


async def close_due(tx: AsyncSession, config: EngineConfig, round_: Round, now: datetime) -> list[Outbound]:
    """Close a round whose deadline has passed and post its results (once, whoever gets here first)."""
    claimed = await tx.execute(
        update(Round).where(Round.id == round_.id, Round.status == "open", Round.closed_at.is_(None)).values(closed_at=now)
    )
    network = await tx.get(Network, round_.network_id)
    if not claimed.rowcount or network is None:
        return []
    out = await close_round(tx, config, network, round_)
    await repo.audit(tx, network.id, None, "round_closed", round=round_.id, reason="deadline")
    return out
