"""Pure statistics for reports: summaries and their 95% intervals, the change between rounds,
Cronbach's alpha with Feldt's interval and alpha if an item is deleted.

No database and no numpy here, so every figure can be checked by hand against a worked example.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

ALPHA_TRUSTWORTHY = 0.7  # the usual floor below which a scale's items do not measure one thing together


@dataclass(frozen=True, slots=True)
class Summary:
    n: int
    mean: float | None
    sd: float | None  # sample standard deviation (n - 1); None below two values
    median: float | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """The change of a mean from one round to the next, with its 95% interval (Welch)."""

    difference: float
    low: float
    high: float

    @property
    def notable(self) -> bool:
        """Flagged only when the interval excludes zero; anything else may be noise."""
        return self.low > 0 or self.high < 0


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    high: float


def mean_interval(summary: Summary, confidence: float = 0.95) -> Interval | None:
    """The t interval of a mean (a level, not only a change); None below two values."""
    if summary.mean is None or summary.sd is None or summary.n < 2:
        return None
    margin = t_quantile(1 - (1 - confidence) / 2, summary.n - 1) * summary.sd / math.sqrt(summary.n)
    return Interval(summary.mean - margin, summary.mean + margin)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def sd(values: Sequence[float]) -> float | None:
    if len(values) < 2:
        return None
    centre = sum(values) / len(values)
    return math.sqrt(sum((v - centre) ** 2 for v in values) / (len(values) - 1))


def distribution(values: Iterable[float], points: Iterable[int] = ()) -> dict[int, int]:
    """How many answers fell on each scale point (every point listed, even with no answers)."""
    counts = Counter(int(round(v)) for v in values)
    return {p: counts.get(p, 0) for p in sorted(set(points) | set(counts))}


def summarise(values: Sequence[float]) -> Summary:
    return Summary(len(values), mean(values), sd(values), median(values))


def from_moments(n: int, total: float, total_squares: float) -> Summary:
    """A summary from SQL aggregates (COUNT, SUM, SUM of squares), without fetching the values."""
    if n == 0:
        return Summary(0, None, None)
    centre = total / n
    if n < 2:
        return Summary(n, centre, None)
    variance = max(0.0, (total_squares - n * centre * centre) / (n - 1))
    return Summary(n, centre, math.sqrt(variance))


def reverse(value: float, minimum: int, maximum: int) -> float:
    """A reverse-worded item scored the other way round (1 <-> 5 on a 1..5 scale)."""
    return minimum + maximum - value


def welch_change(before: Summary, after: Summary, confidence: float = 0.95) -> Change | None:
    """The change of the mean with a Welch t interval; None when either round lacks a spread."""
    if before.mean is None or after.mean is None or before.sd is None or after.sd is None:
        return None
    va, vb = before.sd**2 / before.n, after.sd**2 / after.n
    difference = after.mean - before.mean
    se = math.sqrt(va + vb)
    if se == 0:
        return Change(difference, difference, difference)
    df = (va + vb) ** 2 / ((va**2 / (before.n - 1)) + (vb**2 / (after.n - 1)))
    margin = t_quantile(1 - (1 - confidence) / 2, df) * se
    return Change(difference, difference - margin, difference + margin)


def cronbach_alpha(rows: Sequence[Sequence[float]]) -> float | None:
    """Cronbach's alpha of complete rows (one row per respondent, one column per item).

    alpha = k / (k - 1) * (1 - sum of item variances / variance of the totals). None when it
    cannot be computed: fewer than two items or respondents, or no spread in the totals.
    """
    if len(rows) < 2 or not rows[0] or len(rows[0]) < 2:
        return None
    k = len(rows[0])
    item_variances = [_variance([row[i] for row in rows]) for i in range(k)]
    total_variance = _variance([sum(row) for row in rows])
    if total_variance == 0:
        return None
    return k / (k - 1) * (1 - sum(item_variances) / total_variance)


def alpha_from_moments(items: Sequence[tuple[int, float, float]], totals: tuple[int, float, float]) -> float | None:
    """Cronbach's alpha from (n, sum, sum of squares) per item and of the totals (SQL aggregates)."""
    if len(items) < 2 or totals[0] < 2:
        return None
    item_variance = sum((from_moments(*item).sd or 0.0) ** 2 for item in items)
    total_variance = (from_moments(*totals).sd or 0.0) ** 2
    if total_variance == 0:
        return None
    k = len(items)
    return k / (k - 1) * (1 - item_variance / total_variance)


def feldt_interval(alpha: float, n: int, items: int, confidence: float = 0.95) -> Interval | None:
    """Feldt's (1965) interval for Cronbach's alpha of n respondents on k items.

    (1 - alpha_population) / (1 - alpha) follows F with n - 1 and (n - 1)(k - 1) degrees of freedom
    (Feldt, Woodruff & Salih 1987, formulas 6 and 7), so the bounds are 1 - (1 - alpha) * F quantiles.
    """
    if n < 3 or items < 2:
        return None
    d1, d2 = n - 1, (n - 1) * (items - 1)
    tail = (1 - confidence) / 2
    return Interval(1 - (1 - alpha) * f_quantile(1 - tail, d1, d2), 1 - (1 - alpha) * f_quantile(tail, d1, d2))


def alpha_if_deleted(items: Sequence[tuple[int, float, float, float]], totals: tuple[int, float, float]) -> list[float | None]:
    """Alpha of the scale without each item in turn, from moments: per item (n, sum, sum of
    squares, sum of item x total) and (n, sum, sum of squares) of the totals.

    The rest's variance is var(T) + var(i) - 2 cov(T, i), so no second pass over the rows is needed.
    """
    k, n = len(items), totals[0]
    if k < 3 or n < 2:
        return [None] * k  # without one of two items there is no scale left to have an alpha
    variances = [(from_moments(m, s, q).sd or 0.0) ** 2 for m, s, q, _ in items]
    total_variance = (from_moments(*totals).sd or 0.0) ** 2
    found: list[float | None] = []
    for (m, s, _, cross), variance in zip(items, variances):
        covariance = (cross - s * totals[1] / n) / (n - 1)
        rest = total_variance + variance - 2 * covariance
        others = sum(variances) - variance
        found.append((k - 1) / (k - 2) * (1 - others / rest) if rest > 0 else None)
    return found


def f_cdf(x: float, d1: float, d2: float) -> float:
    if x <= 0:
        return 0.0
    return _incomplete_beta(d1 / 2, d2 / 2, d1 * x / (d1 * x + d2))


def f_quantile(p: float, d1: float, d2: float) -> float:
    """The p-quantile of the F distribution (bisection on the CDF; 0 < p < 1)."""
    if not 0 < p < 1:
        raise ValueError("f_quantile wants 0 < p < 1")
    low, high = 0.0, 1.0
    while f_cdf(high, d1, d2) < p:
        high *= 2
    for _ in range(80):
        middle = (low + high) / 2
        if f_cdf(middle, d1, d2) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _variance(values: Sequence[float]) -> float:
    centre = sum(values) / len(values)
    return sum((v - centre) ** 2 for v in values) / (len(values) - 1)


def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t with df degrees of freedom.

    Exact (bisection on the CDF) for small df; for df >= 30 the Cornish-Fisher expansion around
    the normal quantile, accurate to about 1e-5 there and far cheaper on large rounds.
    """
    if not 0.5 <= p < 1:
        raise ValueError("t_quantile wants 0.5 <= p < 1")
    if df >= 30:
        z = NormalDist().inv_cdf(p)
        return (
            z
            + (z**3 + z) / (4 * df)
            + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
            + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * df**4)
        )
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2
    for _ in range(60):
        middle = (low + high) / 2
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def t_cdf(t: float, df: float) -> float:
    x = df / (df + t * t)
    tail = 0.5 * _incomplete_beta(df / 2, 0.5, x)
    return 1 - tail if t >= 0 else tail


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b) (continued fraction, Lentz's method)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x))
    if x > (a + 1) / (a + b + 2):
        return 1 - _incomplete_beta(b, a, 1 - x)
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 3000):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1) < 1e-14:
            break
    return front * result / a
