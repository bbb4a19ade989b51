"""What the report for partners and funders is made of: parts (a heading, lines, pictures) built by
section builders from a FundersContext.

A section builder is `async def section(ctx) -> ReportSection | None` (None: nothing to tell, the
section is left out); a builder that has a picture hands it over with `attach(ctx, chart)`, and
the picture is printed under its section. Kept apart from funders.py (the list of builders) so the
builders can import this without a cycle.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from bot.evaluation import queries
from bot.evaluation.context import ReportContext
from flows.messages import Chart, Report, ReportSection


@dataclass
class FundersContext(ReportContext):
    """A ReportContext with the rounds the report covers and the pictures its builders attach."""

    rounds: list[queries.RoundInfo] = field(default_factory=list)
    pictures: list[Chart] = field(default_factory=list)


SectionBuilder = Callable[[ReportContext], Awaitable[ReportSection | Report | None]]


def attach(ctx: ReportContext, chart: Chart) -> None:
    """Put a picture under the section being built (ignored outside the report for partners)."""
    if isinstance(ctx, FundersContext):
        ctx.pictures.append(chart)


def rounds_of(ctx: ReportContext) -> list[queries.RoundInfo]:
    return ctx.rounds if isinstance(ctx, FundersContext) else []


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a printed report: its heading, blocks of lines (each with an optional
    sub-heading) and its pictures. Both the HTML page and the PDF are drawn from parts."""

    heading: str
    blocks: tuple[ReportSection, ...] = ()
    charts: tuple[Chart, ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    title: str
    subtitle: str
    parts: tuple[Part, ...]
    footer: str
    lang: str


def parts_of(reports: Sequence[Report]) -> tuple[Part, ...]:
    """Any reports as parts (one per report), for a PDF of the coordinator's page."""
    return tuple(Part(r.title, r.sections, r.charts) for r in reports)
