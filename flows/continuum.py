"""The strategic continuum (seed slide 2): the network's current phase, set by a coordinator and
announced to members, shown beside the U; leaving phase 4 starts the next cycle at phase 1 and
carries forward the themes of the cycle's closing phase-4 reflection.

`phase` shows it; `phase set N` / `phase next` (coordinators) move it; N is 1-4 or a phase's
word (`evaluate`, `arviointi` …, flows/registry.PHASE_NAMES).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.arguments import ArgumentError, shown
from flows.i18n import Catalog
from flows.messages import Audience, Notice, Outbound
from flows.registry import PHASE_NAMES
from flows.turn import EngineConfig, Turn
from storage import repository as repo
from storage.models import CarriedItem, Member, Network, NetworkPhase, Round, RoundTheme, ThemeVote, utcnow

PHASES = 4
CLOSING_FLOW = "reflection-4"
SHOWN_ITEMS = 8


@dataclass(frozen=True, slots=True)
class Where:
    phase: int  # 0: no phase set yet
    cycle: int
    carried: tuple[str, ...]  # the themes this cycle started from


async def where(tx: AsyncSession, network_id: int) -> Where:
    row = await tx.get(NetworkPhase, network_id)
    if row is None:
        return Where(0, 1, ())
    stmt = select(CarriedItem.text).where(CarriedItem.network_id == network_id, CarriedItem.cycle == row.cycle).order_by(CarriedItem.votes.desc(), CarriedItem.id)
    return Where(row.phase, row.cycle, tuple((await tx.execute(stmt)).scalars().all()))


def name(catalog: Catalog, lang: str, phase: int) -> str:
    return catalog.t(lang, f"phase_name_{phase}") if 1 <= phase <= PHASES else catalog.t(lang, "phase_name_0")


def line(catalog: Catalog, lang: str, found: Where) -> str:
    """One line for `stage`, `journey`, App Home and the picture: "Strategic continuum: phase 2/4 …"."""
    if not found.phase:
        return catalog.t(lang, "phase_line_none")
    return catalog.t(lang, "phase_line", phase=found.phase, name=name(catalog, lang, found.phase), cycle=found.cycle)


async def phase(turn: Turn, words: list[str]) -> None:
    sub = words[0].lower() if words else "show"
    if sub in ("show", "näytä", "visa"):
        await _show(turn)
        return
    turn.require_coordinator()
    found = await where(turn.tx, turn.network.id)
    if sub in ("next", "seuraava", "nästa"):
        target = 1 if found.phase in (0, PHASES) else found.phase + 1
    elif sub in ("set", "aseta", "sätt") and len(words) > 1:
        number = PHASE_NAMES.get(words[1].lower())
        if number is None:
            raise ArgumentError("phase_bad", value=shown(words[1]))
        target = number
    else:
        raise ArgumentError("phase_usage")
    if target == found.phase:
        raise ArgumentError("phase_already", phase=target, name=name(turn.catalog, turn.lang, target))
    new_cycle = found.phase == PHASES and target == 1
    await _move(turn, found, target, new_cycle)


async def _show(turn: Turn) -> None:
    found = await where(turn.tx, turn.network.id)
    lines = [line(turn.catalog, turn.lang, found)]
    if found.phase:
        lines.append(turn.t(f"phase_asks_{found.phase}"))
    lines += carried_lines(turn, found)
    if turn.is_coordinator:
        lines.append(turn.t("phase_hint_coordinator"))
    turn.reply_text("\n".join(lines))


def carried_lines(turn: Turn, found: Where) -> list[str]:
    if not found.carried:
        return []
    more = len(found.carried) - SHOWN_ITEMS
    return [turn.t("phase_carried_header", cycle=found.cycle - 1), *(f"  • {text}" for text in found.carried[:SHOWN_ITEMS])] + ([turn.t("phase_carried_more", count=more)] if more > 0 else [])


async def _move(turn: Turn, found: Where, target: int, new_cycle: bool) -> None:
    row = await turn.tx.get(NetworkPhase, turn.network.id)
    if row is None:
        row = NetworkPhase(network_id=turn.network.id, phase=target, cycle=1, set_at=utcnow(), set_by=turn.member.id)
        turn.tx.add(row)
    cycle = found.cycle + 1 if new_cycle else found.cycle
    row.phase, row.cycle, row.set_at, row.set_by = target, cycle, utcnow(), turn.member.id
    carried: list[str] = []
    source: Round | None = None
    if new_cycle:
        source, carried = await carry_forward(turn.tx, turn.network, cycle)
    await turn.tx.flush()
    await repo.audit(turn.tx, turn.network.id, turn.member.key, "phase_set", phase=target, previous=found.phase, cycle=cycle, carried=len(carried))
    everyone = await repo.members_of(turn.tx, turn.network.id)
    moved = Where(target, cycle, tuple(carried))
    for member in everyone:
        lang = member.language or turn.network.language
        turn.emit(announcement(turn, turn.network, member.key, lang, moved))
    if new_cycle:
        key = "phase_cycle_started" if source is not None else "phase_cycle_started_nothing"
        turn.reply(key, cycle=cycle, count=len(carried), round=source.id if source else 0, flow=CLOSING_FLOW, members=len(everyone))
    else:
        turn.reply("phase_moved", phase=target, name=name(turn.catalog, turn.lang, target), count=len(everyone))


def announcement(turn: Turn, network: Network, member_key: str, lang: str, moved: Where) -> Notice:
    t = turn.catalog.t
    lines = [t(lang, "phase_announce", phase=moved.phase, name=name(turn.catalog, lang, moved.phase), cycle=moved.cycle), t(lang, f"phase_asks_{moved.phase}")]
    if moved.carried:
        lines.append(t(lang, "phase_carried_header", cycle=moved.cycle - 1))
        lines += [f"  • {text}" for text in moved.carried[:SHOWN_ITEMS]]
    return Notice(Audience.member(member_key), "\n".join(lines), lang, ((t(lang, "phase_button_show"), "phase"),))


async def carry_forward(tx: AsyncSession, network: Network, cycle: int) -> tuple[Round | None, list[str]]:
    """The themes of the latest closed phase-4 reflection not carried before, most voted first,
    stored as the new cycle's starting items."""
    carried_before = select(CarriedItem.from_round).where(CarriedItem.network_id == network.id, CarriedItem.from_round.is_not(None))
    source = (
        await tx.execute(
            select(Round)
            .where(Round.network_id == network.id, Round.flow_id == CLOSING_FLOW, Round.status == "closed", Round.id.not_in(carried_before))
            .order_by(Round.closed_at.desc(), Round.id.desc())
        )
    ).scalars().first()
    if source is None:
        return None, []
    votes = func.count(ThemeVote.id)
    rows = (
        await tx.execute(
            select(RoundTheme.label, votes)
            .outerjoin(ThemeVote, ThemeVote.theme_id == RoundTheme.id)
            .where(RoundTheme.round_id == source.id)
            .group_by(RoundTheme.id, RoundTheme.label, RoundTheme.position)
            .order_by(votes.desc(), RoundTheme.position)
        )
    ).all()
    now = utcnow()
    for label, count in rows:
        tx.add(CarriedItem(network_id=network.id, cycle=cycle, text=label, votes=int(count), from_round=source.id, created_at=now))
    return source, [label for label, _ in rows]


async def reflection_closed(tx: AsyncSession, config: EngineConfig, network: Network, round_: Round) -> list[Outbound]:
    """A phase-4 reflection closing in phase 4 can start the next cycle: its opener is offered that."""
    if round_.flow_id != CLOSING_FLOW or round_.created_by is None:
        return []
    if (await where(tx, network.id)).phase != PHASES:
        return []
    opener = await tx.get(Member, round_.created_by)
    if opener is None or opener.role != "coordinator":
        return []
    lang = opener.language or network.language
    text = config.catalog.t(lang, "phase_offer_next_cycle", round=round_.id)
    return [Notice(Audience.member(opener.key), text, lang, ((config.catalog.t(lang, "phase_button_next_cycle"), "phase next"),))]
