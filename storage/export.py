"""Responses as rows for analysts (CSV or JSON). Anonymous rows carry an empty member field.

Anonymous rows also lose their sector and side where the respondents sharing that (sector, side)
in the round are fewer than the anonymity threshold, or where keeping them would let a reader
work such a small group out by elimination (storage.privacy.suppress_breakdown).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member, Network, Response, Round
from storage.privacy import suppress_breakdown

COLUMNS = ("round", "flow", "round_opened", "anonymous", "step", "dimension", "member", "sector", "side", "value", "answered_at")


def _value(response: Response) -> Any:
    if response.value_num is not None:
        number = response.value_num
        return int(number) if number.is_integer() else number
    if response.value_list is not None:
        return ";".join(str(v) for v in response.value_list)
    return response.value_text or ""


async def export_rows(session: AsyncSession, network: Network, round_id: int | None = None, threshold: int = 5) -> list[dict[str, Any]]:
    stmt = (
        select(Response, Round, Member.key)
        .join(Round, Round.id == Response.round_id)
        .outerjoin(Member, Member.id == Response.member_id)
        .where(Round.network_id == network.id)
        .order_by(Round.id, Response.id)
    )
    if round_id is not None:
        stmt = stmt.where(Round.id == round_id)
    rows = []
    for response, round_, member_key in (await session.execute(stmt)).all():
        anonymous = round_.anonymous or response.member_id is None
        rows.append(
            {
                "round": round_.id,
                "flow": round_.flow_id,
                "round_opened": round_.opens_at.date().isoformat(),
                "anonymous": anonymous,
                "step": response.step_id,
                "dimension": response.dimension or "",
                "member": "" if anonymous else member_key,
                "sector": response.sector or "",
                "side": response.side or "",
                "value": _value(response),
                "answered_at": response.answered_at.date().isoformat() if anonymous else response.answered_at.isoformat(),
                "_submission": response.submission if anonymous else None,
            }
        )
    _blank_small_groups(rows, threshold)
    return rows + await vote_rows(session, network, round_id)


async def vote_rows(session: AsyncSession, network: Network, round_id: int | None = None) -> list[dict[str, Any]]:
    """Dot-votes on themes (storage/digests.py), one row per dot; an anonymous round's name no voter."""
    from storage.digests import network_votes

    rows = []
    for round_, theme, vote, member_key in await network_votes(session, network.id, round_id):
        rows.append(
            {
                "round": round_.id, "flow": round_.flow_id, "round_opened": round_.opens_at.date().isoformat(),
                "anonymous": round_.anonymous, "step": f"theme-vote:{theme.step_id}", "dimension": "",
                "member": "" if round_.anonymous else member_key, "sector": "", "side": "",
                "value": f"{theme.position}. {theme.label}",
                "answered_at": vote.voted_at.date().isoformat() if round_.anonymous else vote.voted_at.isoformat(),
            }
        )
    return rows


def _blank_small_groups(rows: list[dict[str, Any]], threshold: int) -> None:
    respondents: dict[int, dict[str, set[str]]] = {}
    for row in rows:
        if row["_submission"] is not None:
            cell = f"{row['sector']}|{row['side']}"
            respondents.setdefault(row["round"], {}).setdefault(cell, set()).add(row["_submission"])
    hidden = {
        round_id: {label for label, shown in suppress_breakdown({c: len(s) for c, s in cells.items()}, threshold).items() if shown.suppressed}
        for round_id, cells in respondents.items()
    }
    for row in rows:
        submission = row.pop("_submission")
        if submission is not None and f"{row['sector']}|{row['side']}" in hidden.get(row["round"], set()):
            row["sector"] = row["side"] = ""


def to_csv(rows: list[dict[str, Any]], columns: tuple[str, ...] = COLUMNS) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def to_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2)
