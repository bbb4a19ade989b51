"""Per-round pulse aggregates kept once a round can no longer change, so trends stay fast.

Only closed anonymous rounds are kept: nothing can be added to a closed round, and nothing can be
taken from an anonymous one (forget-me removes only answers linked to a member; anonymous answers
have no link). Deleting the round deletes its rows (ON DELETE CASCADE).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import Float, ForeignKey, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.evaluation.stats import Summary, from_moments
from storage.models import Base


class RoundStat(Base):
    __tablename__ = "evaluation_round_stats"
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    measure: Mapped[str] = mapped_column(String(100), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    total: Mapped[float] = mapped_column(Float)
    squares: Mapped[float] = mapped_column(Float)


Moments = tuple[int, float, float]


async def load(tx: AsyncSession, round_ids: Iterable[int]) -> dict[tuple[int, str], Moments]:
    ids = list(round_ids)
    if not ids:
        return {}
    stmt = select(RoundStat).where(RoundStat.round_id.in_(ids))
    return {(s.round_id, s.measure): (s.n, s.total, s.squares) for s in (await tx.execute(stmt)).scalars()}


async def store(tx: AsyncSession, round_ids: Iterable[int], found: Mapping[tuple[int, str], Moments]) -> None:
    ids = list(round_ids)
    if not ids:
        return
    # A round with no pulse answers keeps a marker row, so it is not aggregated again and again.
    rows = [{"round_id": r, "measure": m, "n": n, "total": t, "squares": s} for (r, m), (n, t, s) in found.items() if r in ids]
    rows += [{"round_id": r, "measure": "", "n": 0, "total": 0.0, "squares": 0.0} for r in ids if not any(k[0] == r for k in found)]
    # Two reports may settle the same round at once (PostgreSQL, several workers): the second
    # computed the same figures, so its rows are simply not needed.
    if tx.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    await tx.execute(insert(RoundStat).values(rows).on_conflict_do_nothing())


def summaries(found: Mapping[tuple[int, str], Moments]) -> dict[tuple[int, str], Summary]:
    return {key: from_moments(*moments) for key, moments in found.items() if key[1]}
