"""The held pool: anonymous answers wait here until they can be released without being linkable.

Someone holding the database file sees which members have finished an anonymous round (reminders
need that) and could match answers to them by any order or time the answers carry. So a finished
respondent's items are not written to `responses`; they join the round's pool (`held_answers`: no
member, no time, random keys) and are released in shuffled batches:

- while the round is open, once the pool holds 2k respondents (k = the anonymity threshold), a
  random pool−k of them are released, so k always stay back and the next batch is never small;
- when the round closes, the rest are released if the round had at least k respondents in all,
  and deleted otherwise (reports would never show fewer than k, and in the file they would be
  one of fewer than k people who are known to have finished).

Released rows get a fresh random submission id per respondent (reliability still groups one
respondent's items), the round's opening day as their time, ids in shuffled order, and their
sector and side only where the batch has enough respondents of that kind (storage/privacy.py).
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import HeldAnswer, Response, Round, utcnow
from storage.privacy import effective_threshold, suppress_breakdown

_rng = random.SystemRandom()
ITEM_FIELDS = ("step_id", "dimension", "value_num", "value_text", "value_list", "sector", "side")


def item(values: dict[str, Any]) -> dict[str, Any]:
    """What of an answer may be held: its content and the respondent's sector and side, nothing else."""
    return {name: values.get(name) for name in ITEM_FIELDS}


async def hold(tx: AsyncSession, round_id: int, respondents: Sequence[Sequence[dict[str, Any]]]) -> None:
    """Add respondents' items to the round's pool.

    On PostgreSQL the whole pool of the round is rewritten in a random order, so that the heap
    order and transaction ids (xmin) do not tell the newest respondent from the others; the pool
    is small (it never keeps more than 2k−1 respondents of a round). SQLite keeps the table in
    the order of its random keys (no rowid), so a plain insert tells nothing.
    """
    respondents = [list(r) for r in respondents if r]
    if not respondents:
        return
    table = HeldAnswer.__table__
    if tx.bind is None or tx.bind.dialect.name != "postgresql":
        rows: list[dict[str, Any]] = []
        for items in respondents:
            grp = secrets.token_hex(12)
            rows += [{**item(i), "key": secrets.token_hex(16), "round_id": round_id, "grp": grp} for i in items]
        await tx.execute(insert(table), rows)
        return
    kept = (await tx.execute(select(table).where(table.c.round_id == round_id))).mappings().all()
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in kept:
        groups.setdefault(row["grp"], []).append(item(dict(row)))
    for items in respondents:
        groups[secrets.token_hex(12)] = [item(i) for i in items]
    await tx.execute(delete(table).where(table.c.round_id == round_id))
    rows = [
        {**i, "key": secrets.token_hex(16), "round_id": round_id, "grp": grp}
        for grp, items in groups.items()
        for i in items
    ]
    _rng.shuffle(rows)
    await tx.execute(insert(table), rows)


async def release_due(tx: AsyncSession, round_: Round, threshold: int, closing: bool = False) -> int:
    """Release what may be released now; returns the number of respondents released."""
    k = effective_threshold(threshold)
    table = HeldAnswer.__table__
    rows = (await tx.execute(select(table).where(table.c.round_id == round_.id))).mappings().all()
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["grp"], []).append(dict(row))
    if closing:
        released = (
            await tx.execute(select(func.count(func.distinct(Response.submission))).where(Response.round_id == round_.id))
        ).scalar_one()
        if len(groups) + int(released) < k:
            # Fewer than k respondents in all: no report may show them, and kept they would be
            # the answers of one of a handful of known people. Suppressed: deleted.
            await tx.execute(delete(table).where(table.c.round_id == round_.id))
            return 0
        chosen = list(groups)
    elif len(groups) >= 2 * k:
        chosen = _rng.sample(list(groups), len(groups) - k)
    else:
        return 0
    if not chosen:
        return 0
    await _release(tx, round_, [groups[g] for g in chosen], k)
    await tx.execute(delete(table).where(table.c.round_id == round_.id, table.c.grp.in_(chosen)))
    return len(chosen)


async def _release(tx: AsyncSession, round_: Round, respondents: list[list[dict[str, Any]]], k: int) -> None:
    cells = Counter(_cell(items[0]) for items in respondents)
    shown = suppress_breakdown(dict(cells), k)
    day = (round_.opens_at or utcnow()).replace(hour=0, minute=0, second=0, microsecond=0)
    out: list[dict[str, Any]] = []
    for items in respondents:
        submission = secrets.token_hex(12)
        visible = not shown[_cell(items[0])].suppressed
        for i in items:
            out.append(
                {
                    **{name: i[name] for name in ITEM_FIELDS},
                    "sector": i["sector"] if visible else None,
                    "side": i["side"] if visible else None,
                    "round_id": round_.id,
                    "member_id": None,
                    "submission": submission,
                    "answered_at": day,
                }
            )
    _rng.shuffle(out)
    await tx.execute(insert(Response.__table__), out)


def _cell(values: dict[str, Any]) -> str:
    return f"{values.get('sector')}|{values.get('side')}"
