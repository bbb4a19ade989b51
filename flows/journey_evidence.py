"""What each step of the U has done: its dates, the rounds run at it, participation and practices.

A step's time is from the move onto it to the move off it (`stage_moves`); a round counts for the
step it was opened in, and a `u-stage-N` dialogue round always for step N. The practices count
for their own step whenever they were done (facts for 1, proposed actors and the map for 2,
intros and the kept ground rules of the charter for 3, journal writing for 4 and 5, vision
drafts for 6, the chosen vision for 7, prototypes for 8, accepted roles for 9).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import decisions
from storage.models import ActorProposal, Fact, IntroBatch, IntroMember, JournalEntry, Member, MemberSession, Network, Prototype, Role, Round, StageMove, utcnow

U_STEPS = 10
MAP_FLOW = "network-map"


@dataclass
class StepEvidence:
    number: int
    spans: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    rounds: int = 0
    dialogue_rounds: int = 0  # rounds of the step's own u-stage flow
    invited: int = 0
    answered: int = 0
    practices: dict[str, int] = field(default_factory=dict)

    @property
    def started(self) -> datetime | None:
        return self.spans[0][0] if self.spans else None

    @property
    def ended(self) -> datetime | None:
        return self.spans[-1][1] if self.spans else None

    @property
    def participation(self) -> int | None:
        return round(100 * self.answered / self.invited) if self.invited else None

    def checks(self) -> list[tuple[str, int]]:
        """(what, how many) the step is expected to show; zero is what is missing."""
        found = [("rounds", self.rounds)]
        found += [(name, self.practices.get(name, 0)) for name in PRACTICES.get(self.number, ())]
        return found

    @property
    def has_evidence(self) -> bool:
        return any(count for _, count in self.checks())


PRACTICES: dict[int, tuple[str, ...]] = {
    1: ("facts",),
    2: ("map", "actors"),
    3: ("intros", "met", "charter"),
    4: ("journal",),
    5: ("journal",),
    6: ("vision_drafts",),
    7: ("vision",),
    8: ("prototypes",),
    9: ("roles",),
}


async def moves(tx: AsyncSession, network_id: int) -> list[StageMove]:
    stmt = select(StageMove).where(StageMove.network_id == network_id).order_by(StageMove.moved_at, StageMove.id)
    return list((await tx.execute(stmt)).scalars().all())


def spans(network: Network, history: list[StageMove], now: datetime) -> dict[int, list[tuple[datetime, datetime | None]]]:
    """The time intervals the network spent at each step (a step can be revisited)."""
    found: dict[int, list[tuple[datetime, datetime | None]]] = {n: [] for n in range(1, U_STEPS + 1)}
    if not history:
        if network.u_stage:  # moved before moves were recorded (or by the demo): since the start
            found[network.u_stage].append((network.created_at, None))
        return found
    for move, following in zip(history, [*history[1:], None]):
        if 1 <= move.to_step <= U_STEPS:
            found[move.to_step].append((move.moved_at, following.moved_at if following else None))
    return found


def _step_of(opened: datetime, flow_id: str, windows: dict[int, list[tuple[datetime, datetime | None]]]) -> int | None:
    if flow_id.startswith("u-stage-") and flow_id[8:].isdigit():
        return int(flow_id[8:])
    for number, intervals in windows.items():
        for start, end in intervals:
            if start <= opened and (end is None or opened < end):
                return number
    return None


async def evidence(tx: AsyncSession, network: Network, threshold: int, now: datetime | None = None) -> dict[int, StepEvidence]:
    """Evidence of all ten steps, in a handful of grouped queries (no per-round reads)."""
    now = now or utcnow()
    windows = spans(network, await moves(tx, network.id), now)
    steps = {n: StepEvidence(n, windows[n]) for n in range(1, U_STEPS + 1)}
    done = func.sum(case((MemberSession.status == "done", 1), else_=0))
    rows = (
        await tx.execute(
            select(Round.flow_id, Round.opens_at, Round.invited, done)
            .outerjoin(MemberSession, MemberSession.round_id == Round.id)
            .where(Round.network_id == network.id)
            .group_by(Round.id, Round.flow_id, Round.opens_at, Round.invited)
        )
    ).all()
    maps = 0
    for flow_id, opened, invited, answered in rows:
        maps += flow_id == MAP_FLOW
        number = _step_of(opened, flow_id, windows)
        if number is None or number not in steps:
            continue
        step = steps[number]
        step.rounds += 1
        step.dialogue_rounds += flow_id == f"u-stage-{number}"
        step.invited += int(invited or 0)
        step.answered += int(answered or 0)
    nid = network.id
    count = lambda model: select(func.count()).select_from(model).where(model.network_id == nid)  # noqa: E731
    steps[1].practices["facts"] = int((await tx.execute(count(Fact))).scalar_one())
    steps[2].practices["map"] = maps
    steps[2].practices["actors"] = int((await tx.execute(count(ActorProposal))).scalar_one())
    steps[3].practices["intros"] = int((await tx.execute(count(IntroBatch))).scalar_one())
    steps[3].practices["met"] = int(
        (
            await tx.execute(
                select(func.count()).select_from(IntroMember).join(IntroBatch, IntroBatch.id == IntroMember.batch_id).where(IntroBatch.network_id == nid, IntroMember.met.is_(True))
            )
        ).scalar_one()
    )
    # Only how many members wrote, never what: and below the anonymity threshold not even that.
    writers = (
        await tx.execute(
            select(JournalEntry.u_step, func.count(func.distinct(JournalEntry.member_id)))
            .join(Member, Member.id == JournalEntry.member_id)
            .where(Member.network_id == nid, JournalEntry.u_step.in_((4, 5)))
            .group_by(JournalEntry.u_step)
        )
    ).all()
    for u_step, writers_count in writers:
        steps[u_step].practices["journal"] = int(writers_count)
    steps[4].practices.setdefault("journal", 0)
    steps[5].practices.setdefault("journal", 0)
    steps[8].practices["prototypes"] = int((await tx.execute(count(Prototype))).scalar_one())
    # Step 9 is organised when roles are agreed: offered and accepted, not merely written down.
    steps[9].practices["roles"] = int((await tx.execute(count(Role).where(Role.status == "accepted"))).scalar_one())
    found = await decisions.counts(tx, nid)  # kept ground rules (3), vision drafts (6), the chosen vision (7)
    steps[3].practices["charter"] = found["charter"]
    steps[6].practices["vision_drafts"] = found["vision_drafts"]
    steps[7].practices["vision"] = found["vision"]
    return steps
