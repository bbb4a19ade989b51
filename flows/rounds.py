"""Rounds: opening one for an audience, taking each member through its steps, closing it."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flows import action_review, repeats
from flows.answers import Invalid, parse_answer, response_row, shown
from flows.definition import Flow, Step
from flows.events import ChannelRef, MemberRef
from flows.launch import Invitations
from flows.messages import Audience, Notice, Outbound, PromptClosed
from flows.turn import EngineConfig, Refused, Turn, language_of, render_prompt
from storage import anonymous, fanout, repository as repo
from storage.models import Member, MemberSession, Network, Round, utcnow


async def ensure_member(
    tx: AsyncSession, config: EngineConfig, network: Network, ref: MemberRef, known: Member | None = None
) -> tuple[Member, bool]:
    """The member row for `ref`, created on first sight; True when it was just created."""
    member = known or await repo.member_by_key(tx, network.id, ref.key)
    if member is not None:
        if ref.display_name and member.display_name != ref.display_name and member.display_name == ref.user:
            member.display_name = ref.display_name
        return member, False
    # A configured key names a person in one workspace or tenant: it grants rights in that
    # network only, not where the same person appears as a guest (Slack Connect).
    own_network = f"{ref.platform}:{ref.workspace}" == network.key
    role = "coordinator" if ref.key in config.coordinators and own_network else "member"
    member = Member(network_id=network.id, key=ref.key, display_name=ref.display_name or ref.user, role=role)
    tx.add(member)
    await tx.flush()
    return member, True


async def audience_ids(turn: Turn, audience: str) -> list[int]:
    """Ids of the members of the network or of `channel:<key>` (asking the platform's directory
    who is there, and adding the members it names that are new to us), ascending."""
    channel_key = audience.removeprefix("channel:")
    directory = turn.config.directories.get(channel_key.split(":", 1)[0]) if audience != "network" else None
    if directory is None:
        return await fanout.network_member_ids(turn.tx, turn.network.id)
    refs = await directory.channel_members(channel_key)
    people = [(ref.key, ref.display_name or ref.user, ref.user) for ref in refs]
    own = {ref.key for ref in refs if f"{ref.platform}:{ref.workspace}" == turn.network.key}
    # As ensure_member: a configured key grants rights in its own workspace only, not to a guest.
    return await fanout.upsert_members(turn.tx, turn.network.id, people, turn.config.coordinators & own)


def prompt_for(config: EngineConfig, flow: Flow, step: Step, round_: Round, member: Member, network: Network, everyone: Sequence[Member]) -> Outbound:
    lang = language_of(member, network)
    # Only a member select lists the others; building that list for every prompt made a launch
    # to N members cost N² attribute reads.
    others = [m for m in everyone if m.id != member.id] if step.kind == "members" else ()
    return render_prompt(config.catalog, flow, step, round_.id, Audience.member(member.key), lang, round_.anonymous, others)


async def open_round(
    turn: Turn,
    flow: Flow,
    audience: str,
    closes_at: datetime | None = None,
    anonymous: bool | None = None,
    remind_at: datetime | None = None,
    schedule_id: int | None = None,
    invite: bool = True,
    delivery: str | None = None,
    all_at_once: bool = False,
    level: str | None = None,
) -> Round:
    """Open a round of `flow` for an audience.

    Delivered by DM (the default), each member gets the first question; delivered in a channel
    (the flow's `delivery: channel`, or `--in-channel`), every question is posted there once and
    each member who answers is recorded on their own. Launched with no channel to post in, a
    channel round is delivered by DM instead. `all_at_once` invites everyone in this turn (for a
    caller that holds each member's messages back to their own time).
    """
    if repeats.asks_organisations(flow):  # partners are picked from the members' organisations, by DM
        names = await repeats.organisations(turn.tx, turn.network.id)
        if len(names) < 2:
            raise Refused(turn.t("partners_too_few_organisations", count=len(names)))
        flow, delivery = repeats.listed(flow, names), "dm"
    if audience.startswith("channel:"):
        channel_key: str | None = audience.removeprefix("channel:")
    else:
        channel_key = turn.channel.key if turn.channel else None
    mode = delivery or flow.delivery
    if mode == "channel" and channel_key is None:
        mode = "dm"
    round_ = Round(
        network_id=turn.network.id,
        flow_id=flow.id,
        flow_version=flow.version,
        audience=audience,
        channel=channel_key if mode == "channel" else (turn.channel.key if turn.channel else None),
        delivery=mode,
        anonymous=flow.anonymous if anonymous is None else anonymous,
        closes_at=closes_at,
        remind_at=remind_at,
        created_by=turn.member.id if turn.member.id else None,
        schedule_id=schedule_id,
        level=level,
    )
    turn.tx.add(round_)
    await turn.tx.flush()
    if not invite:
        return round_
    ids = await audience_ids(turn, audience)
    first = flow.steps[0]
    # Follow-up of the audience's open actions (check-in, phase-3 reflection). Owners of open
    # actions are few, so the whole audience's follow-up goes in this turn, before any first question.
    prelude = await action_review.for_round(turn, flow, round_, await action_review.audience(turn, flow, ids))
    # The command's own turn invites the first chunk; a bigger audience waits in launch chunks,
    # each invited later in a short transaction of its own (flows/launch.py).
    now, later = (ids, []) if all_at_once else (ids[:fanout.CHUNK], ids[fanout.CHUNK:])
    members = await fanout.invitees(turn.tx, turn.network.id, now)
    added = await fanout.add_sessions(turn.tx, round_.id, members, flow.version, first.id, round_.anonymous)
    if mode == "dm":
        turn.out.extend(message for messages in prelude.values() for message in messages)
        prelude = {}
        everyone = await fanout.everyone(turn.tx, turn.network.id) if first.kind == "members" else ()
        invitations = Invitations(turn.config, flow, round_, turn.network.language, everyone)
        for message, data in invitations.messages([m for m in members if m.id in added]):
            turn.out.append(message)
            turn.prepared[id(message)] = data
    if later:
        await fanout.plan_chunks(turn.tx, round_.id, later)
        turn.launches.append(round_.id)
    if mode == "channel" and channel_key is not None:
        target, lang = Audience.channel(channel_key), turn.network.language
        if flow.intro:
            turn.emit(Notice(target, flow.intro[lang], lang))
        turn.out.extend(prelude.pop(target.key, ()))
        listed = await repo.members_of(turn.tx, turn.network.id) if any(step.kind == "members" for step in flow.steps) else ()
        for step in flow.steps:
            turn.emit(render_prompt(turn.config.catalog, flow, step, round_.id, target, lang, round_.anonymous, listed))
    # Everyone planned, so the coordinator's "N members invited" holds while the chunks go out.
    round_.invited = len(added) + len(later)
    turn.out.extend(message for messages in prelude.values() for message in messages)
    return round_


def _new_session(round_: Round, member: Member, flow: Flow, step: Step) -> MemberSession:
    return MemberSession(
        round_id=round_.id,
        member_id=member.id,
        flow_version=flow.version,
        step_id=step.id,
        answered=[],
        # Groups a named respondent's answers; an anonymous session needs none (its items wait
        # together in `held`) and so carries nothing that could turn up again in `responses`.
        submission=None if round_.anonymous else secrets.token_hex(12),
    )


def may_join(round_: Round, channel: ChannelRef | None) -> bool:
    """Whether a member with no session in `round_` may answer it: the round is for the whole
    network (and they are in it), or its questions were posted in a channel and they answered
    there, where only the channel's members see them. Anyone else was not invited."""
    if round_.audience == "network":
        return True
    return round_.delivery == "channel" and channel is not None and channel.key == round_.channel


async def join_round(turn: Turn, round_: Round, flow: Flow) -> MemberSession:
    """The member's session in `round_`, opened now if they were not invited before."""
    session = await repo.session_of(turn.tx, round_.id, turn.member.id)
    if session is None:
        session = _new_session(round_, turn.member, flow, flow.steps[0])
        turn.tx.add(session)
        # A member whom the launch has yet to ask is counted among the invited already.
        if round_.id not in await fanout.invitations_waiting(turn.tx, turn.network.id, turn.member.id):
            round_.invited += 1
        await turn.tx.flush()
    return session


def current_step(flow: Flow, session: MemberSession) -> Step | None:
    """The step the session waits on, surviving edits of the flow since the session started."""
    step = flow.step(session.step_id) if session.step_id else None
    if step is None or step.id in session.answered:
        step = flow.next_step(session.step_id, set(session.answered))
    return step


async def record_answer(
    turn: Turn,
    round_: Round,
    flow: Flow,
    session: MemberSession,
    step: Step,
    raw: str | list[str],
    reply_handle: str | None = None,
) -> bool:
    """Validate and store one answer, then ask the next question; False if the answer was refused."""
    if step.id in session.answered:
        raise Refused(turn.t("already_answered"))
    everyone = await repo.members_of(turn.tx, turn.network.id) if step.kind == "members" else ()
    lookup = _member_lookup(everyone, turn.member) if step.kind == "members" else None
    result = parse_answer(step, raw, turn.lang, turn.catalog.words(turn.lang, "skip_words"), lookup)
    if step.kind == "organisations" and not isinstance(result, Invalid) and result.choices is not None:
        result = repeats.organisations_answer(step, result, turn.member.organisation)
    if isinstance(result, Invalid):
        turn.reply("invalid_answer", problem=turn.t(result.key, **result.values))
        turn.emit(prompt_for(turn.config, flow, step, round_, turn.member, turn.network, everyone))
        return False
    changes: dict[str, Any] = {"answered": [*session.answered, step.id], "updated_at": utcnow()}
    if round_.anonymous:
        # Kept on the session until it ends, then pooled (storage/anonymous.py): never a row of
        # its own whose order or time could be matched with this member's activity.
        held = [*(session.held or []), anonymous.item(response_row(round_.id, round_.anonymous, step, turn.member.id, session.submission, turn.member.sector, turn.member.side, result))]
        changes["held"] = held if not result.skipped else session.held
    elif not result.skipped:
        await repo.add_response(turn.tx, response_row(round_.id, round_.anonymous, step, turn.member.id, session.submission, turn.member.sector, turn.member.side, result))
    if reply_handle:
        told = turn.t("answered_anonymous") if round_.anonymous else turn.t("answered_value", value=shown(step, result, turn.lang))
        turn.emit(PromptClosed(Audience.member(turn.member.key), f"{round_.id}:{step.id}", reply_handle, told, turn.lang, step.text[turn.lang]))
    if step.kind == "organisations":  # what follows is asked about each one chosen: the member's copy grows
        flow = repeats.after_choosing(turn.config.flows.get(flow.id) or flow, step, list(result.choices or ()))
    following = flow.next_step(step.id, set(changes["answered"]))
    if following is None:
        if round_.anonymous:
            await anonymous.hold(turn.tx, round_.id, [changes.get("held") or []])
            await anonymous.release_due(turn.tx, round_, turn.config.anonymity_threshold)
            if turn.config.after_commit is not None:
                turn.config.after_commit.wipe_log(turn.tx)
        changes.update(finished())
        turn.emit(Notice(Audience.member(turn.member.key), flow.outro[turn.lang] if flow.outro else turn.t("round_thanks"), turn.lang))
    else:
        changes.update(step_id=following.id, flow_version=flow.version)
        if round_.delivery == "dm":
            if not everyone and following.kind == "members":
                everyone = await repo.members_of(turn.tx, turn.network.id)
            turn.emit(prompt_for(turn.config, flow, following, round_, turn.member, turn.network, everyone))
    await repo.update_session(turn.tx, session, changes)
    return True


def finished() -> dict[str, Any]:
    """A finished session's values: from here on nothing ties anonymous answers to the member."""
    return {"status": "done", "step_id": None, "completed_at": utcnow(), "submission": None, "held": None}


def _member_lookup(everyone: Sequence[Member], me: Member) -> dict[str, str]:
    lookup: dict[str, str] = {}
    others = [m for m in everyone if m.id != me.id]
    for i, member in enumerate(others, start=1):
        lookup[str(i)] = member.key
        lookup[member.key.casefold()] = member.key
        lookup[member.display_name.casefold()] = member.key
        lookup[member.key.rsplit(":", 1)[-1].casefold()] = member.key
    return lookup


async def close_round(tx: AsyncSession, config: EngineConfig, network: Network, round_: Round) -> list[Outbound]:
    """Close a round: unfinished sessions end (their anonymous link wiped) and the results are posted.

    The round row is locked first: answers in flight commit before it, later ones see it closed.
    """
    round_ = await repo.lock_round(tx, round_, exclusive=True)
    if round_.status != "open":
        return []  # closed meanwhile by someone else, who posted the results
    round_.status = "closed"
    round_.closed_at = utcnow()
    if round_.anonymous:
        # Members mid-way count as respondents with the items they gave; then the pool empties.
        unfinished = select(MemberSession.held).where(
            MemberSession.round_id == round_.id, MemberSession.status == "open", MemberSession.held.is_not(None)
        )
        await anonymous.hold(tx, round_.id, [held for held in (await tx.execute(unfinished)).scalars() if held])
    await tx.execute(
        update(MemberSession)
        .where(MemberSession.round_id == round_.id, MemberSession.status == "open")
        .values(status="closed", submission=None, step_id=None, held=None)
    )
    if round_.anonymous:
        await anonymous.release_due(tx, round_, config.anonymity_threshold, closing=True)
    target = round_.channel or network.report_channel
    if target is None:
        coordinators = await repo.coordinators_of(tx, network.id)
        audiences = [Audience.member(c.key) for c in coordinators]
    else:
        audiences = [Audience.channel(target)]
    out: list[Outbound] = []
    for audience in audiences:
        if config.summariser is not None:
            out.extend(await config.summariser.round_closed(tx, network, round_, audience))
        else:
            invited, done = await repo.participation(tx, round_.id)
            text = config.catalog.t(network.language, "round_closed", id=round_.id, flow=round_.flow_id, done=done, invited=invited)
            out.append(Notice(audience, text, network.language))
    for hook in config.round_closed_hooks:
        out.extend(await hook(tx, config, network, round_))
    return out

