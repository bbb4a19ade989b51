"""The ratings of a `partners` round, and which of their figures may be shown (storage/pair_privacy.py).

A rating is one member's answers about one other organisation: how often and how they work
together, and the six trust and value items (1–4). Trust is the mean of the three trust items,
value of the three value items. Only complete ratings count (a round closed mid-way leaves some
half-answered): every figure of a cell is then over the same ratings, as rule B assumes.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from statistics import fmean

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.evaluation.outcomes_data import Point
from bot.evaluation.queries import RoundInfo
from storage.models import Member, Response
from storage.pair_privacy import NETWORK, Atom, CellKey, cells_of, decide, raters_of

FLOW = "partners"
TRUST = ("reliable", "mission", "open")
VALUE = ("influence", "involved", "resources")
WAYS = ("information", "coordination", "joint")
STEPS = ("often", "how", *TRUST, *VALUE)
REQUIRED = ("often", *TRUST, *VALUE)


@dataclass
class Rating:
    rater: Hashable
    rater_org: str | None
    target: str
    values: dict[str, float] = field(default_factory=dict)
    ways: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return all(step in self.values for step in REQUIRED)

    @property
    def trust(self) -> float:
        return fmean(self.values[s] for s in TRUST)

    @property
    def value(self) -> float:
        return fmean(self.values[s] for s in VALUE)


@dataclass(frozen=True, slots=True)
class Cell:
    key: CellKey
    raters: int
    ratings: int
    trust: float
    value: float
    often: float
    ways: dict[str, float]  # share of ratings naming each way of working


@dataclass
class RoundFigures:
    info: RoundInfo
    shown: dict[CellKey, Cell]
    hidden: dict[str, int]  # kind -> number of cells with ratings that are not shown
    rater_sets: dict[CellKey, frozenset[Hashable]]  # of shown cells, for rule C in later rounds
    organisations: list[str]

    @property
    def network(self) -> Cell | None:
        return self.shown.get(NETWORK)

    def of_kind(self, kind: str) -> list[Cell]:
        return [cell for key, cell in sorted(self.shown.items()) if key[0] == kind]


def _name(text: str | None) -> str | None:
    cleaned = " ".join((text or "").split())
    return cleaned or None


async def ratings(tx: AsyncSession, round_id: int) -> list[Rating]:
    """The complete ratings of a round, one per rater and organisation rated."""
    rows = (
        await tx.execute(
            select(Response.member_id, Response.submission, Response.step_id, Response.value_num, Response.value_text, Response.value_list, Member.organisation)
            .outerjoin(Member, Member.id == Response.member_id)
            .where(Response.round_id == round_id, Response.step_id.in_(STEPS), Response.value_text.is_not(None))
        )
    ).all()
    found: dict[tuple[Hashable, str], Rating] = {}
    for member_id, submission, step_id, number, target, chosen, rater_org in rows:
        rater: Hashable = ("member", member_id) if member_id is not None else ("submission", submission)
        name = _name(target)
        if name is None:
            continue
        rating = found.setdefault((rater, name.casefold()), Rating(rater, _name(rater_org), name))
        if step_id == "how":
            rating.ways = tuple(w for w in (chosen or []) if w in WAYS)
        elif number is not None:
            rating.values[step_id] = float(number)
    own = lambda r: r.rater_org is not None and r.rater_org.casefold() == r.target.casefold()  # noqa: E731
    return [r for r in found.values() if r.complete and not own(r)]


def atoms_of(rated: Sequence[Rating]) -> tuple[list[Atom], list[list[Rating]]]:
    """Ratings grouped by (rater organisation → organisation rated)."""
    groups: dict[tuple[str | None, str], list[Rating]] = {}
    for rating in rated:
        groups.setdefault((rating.rater_org.casefold() if rating.rater_org else None, rating.target.casefold()), []).append(rating)
    keys = sorted(groups, key=lambda k: (k[0] or "", k[1]))
    atoms = [Atom(groups[k][0].rater_org, groups[k][0].target, frozenset(r.rater for r in groups[k])) for k in keys]
    return atoms, [groups[k] for k in keys]


def _cell(key: CellKey, members: Sequence[Rating]) -> Cell:
    n = len(members)
    return Cell(
        key,
        len({r.rater for r in members}),
        n,
        fmean(r.trust for r in members),
        fmean(r.value for r in members),
        fmean(r.values["often"] for r in members),
        {way: sum(way in r.ways for r in members) / n for way in WAYS},
    )


def figures(info: RoundInfo, rated: Sequence[Rating], threshold: int, earlier: Sequence[dict[CellKey, frozenset[Hashable]]]) -> RoundFigures:
    atoms, groups = atoms_of(rated)
    cells = cells_of(atoms)
    decisions = decide(atoms, threshold, earlier)
    shown: dict[CellKey, Cell] = {}
    hidden: dict[str, int] = {}
    rater_sets: dict[CellKey, frozenset[Hashable]] = {}
    for key, members in cells.items():
        if not members:
            continue
        if decisions[key]:
            shown[key] = _cell(key, [r for i in members for r in groups[i]])
            rater_sets[key] = raters_of(atoms, members)
        else:
            hidden[key[0]] = hidden.get(key[0], 0) + 1
    names = sorted({a.target for a in atoms} | {a.rater_org for a in atoms if a.rater_org}, key=str.casefold)
    return RoundFigures(info, shown, hidden, rater_sets, names)


async def history(tx: AsyncSession, rounds: Sequence[RoundInfo], threshold: int) -> list[RoundFigures]:
    """Figures of every closed partners round, oldest first, each decided knowing what the
    earlier ones showed (rule C: named rounds only, since anonymous ones keep no rater)."""
    done: list[RoundFigures] = []
    for info in sorted((r for r in rounds if r.flow_id == FLOW and r.status == "closed"), key=lambda r: (r.opens_at, r.id)):
        earlier = [f.rater_sets for f in done if not f.info.anonymous] if not info.anonymous else []
        done.append(figures(info, await ratings(tx, info.id), threshold, earlier))
    return done


async def knowledge_points(tx: AsyncSession, network_id: int, rounds: Sequence[RoundInfo], threshold: int) -> list[Point]:
    """The outcome "knowledge spreads" as the partners rounds see it: per closed round, how many
    rated relations between organisations share information. Read off the network's own figure,
    which passed the same rules as every other (a round whose network figure is hidden gives None)."""
    points = []
    for figures_ in await history(tx, rounds, threshold):
        network = figures_.network
        value = None if network is None else float(round(network.ways["information"] * network.ratings))
        points.append(Point(figures_.info.opens_at, value, network.raters if network else 0, figures_.info.id))
    return points
