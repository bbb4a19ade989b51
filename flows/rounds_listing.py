"""`rounds [open|closed|all] [--flow F]`: the rounds a member may see, newest first, with their
number, flow, dates, audience size and response rate, so that `report 12` can be found.

Coordinators see every round; a member sees rounds for the whole network and those they were
invited to (as with reports). The same listing feeds App Home and the HTML report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.arguments import ArgumentError, shown
from flows.i18n import Catalog
from flows.registry import FlowRegistry
from flows.turn import Turn
from storage import repository as repo
from storage.models import Member, MemberSession, Round

STATES = {
    "open": ("open", "avoimet", "öppna"),
    "closed": ("closed", "suljetut", "stängda"),
    "all": ("all", "kaikki", "alla"),
}
SHOWN = 20


@dataclass(frozen=True, slots=True)
class RoundRow:
    id: int
    flow_id: str
    status: str
    anonymous: bool
    opens_at: datetime
    ends_at: datetime | None  # closed_at, else the deadline
    invited: int
    done: int

    @property
    def rate(self) -> int:
        return round(100 * self.done / self.invited) if self.invited else 0


async def listed_rounds(
    tx: AsyncSession, network_id: int, reader: Member | None, status: str = "all", flow_id: str | None = None, limit: int | None = None
) -> tuple[list[RoundRow], int]:
    """Rounds the reader may see (newest first, at most `limit`) and how many there are in all."""
    counts = repo.session_counts()
    where = [Round.network_id == network_id]
    if status != "all":
        where.append(Round.status == status)
    if flow_id is not None:
        where.append(Round.flow_id == flow_id)
    if reader is not None and reader.role != "coordinator":
        invited = select(MemberSession.round_id).where(MemberSession.member_id == reader.id)
        where.append(or_(Round.audience == "network", Round.id.in_(invited)))
    total = int((await tx.execute(select(func.count()).select_from(Round).where(*where))).scalar_one())
    stmt = (
        select(Round, counts.c.invited, counts.c.done)
        .outerjoin(counts, counts.c.round_id == Round.id)
        .where(*where)
        .order_by(Round.opens_at.desc(), Round.id.desc())
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = [
        RoundRow(r.id, r.flow_id, r.status, r.anonymous, r.opens_at, r.closed_at or r.closes_at, max(int(invited or 0), r.invited or 0), int(done or 0))
        for r, invited, done in (await tx.execute(stmt)).all()
    ]
    return rows, total


def round_line(catalog: Catalog, flows: FlowRegistry, lang: str, zone: str, row: RoundRow) -> str:
    """`#12 Pulse · 2.11.–5.11.2026 · 14 invited, 64 % answered · closed` in the reader's words."""
    flow = flows.get(row.flow_id)
    title = flow.title[lang] if flow else row.flow_id
    start = _day(catalog, lang, row.opens_at, zone)
    if row.ends_at:
        dates = catalog.t(lang, "rounds_span", start=start, end=_day(catalog, lang, row.ends_at, zone))
    else:
        dates = catalog.t(lang, "rounds_span_open", start=start)
    return catalog.t(
        lang,
        "rounds_line",
        id=row.id,
        title=title,
        dates=dates,
        invited=catalog.t(lang, "rounds_invited", count=row.invited),
        rate=row.rate,
        state=catalog.t(lang, f"state_{row.status}") + (catalog.t(lang, "rounds_anonymous") if row.anonymous else ""),
    )


def _day(catalog: Catalog, lang: str, moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return catalog.t(lang, "rounds_date", day=local.day, month=local.month, year=local.year)


def _options(words: list[str]) -> tuple[str, str | None]:
    status, flow_id = "all", None
    i = 0
    while i < len(words):
        word = words[i].lower()
        name, sep, inline = word.partition("=")
        if name == "--flow":
            if not sep and i + 1 >= len(words):
                raise ArgumentError("option_needs_value", option="--flow")
            flow_id = inline if sep else words[i + 1]
            i += 1 if sep else 2
            continue
        choice = next((s for s, names in STATES.items() if word in names), None)
        if choice is None:
            raise ArgumentError("rounds_usage", value=shown(words[i]))
        status = choice
        i += 1
    return status, flow_id


async def rounds(turn: Turn, words: list[str]) -> None:
    status, flow_word = _options(words)
    flow_id = None
    if flow_word is not None:
        flow, _ = turn.config.flows.resolve(flow_word, None)
        if flow is None:
            raise ArgumentError("unknown_flow", value=shown(flow_word), flows=", ".join(turn.config.flows.ids()))
        flow_id = flow.id
    rows, total = await listed_rounds(turn.tx, turn.network.id, turn.member, status, flow_id, SHOWN)
    if not rows:
        turn.reply(f"rounds_empty_{status}")
        return
    zone = turn.member.timezone or turn.network.timezone
    lines = [turn.t(f"rounds_header_{status}", count=total)]
    lines += [round_line(turn.catalog, turn.config.flows, turn.lang, zone, row) for row in rows]
    if total > len(rows):
        lines.append(turn.t("rounds_more", count=total - len(rows)))
    lines.append(turn.t("rounds_footer", id=rows[0].id))
    turn.reply_text("\n".join(lines))
