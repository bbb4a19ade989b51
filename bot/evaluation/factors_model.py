"""The collaboration-factors inventory's structure and arithmetic: which statement measures which
factor, each factor's mean over respondents, and which factors are concerns or strengths.

The 22 factors and six categories follow the Wilder Collaboration Factors Inventory (3rd ed.); the
statements in flows/definitions/factors.yaml are our own, adapted words (not the published items).
Pure functions only, so the figures can be checked by hand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from storage.privacy import too_small

FLOW = "factors"
CONCERN = 3.0  # below this a factor hinders the collaboration (Wilder's reading of the scores)
STRENGTH = 4.0  # this or more: a strength to build on

CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("env", ("env-history", "env-legitimacy", "env-climate")),
    ("mem", ("mem-respect", "mem-cross-section", "mem-self-interest", "mem-compromise")),
    ("proc", ("proc-stake", "proc-layers", "proc-flexibility", "proc-roles", "proc-adaptability", "proc-pace", "proc-learning")),
    ("comm", ("comm-open", "comm-informal")),
    ("purp", ("purp-goals", "purp-vision", "purp-unique")),
    ("res", ("res-means", "res-leadership", "res-engaged")),
)
FACTORS: tuple[str, ...] = tuple(f for _, factors in CATEGORIES for f in factors)
CATEGORY_OF: dict[str, str] = {f: c for c, factors in CATEGORIES for f in factors}


def factor_of(step_id: str) -> str | None:
    """The factor a statement measures: its own id, or the first statement's for a second one."""
    base = step_id.removesuffix("-2")
    return base if base in CATEGORY_OF else None


def comment_step(category: str) -> str:
    return f"comment-{category}"


@dataclass(frozen=True, slots=True)
class FactorScore:
    factor: str
    category: str
    n: int  # respondents who rated at least one of its statements
    mean: float | None  # None: nobody, or fewer than the threshold (then never shown)

    @property
    def shown(self) -> bool:
        return self.mean is not None

    @property
    def flag(self) -> str | None:
        if self.mean is None:
            return None
        if self.mean < CONCERN:
            return "concern"
        return "strength" if self.mean >= STRENGTH else None


def factor_scores(answers: Iterable[tuple[str, str, float]], threshold: int) -> list[FactorScore]:
    """Each factor's mean, in the inventory's order, from (submission, step id, value) rows.

    A respondent's score on a two-statement factor is the mean of the statements they rated, so
    each respondent weighs the same; the factor's mean is the mean of respondents' scores. A factor
    rated by fewer than the threshold gets no mean at all, so nothing below it can leak."""
    per_person: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for submission, step_id, value in answers:
        factor = factor_of(step_id)
        if factor is not None and value is not None:
            per_person[factor][submission].append(float(value))
    found = []
    for factor in FACTORS:
        scores = [sum(v) / len(v) for v in per_person.get(factor, {}).values()]
        n = len(scores)
        mean = sum(scores) / n if n and not too_small(n, threshold) else None
        found.append(FactorScore(factor, CATEGORY_OF[factor], n, mean))
    return found


def weakest(scores: Iterable[FactorScore], count: int = 3) -> list[FactorScore]:
    """The lowest shown factors, lowest first (ties in the inventory's order)."""
    shown = [s for s in scores if s.mean is not None]
    order = {f: i for i, f in enumerate(FACTORS)}
    return sorted(shown, key=lambda s: (s.mean, order[s.factor]))[:count]
