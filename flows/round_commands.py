"""Verbs that open, follow and close rounds: checkin, reflect, pulse."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from flows import action_review
from flows.moments import moment_text
from flows.arguments import Arguments, ArgumentError, parse_arguments, parse_audience, parse_duration, parse_id
from flows.definition import Flow
from flows.levels import key as level_key, parse_level
from flows.rounds import close_round, current_step, join_round, open_round, prompt_for
from flows.turn import Refused, Turn
from storage import repository as repo
from storage.models import Round, utcnow


def _timing(turn: Turn, args: Arguments) -> tuple[datetime | None, datetime | None]:
    now = utcnow()
    closes = now + parse_duration(args.options["--closes"]) if "--closes" in args.options else None
    remind = now + parse_duration(args.options["--remind"]) if "--remind" in args.options else None
    if closes and remind and remind >= closes:
        raise ArgumentError("remind_after_close")
    return closes, remind


def _anonymity(args: Arguments) -> bool | None:
    if "--anonymous" in args.flags:
        return True
    if "--named" in args.flags:
        return False
    return None


async def _launch(turn: Turn, flow: Flow, args: Arguments, audience_word: str | None) -> None:
    turn.require_coordinator()
    # The network's workspace, not the member's: a Slack Connect guest names channels of the host.
    audience = parse_audience(audience_word, turn.channel, *turn.network.key.split(":", 1))
    if audience is None:
        raise ArgumentError("unknown_audience", value=audience_word or "")
    closes, remind = _timing(turn, args)
    level = parse_level(args.options["--level"]) if "--level" in args.options else None
    delivery = "channel" if "--in-channel" in args.flags else None
    round_ = await open_round(turn, flow, audience, closes_at=closes, anonymous=_anonymity(args), remind_at=remind, delivery=delivery, level=level)
    await repo.audit(turn.tx, turn.network.id, turn.member.key, "round_opened", round=round_.id, flow=flow.id, level=level)
    turn.reply(
        "round_opened",
        count=round_.invited,
        id=round_.id,
        title=flow.title[turn.lang],
        invited=round_.invited,
        anonymous=turn.t("yes") if round_.anonymous else turn.t("no"),
        closes=_local(turn, closes) if closes else turn.t("no_deadline"),
    )
    if level is not None:
        turn.reply("round_level", id=round_.id, level=turn.t(level_key(level)))
    smallest = max(3, turn.config.anonymity_threshold)  # as reports count (bot.evaluation.report)
    if round_.invited < smallest:
        turn.reply("round_too_small_warning", count=round_.invited, threshold=smallest)


def _local(turn: Turn, moment: datetime) -> str:
    return moment_text(turn.catalog, turn.lang, moment, turn.member.timezone or turn.network.timezone)


async def reflect(turn: Turn, words: list[str]) -> None:
    sub = words[0].lower() if words else "status"
    if sub in turn.config.reflect_subcommands:  # publish, themes, digest: their own options
        await turn.config.reflect_subcommands[sub](turn, words[1:])
        return
    args = parse_arguments(words[1:])
    if sub == "start":
        if not args.words:
            raise ArgumentError("reflect_needs_flow", flows=", ".join(turn.config.flows.ids()))
        flow, used = turn.config.flows.resolve(args.words[0], args.words[1] if len(args.words) > 1 else None)
        if flow is None:
            raise ArgumentError("unknown_flow", value=args.words[0], flows=", ".join(turn.config.flows.ids()))
        rest = args.words[2:] if used else args.words[1:]
        await _launch(turn, flow, args, rest[0] if rest else None)
    elif sub == "status":
        await _status(turn, args)
    elif sub == "close":
        turn.require_coordinator()
        round_ = await repo.lock_round(turn.tx, await _pick_round(turn, args), exclusive=True)
        if round_.status != "open":
            raise Refused(turn.t("round_not_open", id=round_.id))
        turn.out.extend(await close_round(turn.tx, turn.config, turn.network, round_))
        await repo.audit(turn.tx, turn.network.id, turn.member.key, "round_closed", round=round_.id)
        turn.reply("round_closed_by_you", id=round_.id)
    else:
        choices = ", ".join(["start", "status", "close", *turn.config.reflect_subcommands])
        raise ArgumentError("unknown_subcommand", verb="reflect", value=sub, choices=choices)


async def _pick_round(turn: Turn, args: Arguments) -> Round:
    if args.words:
        round_ = await repo.round_in_network(turn.tx, turn.network.id, parse_id(args.words[0], "bad_round"))
        if round_ is None:
            raise ArgumentError("bad_round", value=args.words[0])
        return round_
    rounds = await repo.open_rounds(turn.tx, turn.network.id)
    if not rounds:
        raise Refused(turn.t("no_open_rounds"))
    return rounds[-1]


async def _status(turn: Turn, args: Arguments) -> None:
    rounds = [await _pick_round(turn, args)] if args.words else list(await repo.open_rounds(turn.tx, turn.network.id))
    if not rounds:
        turn.reply("no_open_rounds")
        return
    lines = [turn.t("status_header")]
    for round_ in rounds:
        invited, done = await repo.participation(turn.tx, round_.id)
        flow = turn.config.flows.get(round_.flow_id)
        lines.append(
            turn.t(
                "status_line",
                id=round_.id,
                title=flow.title[turn.lang] if flow else round_.flow_id,
                done=done,
                invited=invited,
                rate=round(100 * done / invited) if invited else 0,
                state=turn.t(f"state_{round_.status}"),
                closes=_local(turn, round_.closes_at) if round_.closes_at else turn.t("no_deadline"),
            )
        )
    turn.reply_text("\n".join(lines))


async def pulse(turn: Turn, words: list[str]) -> None:
    sub = words[0].lower() if words else ""
    if sub != "start":
        raise ArgumentError("unknown_subcommand", verb="pulse", value=sub, choices="start")
    args = parse_arguments(words[1:])
    dimension = "all"
    from flows.registry import PULSE_DIMENSIONS

    if args.words and args.words[0].lower() in PULSE_DIMENSIONS:
        dimension = args.words.pop(0).lower()
    flow = turn.config.flows.get(PULSE_DIMENSIONS[dimension])
    if flow is None:
        raise ArgumentError("unknown_flow", value=PULSE_DIMENSIONS[dimension], flows=", ".join(turn.config.flows.ids()))
    await _launch(turn, flow, args, args.words[0] if args.words else None)


async def checkin(turn: Turn, words: list[str]) -> None:
    """`checkin`: answer this week's check-in now; `checkin start [audience]`: ask everyone."""
    flow = turn.config.flows.get("checkin")
    if flow is None:
        raise ArgumentError("unknown_flow", value="checkin", flows=", ".join(turn.config.flows.ids()))
    if words and words[0].lower() == "start":
        args = parse_arguments(words[1:])
        await _launch(turn, flow, args, args.words[0] if args.words else None)
        return
    round_ = await _weekly_checkin(turn, flow)
    session = await join_round(turn, round_, flow)
    step = current_step(flow, session)
    if session.status != "open" or step is None:
        turn.reply("checkin_done")
        return
    everyone = await repo.members_of(turn.tx, turn.network.id)
    if not session.answered and flow.intro:
        turn.reply_text(flow.intro[turn.lang])
    if not session.answered:
        turn.out.extend(await action_review.review(turn.tx, turn.config, turn.network, round_, [turn.member], again=True))
    turn.emit(prompt_for(turn.config, flow, step, round_, turn.member, turn.network, everyone))


async def _weekly_checkin(turn: Turn, flow: Flow) -> Round:
    """The network's check-in round of this week (in its time zone), opened on first use."""
    zone = ZoneInfo(turn.network.timezone)
    local = utcnow().astimezone(zone)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    stmt = (
        select(Round)
        .where(Round.network_id == turn.network.id, Round.flow_id == flow.id, Round.status == "open")
        .where(Round.audience == "network", Round.opens_at >= monday)
        .order_by(Round.id.desc())
    )
    round_ = (await turn.tx.execute(stmt)).scalars().first()
    if round_ is None:
        round_ = await open_round(turn, flow, "network", closes_at=monday + timedelta(days=7), invite=False)
    return round_
