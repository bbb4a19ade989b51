"""The `schedule` verb: add, list, pause, resume and remove a network's schedules (coordinators only)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.scheduling import firing
from bot.scheduling.defaults import ensure_default
from bot.scheduling.when import CRON_FIELDS, When, WhenError, parse_when
from flows.arguments import ArgumentError, parse_arguments, parse_audience, parse_duration, parse_id, parse_timezone
from flows.levels import key as level_key, parse_level
from flows.moments import duration_text, moment_text
from flows.turn import EngineConfig, Turn
from storage import repository as repo
from storage.models import Schedule, utcnow

LOCAL_FLAGS = {"--local-time", "--local", "--paikallinen-aika", "--lokal-tid"}
EXAMPLE = '/yhdessa schedule add pulse "every monday 09:00" --closes 3d --remind 1d'


def register(config: EngineConfig, settings: Any, db: Any) -> None:
    for verb in ("schedule", "ajasta", "schemalägg"):
        config.extra_commands[verb] = schedule
    config.extra_help.append("schedule_help_coordinator")


async def schedule(turn: Turn, words: list[str]) -> None:
    turn.require_coordinator()
    await ensure_default(turn.tx, turn.config, turn.network, utcnow())
    sub = words[0].lower() if words else "list"
    if sub == "add":
        await _add(turn, words[1:])
    elif sub in ("list", "ls"):
        await _list(turn)
    elif sub in ("pause", "resume", "remove", "rm", "delete"):
        await _change(turn, "remove" if sub in ("rm", "delete") else sub, words[1:])
    else:
        raise ArgumentError("unknown_subcommand", verb="schedule", value=sub, choices="add, list, pause, resume, remove")


def _shown_duration(turn: Turn, seconds: int) -> str:
    return duration_text(turn.catalog, turn.lang, seconds, after=True)


def _moment(turn: Turn, moment: datetime | None, zone: str) -> str:
    if moment is None:
        return turn.t("schedule_no_next")
    return moment_text(turn.catalog, turn.lang, moment, zone, weekday=True)


def _when_and_audience(turn: Turn, rest: list[str]) -> tuple[str, When, str]:
    """`<when> [audience]`, the when quoted or not: the longest run of words that parses wins."""
    if not rest:
        raise ArgumentError("schedule_when_missing", examples=EXAMPLE)
    platform, workspace = turn.network.key.split(":", 1)  # the host workspace, also for Slack Connect guests
    first_error: WhenError | None = None
    for cut in range(len(rest), 0, -1):
        if len(rest) - cut > 1:
            break
        text = " ".join(rest[:cut])
        try:
            when = parse_when(text)
        except WhenError as problem:
            looks_like_audience = cut == len(rest) and len(rest) > 1 and parse_audience(rest[-1], turn.channel, platform, workspace)
            if first_error is None and not looks_like_audience:
                first_error = problem
            continue
        word = rest[cut] if cut < len(rest) else None
        audience = parse_audience(word, turn.channel, platform, workspace)
        if audience is None:
            raise ArgumentError("unknown_audience", value=word or "")
        return text, when, audience
    assert first_error is not None or len(rest) > 1
    problem = first_error or _error_of(" ".join(rest[:-1]))
    raise _localised(turn, problem)


def _error_of(text: str) -> WhenError:
    try:
        parse_when(text)
    except WhenError as problem:
        return problem
    return WhenError("schedule_when_invalid", value=text, examples=EXAMPLE)


def _localised(turn: Turn, problem: WhenError) -> WhenError:
    values = dict(problem.values)
    field = str(values.get("field", "")).replace(" ", "_")
    if field in CRON_FIELDS:
        values["field"] = turn.t(f"schedule_field_{field}")
    return WhenError(problem.key, **values)


async def _add(turn: Turn, words: list[str]) -> None:
    local_time = any(w.lower() in LOCAL_FLAGS for w in words)
    args = parse_arguments([w for w in words if w.lower() not in LOCAL_FLAGS])
    flows = ", ".join(turn.config.flows.ids())
    if not args.words:
        raise ArgumentError("schedule_needs_flow", flows=flows, example=EXAMPLE)
    flow, used = turn.config.flows.resolve(args.words[0], args.words[1] if len(args.words) > 1 else None)
    if flow is None:
        raise ArgumentError("schedule_unknown_flow", value=args.words[0], flows=flows, example=EXAMPLE)
    text, when, audience = _when_and_audience(turn, args.words[2:] if used else args.words[1:])
    zone = parse_timezone(args.options.get("--tz", turn.network.timezone), "schedule_bad_tz")
    closes = parse_duration(args.options["--closes"]) if "--closes" in args.options else None
    remind = parse_duration(args.options["--remind"]) if "--remind" in args.options else None
    if closes is not None and remind is not None and remind >= closes:
        raise ArgumentError("schedule_remind_not_before_close", remind=args.options["--remind"], closes=args.options["--closes"])
    now = utcnow()
    row = Schedule(
        network_id=turn.network.id,
        flow_id=flow.id,
        when=text,
        cron=when.cron,
        timezone=zone,
        local_time=local_time,
        audience=audience,
        closes_after=_seconds(closes),
        remind_after=_seconds(remind),
        anonymous=True if "--anonymous" in args.flags else False if "--named" in args.flags else None,
        level=parse_level(args.options["--level"]) if "--level" in args.options else None,
        paused=False,
        created_by=turn.member.id,
        created_at=now,
    )
    turn.tx.add(row)
    await turn.tx.flush()
    await repo.audit(turn.tx, turn.network.id, turn.member.key, "schedule_added", schedule=row.id, flow=flow.id, cron=when.cron)
    trigger = await firing.trigger_of(turn.tx, row, turn.network)
    upcoming = trigger.next_after(now)
    shown_zone = turn.network.timezone if local_time else zone
    key = "schedule_added_local" if local_time else "schedule_added"
    turn.reply(key, id=row.id, flow=flow.id, when=text, timezone=zone, next=_moment(turn, upcoming.at if upcoming else None, shown_zone))


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds())


async def _schedules(turn: Turn) -> list[Schedule]:
    stmt = select(Schedule).where(Schedule.network_id == turn.network.id).order_by(Schedule.id)
    return list((await turn.tx.execute(stmt)).scalars().all())


async def _list(turn: Turn) -> None:
    rows = await _schedules(turn)
    if not rows:
        turn.reply("schedule_list_empty", example=EXAMPLE)
        return
    now = utcnow()
    lines = [turn.t("schedule_list_header", timezone=turn.network.timezone)]
    for row in rows:
        options = []
        if row.local_time:
            options.append(turn.t("schedule_opt_local"))
        if row.closes_after:
            options.append(turn.t("schedule_opt_closes", value=_shown_duration(turn, row.closes_after)))
        if row.remind_after:
            options.append(turn.t("schedule_opt_remind", value=_shown_duration(turn, row.remind_after)))
        if row.level:
            options.append(turn.t(level_key(row.level)))
        audience = turn.t("schedule_audience_network") if row.audience == "network" else row.audience.removeprefix("channel:")
        values = dict(id=row.id, flow=row.flow_id, when=row.when, zone=row.timezone, audience=audience, options="".join(f", {o}" for o in options))
        if row.paused:
            lines.append(turn.t("schedule_line_paused", **values))
            continue
        upcoming = (await firing.trigger_of(turn.tx, row, turn.network)).next_after(max(now, row.last_fired_at or now))
        lines.append(turn.t("schedule_line", next=_moment(turn, upcoming.at if upcoming else None, turn.network.timezone), **values))
    turn.reply_text("\n".join(lines))


async def _change(turn: Turn, action: str, words: list[str]) -> None:
    token = words[0].lstrip("#") if words else ""
    if not token:
        raise ArgumentError("schedule_needs_id", verb=action)
    row = await turn.tx.get(Schedule, parse_id(token, "schedule_unknown_id"))
    if row is None or row.network_id != turn.network.id:
        raise ArgumentError("schedule_unknown_id", value=words[0])
    if action == "remove":
        await turn.tx.delete(row)
        turn.reply("schedule_removed", id=row.id, flow=row.flow_id, when=row.when)
    elif action == "pause":
        row.paused = True
        turn.reply("schedule_paused", id=row.id)
    else:
        row.paused = False
        # Firings that fell in the pause are not made up for: the next one is the next run.
        row.last_fired_at = max(utcnow(), row.last_fired_at or utcnow())
        upcoming = (await firing.trigger_of(turn.tx, row, turn.network)).next_after(row.last_fired_at)
        turn.reply("schedule_resumed", id=row.id, next=_moment(turn, upcoming.at if upcoming else None, turn.network.timezone))
    await repo.audit(turn.tx, turn.network.id, turn.member.key, f"schedule_{action}d" if action != "pause" else "schedule_paused", schedule=row.id)
