"""`report actions`: the network's commitments made, kept and overdue, over time and per sector.

Commitments are counted, never listed with their owners: a report is read by people the owners
did not choose. A sector with fewer owners than the anonymity threshold is not shown on its own
(its figures would point at the few people in it), and neither is one that would give such a
small sector away by subtraction (storage.privacy.suppress_breakdown).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.evaluation import charts
from bot.evaluation.context import ReportContext
from bot.evaluation.scale_lines import group_name
from flows.arguments import ArgumentError
from flows.messages import Chart, Report, ReportSection
from flows.levels import NONE, key as level_key, ordered
from storage import actions as store
from storage import roles as role_store
from storage.models import Action, Role, utcnow
from storage.privacy import suppress_breakdown

MONTHS = 6


@dataclass
class Tally:
    made: int = 0
    kept: int = 0
    dropped: int = 0
    open: int = 0
    overdue: int = 0
    owners: set[int] = field(default_factory=set)

    def add(self, action: Action, now: datetime) -> None:
        self.made += 1
        if action.status == "done":
            self.kept += 1
        elif action.status == "dropped":
            self.dropped += 1
        else:
            self.open += 1
            self.overdue += int(action.due_at is not None and action.due_at < now)
        self.owners.add(action.owner_id if action.owner_id is not None else -action.id)

    @property
    def kept_share(self) -> int:
        return round(100 * self.kept / self.made) if self.made else 0


def tally(actions: Sequence[Action], now: datetime) -> Tally:
    total = Tally()
    for action in actions:
        total.add(action, now)
    return total


def _month(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


def by_month(actions: Sequence[Action], now: datetime, months: int = MONTHS) -> list[tuple[str, int, int, int]]:
    """(month, made in it, kept in it, overdue at its end) for the last `months` months with actions."""
    if not actions:
        return []
    first = min(a.created_at for a in actions)
    labels: list[str] = []
    year, month = first.year, first.month
    while (year, month) <= (now.year, now.month):
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    labels = labels[-months:]
    rows = []
    for label in labels:
        year, month = int(label[:4]), int(label[5:])
        end = datetime(year + (month == 12), 1 if month == 12 else month + 1, 1, tzinfo=now.tzinfo)
        end = min(end, now)
        made = sum(1 for a in actions if _month(a.created_at) == label)
        kept = sum(1 for a in actions if a.status == "done" and a.closed_at is not None and _month(a.closed_at) == label)
        overdue = sum(
            1
            for a in actions
            if a.created_at < end and a.due_at is not None and a.due_at < end and (a.closed_at is None or a.closed_at >= end) and a.status != "dropped"
        )
        rows.append((label, made, kept, overdue))
    return rows


async def build(ctx: ReportContext) -> Report:
    actions = await store.of_network(ctx.tx, ctx.network.id)
    if not actions:
        if await role_store.listed(ctx.tx, ctx.network.id):
            return await _roles_only(ctx)
        raise ArgumentError("report_no_actions")
    now = utcnow()
    total = tally(actions, now)
    sections = [
        ReportSection(
            ctx.t("report_actions_total"),
            (
                ctx.t("report_actions_made", count=total.made),
                ctx.t("report_actions_kept", count=total.kept, share=total.kept_share),
                ctx.t("report_actions_open", count=total.open, overdue=total.overdue),
                ctx.t("report_actions_dropped", count=total.dropped),
            ),
        )
    ]
    months = by_month(actions, now)
    sections.append(
        ReportSection(ctx.t("report_actions_over_time"), tuple(ctx.t("report_actions_month", month=m, made=a, kept=k, overdue=o) for m, a, k, o in months))
    )
    sections.append(ReportSection(ctx.t("report_by_sector"), tuple(_sector_lines(ctx, actions, now))))
    if any(a.level for a in actions):
        sections.append(ReportSection(ctx.t("report_by_level"), tuple(level_lines(ctx, actions))))
    held = await role_store.listed(ctx.tx, ctx.network.id)
    if held:
        sections.append(ReportSection(ctx.t("report_roles"), tuple(_role_lines(ctx, [r for r, _ in held]))))
    title = ctx.t("report_actions_title")
    png = charts.commitments(
        title, [m for m, *_ in months], {ctx.t("report_actions_series_made"): [a for _, a, _, _ in months], ctx.t("report_actions_series_kept"): [k for _, _, k, _ in months], ctx.t("report_actions_series_overdue"): [o for *_, o in months]}
    )
    alt = ctx.t("report_chart_actions_alt", first=months[0][0], last=months[-1][0], made=total.made, kept=total.kept, overdue=total.overdue)
    chart = Chart(ctx.audience, png, alt, title, "commitments.png", ctx.lang)
    return Report(ctx.audience, title, tuple(sections), (chart,), ctx.lang)


def _sector_lines(ctx: ReportContext, actions: Sequence[Action], now: datetime) -> list[str]:
    groups: dict[str, Tally] = defaultdict(Tally)
    for action in actions:
        groups[action.sector or "unknown"].add(action, now)
    cells = suppress_breakdown({g: len(t.owners) for g, t in groups.items()}, ctx.threshold)
    lines = []
    for group, figures in sorted(groups.items(), key=lambda item: (item[0] == "unknown", item[0])):
        name = group_name(ctx, "sector", None if group == "unknown" else group)
        cell = cells.get(group)
        if cell is None:
            continue
        if cell.suppressed:
            lines.append(ctx.t("report_actions_sector_hidden", group=name, threshold=ctx.threshold))
        else:
            lines.append(ctx.t("report_actions_sector", group=name, made=figures.made, kept=figures.kept, overdue=figures.overdue))
    return lines


def level_lines(ctx: ReportContext, actions: Sequence[Action]) -> list[str]:
    """Commitments made / kept / overdue per level of network work; a level whose commitments have
    fewer owners than the threshold is hidden, as a small sector is."""
    now = utcnow()
    groups: dict[str, Tally] = defaultdict(Tally)
    for action in actions:
        groups[action.level or NONE].add(action, now)
    cells = suppress_breakdown({g: len(t.owners) for g, t in groups.items()}, ctx.threshold)
    lines = []
    for group in ordered(groups):
        cell, figures = cells.get(group), groups[group]
        name = ctx.t(level_key(None if group == NONE else group))
        name = name[:1].upper() + name[1:]  # it begins a line
        if cell is None:
            continue
        if cell.suppressed:
            lines.append(ctx.t("report_actions_level_hidden", level=name, threshold=ctx.threshold))
        else:
            lines.append(ctx.t("report_actions_level", level=name, made=figures.made, kept=figures.kept, overdue=figures.overdue))
    return lines


def _role_lines(ctx: ReportContext, roles: Sequence[Role]) -> list[str]:
    """Who does what, as the network agreed it: each role and whether it is held; never by whom
    (the report travels beyond the members; `role list` names the owners inside the network)."""
    agreed = sum(1 for r in roles if r.status == "accepted")
    lines = [ctx.t("report_roles_total", count=len(roles), agreed=agreed)]
    lines += [ctx.t("report_role_line", id=r.id, title=r.title, state=ctx.t(f"role_state_{r.status}")) for r in roles[:30]]
    return lines


async def _roles_only(ctx: ReportContext) -> Report:
    held = [r for r, _ in await role_store.listed(ctx.tx, ctx.network.id)]
    title = ctx.t("report_actions_title")
    return Report(ctx.audience, title, (ReportSection(ctx.t("report_roles"), tuple(_role_lines(ctx, held))),), (), ctx.lang)
