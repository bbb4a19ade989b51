"""Open actions are followed up where the network already looks back: the next check-in asks each
owner "did you get X done?" (buttons: done / not yet / drop), and the phase-3 reflection
("coordinating concrete progress") opens with where the network's commitments stand.

Each round asks about an action once (`Action.reviewed_round`). In an anonymous round the overview
names no owner: the answers that follow it are not to be read against who promised what.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.definition import Flow
from flows.messages import Audience, Notice, Outbound
from flows.turn import EngineConfig, Turn, language_of
from storage import actions as store
from storage.models import Action, Member, Network, Round, utcnow

CHECKIN = "checkin"
PROGRESS_REFLECTION = "reflection-3"
PER_MEMBER = 3  # asking about more at once would bury the check-in itself


async def for_round(turn: Turn, flow: Flow, round_: Round, members: Sequence[Member]) -> dict[str, list[Outbound]]:
    """What a round of `flow` says about actions as it opens, per audience key (nothing, for most
    flows): the opener puts each audience's messages before its first question."""
    if flow.id not in (CHECKIN, PROGRESS_REFLECTION):
        return {}
    out: list[Outbound] = []
    if flow.id == PROGRESS_REFLECTION:
        out.extend(await _overview(turn, round_, members))
    if round_.delivery == "dm":
        out.extend(await review(turn.tx, turn.config, turn.network, round_, members))
    grouped: dict[str, list[Outbound]] = {}
    for message in out:
        grouped.setdefault(message.audience.key, []).append(message)
    return grouped


async def audience(turn: Turn, flow: Flow, ids: Sequence[int]) -> list[Member]:
    """The members of a launch's audience (`ids`) that a round of `flow` follows up: everyone for
    the phase-3 overview, only owners of open actions for a check-in, so that a launch to
    thousands loads the few it needs."""
    if flow.id not in (CHECKIN, PROGRESS_REFLECTION):
        return []
    stmt = select(Member).where(Member.network_id == turn.network.id)
    if flow.id == CHECKIN:
        owners = select(Action.owner_id).where(Action.network_id == turn.network.id, Action.status == "open")
        stmt = stmt.where(Member.id.in_(owners))
    wanted = set(ids)
    return [m for m in (await turn.tx.execute(stmt)).scalars().all() if m.id in wanted]


async def review(
    tx: AsyncSession, config: EngineConfig, network: Network, round_: Round, members: Sequence[Member], again: bool = False
) -> list[Notice]:
    """One question per open action of each member (at most PER_MEMBER each), marked as asked.

    `again`: a member who starts the check-in themselves, not having answered it yet, is asked
    again (the console shows nobody a message sent while someone else was at the keyboard)."""
    by_id = {m.id: m for m in members if m.id is not None}
    pending = await store.to_review(tx, network.id, list(by_id), round_.id, round_.opens_at or utcnow(), again)
    asked: list[int] = []
    out: list[Notice] = []
    counts: dict[int, int] = {}
    for action in pending:
        owner = by_id[action.owner_id] if action.owner_id is not None else None
        if owner is None or counts.get(owner.id, 0) >= PER_MEMBER:
            continue
        counts[owner.id] = counts.get(owner.id, 0) + 1
        out.append(question(config, network, owner, action))
        asked.append(action.id)
    await store.mark_reviewed(tx, asked, round_.id)
    return out


def question(config: EngineConfig, network: Network, owner: Member, action: Action, key: str = "action_review") -> Notice:
    """"Did you get X done?" with the three answers as command buttons."""
    lang = language_of(owner, network)
    catalog = config.catalog
    overdue = action.due_at is not None and action.due_at < utcnow()
    text = catalog.t(lang, key, id=action.id, text=action.text, due=due_text(config, network, owner, action.due_at, lang))
    if overdue:
        text += "\n" + catalog.t(lang, "action_review_overdue")
    buttons = (
        (catalog.t(lang, "action_button_done"), f"action done {action.id}"),
        (catalog.t(lang, "action_button_later"), f"action later {action.id}"),
        (catalog.t(lang, "action_button_drop"), f"action drop {action.id}"),
    )
    return Notice(Audience.member(owner.key), text, lang, buttons)


def due_text(config: EngineConfig, network: Network, member: Member, moment: datetime | None, lang: str) -> str:
    if moment is None:
        return config.catalog.t(lang, "action_no_due")
    local = moment.astimezone(ZoneInfo(member.timezone or network.timezone))
    weekday = config.catalog.t(lang, f"schedule_weekday_{local.weekday()}")
    return config.catalog.t(lang, "action_date", weekday=weekday, day=local.day, month=local.month, year=local.year)


async def _overview(turn: Turn, round_: Round, members: Sequence[Member]) -> list[Outbound]:
    """Where the commitments stand, to each member (or the round's channel) in their language."""
    rows = await store.listed(turn.tx, turn.network.id, ("open", "done"))
    since = max((r.opens_at for r in await _earlier_progress_rounds(turn, round_)), default=None)
    open_rows = [(a, o) for a, o in rows if a.status == "open"]
    kept = [(a, o) for a, o in rows if a.status == "done" and (since is None or (a.closed_at and a.closed_at >= since))]
    if not open_rows and not kept:
        return []
    if round_.delivery == "channel" and round_.channel:
        targets = [(Audience.channel(round_.channel), turn.network.language)]
    else:
        targets = [(Audience.member(m.key), language_of(m, turn.network)) for m in members]
    out: list[Outbound] = []
    now = utcnow()
    for audience, lang in targets:
        t = turn.catalog.t
        lines = [t(lang, "action_overview_header", open=len(open_rows), kept=len(kept))]
        for action, owner in [*open_rows[:10], *kept[:10]]:
            state = "overdue" if action.status == "open" and action.due_at and action.due_at < now else action.status
            who = "" if round_.anonymous or owner is None else t(lang, "action_overview_owner", owner=owner.display_name)
            lines.append(t(lang, "action_overview_line", id=action.id, text=action.text, state=t(lang, f"action_state_{state}"), owner=who))
        lines.append(t(lang, "action_overview_footer"))
        out.append(Notice(audience, "\n".join(lines), lang))
    return out


async def _earlier_progress_rounds(turn: Turn, round_: Round) -> list[Round]:
    stmt = select(Round).where(Round.network_id == turn.network.id, Round.flow_id == PROGRESS_REFLECTION, Round.id != round_.id)
    return list((await turn.tx.execute(stmt)).scalars().all())
