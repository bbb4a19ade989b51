"""What one report is built from (ReportContext) and how its numbers are written.

Kept apart from `report.py` so that the sub-reports depend on this and `report.py` on them,
never both ways.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.evaluation.synthesis import Synthesiser
from flows.after_commit import AfterCommit
from flows.messages import Audience
from flows.turn import EngineConfig
from storage.models import Member, Network


@dataclass
class ReportContext:
    """Everything one report is built from: who reads it, in which language, and the tools."""

    tx: AsyncSession
    config: EngineConfig
    network: Network
    reader: Member | None  # None: the coordinator's own tools (CLI, round close) see everything
    lang: str
    audience: Audience
    threshold: int
    synthesiser: Synthesiser
    reverse: dict[str, int]
    defer: AfterCommit | None = None  # None: slow work runs inline (tools outside chat)

    def t(self, key: str, **values: Any) -> str:
        return self.config.catalog.t(self.lang, key, **values)

    def num(self, value: float | None, digits: int = 1) -> str:
        return localise(number(value, digits), self.lang)

    def sign(self, value: float) -> str:
        return localise(signed(value), self.lang)


def number(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def signed(value: float) -> str:
    if abs(value) < 0.005:
        return "0.00"  # not "−0.00": a rounding artefact reads like a fall
    return f"{value:+.2f}".replace("-", "−")


def localise(text: str, lang: str) -> str:
    """Finnish and Swedish write a decimal comma."""
    return text.replace(".", ",") if lang in ("fi", "sv") else text
