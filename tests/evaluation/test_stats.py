"""Statistics against values worked out by hand (and published worked examples)."""

from __future__ import annotations

import pytest

from bot.evaluation.stats import (
    Summary,
    alpha_from_moments,
    cronbach_alpha,
    distribution,
    from_moments,
    median,
    reverse,
    sd,
    summarise,
    t_quantile,
    welch_change,
)


def test_summary_by_hand() -> None:
    values = [2.0, 4.0, 4.0, 5.0]
    # mean 15/4; deviations -1.75, .25, .25, 1.25 -> squares 3.0625+.0625+.0625+1.5625 = 4.75; /3
    assert summarise(values) == Summary(4, 3.75, pytest.approx((4.75 / 3) ** 0.5), 4.0)
    assert median([5.0, 1.0, 3.0]) == 3.0
    assert sd([3.0]) is None
    assert distribution([1, 2, 2, 5], points=range(1, 6)) == {1: 1, 2: 2, 3: 0, 4: 0, 5: 1}
    moments = from_moments(4, 15.0, 4 + 16 + 16 + 25)
    assert moments.mean == 3.75 and moments.sd == pytest.approx((4.75 / 3) ** 0.5)


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.7062), (4, 2.7764), (10, 2.2281), (30, 2.0423), (100, 1.9840), (100000, 1.9600)],
)
def test_t_quantiles_match_the_table(df: float, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-4)


def test_welch_change_by_hand() -> None:
    before = summarise([2.0, 3.0, 4.0])  # mean 3, sd 1
    # after mean 5, sd 1: se = sqrt(1/3 + 1/3) = 0.8165; df = (2/3)^2 / (2 * (1/3)^2 / 2) = 4; t = 2.7764
    after = summarise([4.0, 5.0, 6.0])
    change = welch_change(before, after)
    assert change is not None
    assert change.difference == pytest.approx(2.0)
    assert change.low == pytest.approx(2.0 - 2.776445 * 0.816497, abs=1e-4)
    assert change.high == pytest.approx(2.0 + 2.776445 * 0.816497, abs=1e-4)
    assert not change.notable  # the interval (-0.27, 4.27) holds zero: could be chance
    bigger = welch_change(before, summarise([6.0, 7.0, 8.0]))
    assert bigger is not None and bigger.notable and bigger.low == pytest.approx(4 - 2.2669, abs=1e-3)


def test_cronbach_alpha_published_example_three_items() -> None:
    # Worked example (askan.ai, "How is cronbach alpha coefficient calculated"): 5 respondents, items A, B, C.
    rows = [[3, 4, 3], [2, 3, 4], [4, 4, 5], [3, 2, 3], [4, 4, 4]]
    # By hand: item variances 0.7, 0.8, 0.7 (sum 2.2); totals 10, 9, 13, 8, 12 -> variance 17.2 / 4 = 4.3
    # alpha = 3/2 * (1 - 2.2/4.3) = 0.73256
    assert cronbach_alpha(rows) == pytest.approx(0.732558, abs=1e-6)


def test_cronbach_alpha_published_example_four_people() -> None:
    # Worked example (calkulon.com, "Cronbach's alpha"): items [4,3,5,2], [5,4,5,3], [4,3,5,2].
    rows = [[4, 5, 4], [3, 4, 3], [5, 5, 5], [2, 3, 2]]
    # Item variances 5/3, 2.75/3, 5/3 (sum 4.25); totals 13, 10, 15, 7 -> variance 36.75 / 3 = 12.25
    assert cronbach_alpha(rows) == pytest.approx(1.5 * (1 - 4.25 / 12.25), abs=1e-9)


def test_reverse_scored_item_gives_the_same_alpha_as_the_straight_one() -> None:
    rows = [[3, 4, 3], [2, 3, 4], [4, 4, 5], [3, 2, 3], [4, 4, 4]]
    stored = [[a, b, 6 - c] for a, b, c in rows]  # item C worded the other way round
    assert cronbach_alpha(stored) < 0.3  # read as stored, the scale looks broken
    turned = [[a, b, reverse(c, 1, 5)] for a, b, c in stored]
    assert cronbach_alpha(turned) == pytest.approx(0.732558, abs=1e-6)


def test_alpha_from_sql_moments_equals_alpha_from_rows() -> None:
    rows = [[3, 4, 3], [2, 3, 4], [4, 4, 5], [3, 2, 3], [4, 4, 4]]
    items = [(5, float(sum(r[i] for r in rows)), float(sum(r[i] ** 2 for r in rows))) for i in range(3)]
    totals = [sum(r) for r in rows]
    assert alpha_from_moments(items, (5, float(sum(totals)), float(sum(t * t for t in totals)))) == pytest.approx(0.732558, abs=1e-6)


def test_alpha_is_none_when_it_cannot_be_computed() -> None:
    assert cronbach_alpha([[3, 3]]) is None
    assert cronbach_alpha([[3, 3], [3, 3]]) is None
